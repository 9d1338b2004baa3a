package dev.imgsim.index;

/** How {@link TextIndex#search(String, int, SearchMode)} finds documents. */
public enum SearchMode {
    /** By meaning: the cosine of the query's embedding to each document's (the HNSW graph). */
    DENSE,
    /** By words: Lucene's BM25 over the analysed text of each document. */
    BM25,
    /**
     * Both, fused ({@link Fusion}): documents that either method ranks high, ordered by the
     * fused score. The default of {@link TextIndex#search(String, int)}.
     */
    HYBRID
}
