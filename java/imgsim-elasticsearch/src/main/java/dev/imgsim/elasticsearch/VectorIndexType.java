package dev.imgsim.elasticsearch;

/**
 * How Elasticsearch stores and searches the vectors: its {@code dense_vector}
 * {@code index_options.type}. Quantised types keep a compressed copy for the HNSW graph beside
 * the float vectors; their searches rescore the best {@code oversample x k} candidates with the
 * float vectors ({@code rescore_vector}), so the cosines returned are exact.
 */
public enum VectorIndexType {
    /** Float vectors in the graph: 4 bytes per dimension; the most exact. */
    HNSW("hnsw"),
    /** int8 scalar quantisation: about 1 byte per dimension in the graph (4x smaller). */
    INT8_HNSW("int8_hnsw"),
    /** Better Binary Quantisation: about 1 bit per dimension (Elasticsearch 8.16+, 64+ dimensions). */
    BBQ_HNSW("bbq_hnsw");

    private final String json;

    VectorIndexType(String json) {
        this.json = json;
    }

    /** @return the {@code index_options.type} value Elasticsearch knows it by */
    public String json() {
        return json;
    }

    /** @return whether the graph holds quantised vectors (searches rescore with the floats) */
    public boolean quantised() {
        return this != HNSW;
    }
}
