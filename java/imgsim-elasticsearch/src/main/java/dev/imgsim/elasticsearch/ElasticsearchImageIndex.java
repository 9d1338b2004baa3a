package dev.imgsim.elasticsearch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.ParquetVectors;
import dev.imgsim.index.VectorIndex;

/**
 * Image search served from Elasticsearch: the vectors imgsim computes, stored as a
 * {@code dense_vector} field and queried with the top-level {@code knn} search through the
 * official {@code elasticsearch-java} client. Only vectors (and the fields you attach) reach the
 * cluster, never the images.
 *
 * <pre>{@code
 * try (ImageSimilarity sim = ImageSimilarity.create();
 *      ElasticsearchImageIndex es = ElasticsearchImageIndex.builder("http://localhost:9200", "photos")
 *              .model(sim).open()) {                  // creates the index, or checks its mapping
 *     es.bulkLoad(ImageIndex.openReadOnly(dir, sim));   // or bulkLoadParquet(sparkOutput, "path"), bulkLoad(iterator)
 *     List<Hit> top = es.search(Paths.get("query.jpg"), 10);
 * }
 * }</pre>
 *
 * <p><b>Mapping</b> ({@link #mapping(int, VectorIndexType, int, int)}): {@code dense_vector} of the
 * model's dimension, {@code similarity: dot_product} on L2-normalised vectors, explicit
 * {@code index_options} (HNSW over floats unless {@link Builder#vectorIndexType} says int8 or BBQ;
 * {@code m} 16, {@code ef_construction} 100), stored fields as keywords under {@code fields.*}
 * (usable as filters). One shard, no replica unless set. An existing index is checked, never
 * changed: a vector field of another dimension (another model) is refused with
 * {@link ElasticsearchIndexException} before any document is sent.
 *
 * <p><b>Resumable loads</b>: every document carries a checksum of its vector, fields (and text);
 * each bulk request is preceded by one {@code mget} of its ids, and documents already in the
 * cluster with the same checksum are skipped. A load killed half-way is simply run again: it
 * writes what is missing or changed, and {@link ElasticsearchIndexBuilder#progress} reports
 * processed / written / skipped after each request.
 *
 * <p><b>Results</b> are imgsim-index's {@link Hit}, as from the embedded index: Elasticsearch
 * scores {@code dot_product} as (1 + cos) / 2, and {@code Hit.similarity()} gives the cosine back.
 *
 * <p><b>Servers</b>: tested against Elasticsearch 8.18 (a real node started by the tests). The
 * 8.x client sends version-compatibility headers that Elasticsearch 9.x accepts. Thread-safe (the
 * client is). {@link #close()} closes the HTTP client when this class created it; a client passed
 * to {@link Builder#client(ElasticsearchClient)} stays open.
 */
public final class ElasticsearchImageIndex implements AutoCloseable {
    /** The field holding the vector. */
    public static final String VECTOR_FIELD = EsStore.VECTOR_FIELD;
    /** Stored fields go under this object field ({@code fields.<name>}, keywords). */
    public static final String FIELDS = EsStore.FIELDS;

    private final EsStore store;
    private final ImageSimilarity model;

    private ElasticsearchImageIndex(EsStore store, ImageSimilarity model) {
        this.store = store;
        this.model = model;
    }

    /**
     * Settings for an index at {@code url}.
     *
     * @param url the cluster's HTTP address, e.g. {@code http://localhost:9200}
     * @param indexName the index (lower case, as Elasticsearch requires)
     * @return a builder
     */
    public static Builder builder(String url, String indexName) {
        return new Builder(url, indexName);
    }

    /**
     * The index body this class creates: settings and the {@code dense_vector} mapping.
     *
     * @param dimension the vector size (the model's {@link ImageSimilarity#embeddingSize()})
     * @param type how the vectors are stored and searched
     * @param m HNSW links per node
     * @param efConstruction HNSW beam width while building
     * @return the JSON body of {@code PUT /<index>}
     */
    public static String mapping(int dimension, VectorIndexType type, int m, int efConstruction) {
        return EsStore.mapping(dimension, Objects.requireNonNull(type, "type"), m, efConstruction, 1, 0, null);
    }

    /** @return the index name */
    public String name() {
        return store.name;
    }

    /** @return the vector size of the index */
    public int dimension() {
        return store.dimension;
    }

    /** @return the client in use, for requests this class does not cover */
    public ElasticsearchClient client() {
        return store.client;
    }

    /**
     * Adds or replaces one image's vector (visible after {@link #refresh()}).
     *
     * @param id the document id
     * @param embedding the vector; L2-normalised here
     * @param fields stored with it, returned by search and usable as filters; may be empty
     * @throws IllegalArgumentException if the vector's size is not the index's dimension, or it is
     *     all zeros or not finite
     * @throws ElasticsearchBulkException if Elasticsearch rejects the document
     */
    public void add(String id, float[] embedding, Map<String, String> fields) {
        EsStore.Load load = store.new Load();
        load.add(store.doc(id, embedding, fields, null));
        load.finish();
    }

    /**
     * Bulk-loads vectors ({@link Builder#bulkSize(int)} documents per request), then refreshes.
     * Every vector of a request is checked before the request is sent.
     *
     * @param vectors id to vector; the values are L2-normalised here
     * @return the documents of this load now in the index: written, or found there unchanged (a load
     *     run again after a crash skips what it already wrote; see {@link ElasticsearchIndexBuilder#progress})
     * @throws IllegalArgumentException if a vector's size is not the index's dimension
     * @throws ElasticsearchBulkException if the cluster rejected documents: each is named, the
     *     others were written
     * @throws ElasticsearchIndexException if the cluster cannot be reached
     */
    public long bulkLoad(Iterator<Map.Entry<String, float[]>> vectors) {
        Objects.requireNonNull(vectors, "vectors");
        EsStore.Load load = store.new Load();
        while (vectors.hasNext()) {
            Map.Entry<String, float[]> e = vectors.next();
            load.add(store.doc(e.getKey(), e.getValue(), Collections.emptyMap(), null));
        }
        return load.finish();
    }

    /**
     * Bulk-loads every entry of a local {@link ImageIndex} (ids, vectors and stored fields), then
     * refreshes; the same as {@code bulkLoad(index.vectors())}.
     *
     * @param index an open index whose dimension is this index's
     * @return the documents of this load now in the index: written, or found there unchanged (a load
     *     run again after a crash skips what it already wrote; see {@link ElasticsearchIndexBuilder#progress})
     * @throws IllegalArgumentException if the dimensions differ (checked before anything is sent)
     */
    public long bulkLoad(ImageIndex index) {
        return bulkLoad(Objects.requireNonNull(index, "index").vectors());
    }

    /**
     * Bulk-loads every entry of a local {@link VectorIndex} (ids, vectors and stored fields), then
     * refreshes.
     *
     * @param index an open index whose dimension is this index's
     * @return the documents of this load now in the index: written, or found there unchanged (a load
     *     run again after a crash skips what it already wrote; see {@link ElasticsearchIndexBuilder#progress})
     * @throws IllegalArgumentException if the dimensions differ (checked before anything is sent)
     * @throws ElasticsearchBulkException if the cluster rejected documents (each is named)
     */
    public long bulkLoad(VectorIndex index) {
        Objects.requireNonNull(index, "index");
        if (index.dimension() != store.dimension) {
            throw new IllegalArgumentException("the local index " + index.directory() + " holds vectors of dimension "
                    + index.dimension() + ", the Elasticsearch index '" + store.name + "' at " + store.url + " "
                    + store.dimension);
        }
        EsStore.Load load = store.new Load();
        index.forEach((id, v, fields) -> load.add(store.doc(id, v, fields, null)));
        return load.finish();
    }

    /**
     * Bulk-loads the Parquet output of imgsim-spark's {@code EmbedImagesJob} (or any Parquet with
     * an id column and an {@code embedding} list-of-float column); rows with a null embedding
     * (images that failed) are skipped. Reads with DuckDB ({@code org.duckdb:duckdb_jdbc} on the
     * classpath; see {@link ParquetVectors}), then refreshes.
     *
     * @param parquet a Parquet file, a folder of them (as Spark writes) or a glob
     * @param idColumn the column to use as the document id ({@code path} for EmbedImagesJob's output)
     * @return the documents of this load now in the index: written, or found there unchanged (a load
     *     run again after a crash skips what it already wrote; see {@link ElasticsearchIndexBuilder#progress})
     * @throws IllegalStateException if DuckDB's JDBC driver is not on the classpath
     * @throws IllegalArgumentException if the files cannot be read or a vector has another dimension
     */
    public long bulkLoadParquet(String parquet, String idColumn) {
        EsStore.Load load = store.new Load();
        ParquetVectors.forEach(parquet, idColumn, (id, v) -> load.add(store.doc(id, v, Collections.emptyMap(), null)));
        return load.finish();
    }

    /** Makes what was added visible to search. */
    public void refresh() {
        store.refresh();
    }

    /** @return the number of documents in the index (after the last refresh) */
    public long count() {
        return store.count();
    }

    /**
     * The {@code k} nearest images to a vector.
     *
     * @param embedding the query vector (L2-normalised here)
     * @param k how many results, 1-10,000
     * @return hits, most similar first
     * @throws IllegalArgumentException if the vector's size is not the index's dimension or k is out of range
     */
    public List<Hit> search(float[] embedding, int k) {
        return search(embedding, k, Collections.emptyMap());
    }

    /**
     * The {@code k} nearest images to a vector among those whose stored fields equal
     * {@code filter} (a {@code term} filter per entry, applied inside the kNN search, so {@code k}
     * hits come back when that many match).
     *
     * @param embedding the query vector (L2-normalised here)
     * @param k how many results, 1-10,000
     * @param filter field name to required value; empty for none
     * @return hits, most similar first
     */
    public List<Hit> search(float[] embedding, int k, Map<String, String> filter) {
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(filter, "filter");
        checkK(k);
        List<Hit> hits = new ArrayList<>();
        for (EsStore.Found f : store.knn(store.doc("(query)", embedding, null, null).unit, k, filter)) {
            hits.add(Hit.of(f.id, f.cosine(), f.fields));
        }
        return Collections.unmodifiableList(hits);
    }

    /**
     * The {@code k} nearest images to an image file, embedded here with the builder's model.
     *
     * @param image the query image
     * @param k how many results
     * @return hits, most similar first
     * @throws IllegalStateException if the builder was given no model
     */
    public List<Hit> search(Path image, int k) {
        return search(image, k, Collections.emptyMap());
    }

    /**
     * The {@code k} nearest images to an image file among those whose stored fields equal {@code filter}.
     *
     * @param image the query image
     * @param k how many results
     * @param filter field name to required value; empty for none
     * @return hits, most similar first
     * @throws IllegalStateException if the builder was given no model
     */
    public List<Hit> search(Path image, int k, Map<String, String> filter) {
        if (model == null) {
            throw new IllegalStateException("no model: build with .model(ImageSimilarity) to search by image");
        }
        return search(model.embed(image), k, filter);
    }

    static void checkK(int k) {
        if (k < 1 || k > 10_000) {
            throw new IllegalArgumentException("k must be in 1..10000: " + k);
        }
    }

    /** Deletes the index on the cluster (its documents and mapping). */
    public void deleteIndex() {
        store.deleteIndex();
    }

    @Override
    public void close() {
        store.close();
    }

    /** Settings of an {@link ElasticsearchImageIndex}. */
    public static final class Builder extends ElasticsearchIndexBuilder<Builder> {
        private ImageSimilarity model;

        private Builder(String url, String name) {
            super(url, name);
        }

        /**
         * The model whose embeddings the index holds: sets the dimension and enables search by image.
         *
         * @param model the model (not closed by the index)
         * @return this builder
         */
        public Builder model(ImageSimilarity model) {
            this.model = Objects.requireNonNull(model, "model");
            this.dimension = model.embeddingSize();
            return this;
        }

        /**
         * Connects, then creates the index with the {@code dense_vector} mapping, or checks that
         * the existing index maps a {@code dense_vector} field of the same dimension.
         *
         * @return the open index
         * @throws IllegalStateException if neither a model nor a dimension was given
         * @throws ElasticsearchIndexException if the cluster cannot be reached, or the existing
         *     index has another dimension or no vector field
         */
        public ElasticsearchImageIndex open() {
            String body = EsStore.mapping(dimension, type, m, efConstruction, shards, replicas, null);
            return new ElasticsearchImageIndex(connect(body, null), model);
        }
    }
}
