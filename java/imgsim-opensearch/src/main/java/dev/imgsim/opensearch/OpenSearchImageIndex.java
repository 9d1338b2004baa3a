package dev.imgsim.opensearch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;
import org.opensearch.client.transport.OpenSearchTransport;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.Vectors;
import dev.imgsim.index.DocumentChecksum;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.LoadListener;
import dev.imgsim.index.ParquetVectors;
import dev.imgsim.index.VectorIndex;

/**
 * Image search served from an OpenSearch k-NN index: the vectors imgsim computes, stored as a
 * {@code knn_vector} field (Lucene HNSW, cosine similarity), queried top-k through the official
 * {@code opensearch-java} client.
 *
 * <pre>{@code
 * try (ImageSimilarity sim = ImageSimilarity.create();
 *      OpenSearchImageIndex os = OpenSearchImageIndex.builder("http://localhost:9200", "photos")
 *              .model(sim).open()) {                 // creates the index, or checks its mapping
 *     os.bulkLoad(ImageIndex.openReadOnly(dir, sim));  // or bulkLoadParquet(sparkOutput, "path"), bulkLoad(iterator)
 *     List<dev.imgsim.index.Hit> top = os.search(Paths.get("query.jpg"), 10);
 * }
 * }</pre>
 *
 * <p><b>Mapping</b> ({@link #mapping(int, int, int)}): {@code knn_vector} of the model's dimension,
 * method {@code hnsw}, engine {@code lucene}, {@code space_type} {@code cosinesimil}, HNSW
 * {@code m} 16 and {@code ef_construction} 100 unless set; one shard, no replica unless set. An
 * existing index is checked, never changed: a vector field of another dimension (another
 * model) is refused with {@link OpenSearchIndexException} before any document is sent.
 *
 * <p><b>Results</b> are imgsim-index's {@link dev.imgsim.index.Hit}, as from the embedded index;
 * OpenSearch's Lucene engine scores cosinesimil as (1 + cos) / 2, and {@code Hit.similarity()}
 * gives the cosine back.
 *
 * <p>Thread-safe (the client is). {@link #close()} closes the HTTP transport when this class
 * created it; a client passed in with {@link Builder#client(OpenSearchClient)} stays open.
 */
public final class OpenSearchImageIndex implements AutoCloseable {
    /** The field holding the vector. */
    public static final String VECTOR_FIELD = "embedding";
    /** Stored fields go under this object field ({@code fields.<name>}). */
    public static final String FIELDS = "fields";
    /** Each document's {@link DocumentChecksum}: a load run again skips documents already there unchanged. */
    public static final String CHECKSUM = "checksum";

    private final OpenSearchClient client;
    private final OpenSearchTransport ownTransport;
    private final String url;
    private final String name;
    private final int dimension;
    private final ImageSimilarity model;
    private final int efSearch;
    private final int bulkSize;
    private final java.time.Duration retryFor;
    private volatile long lastLoadRetries;
    private final LoadListener listener;

    private OpenSearchImageIndex(Builder b, OpenSearchClient client, OpenSearchTransport own, int dimension) {
        this.client = client;
        this.ownTransport = own;
        this.url = b.url;
        this.name = b.name;
        this.dimension = dimension;
        this.model = b.model;
        this.efSearch = b.efSearch;
        this.bulkSize = b.bulkSize;
        this.retryFor = b.retryFor;
        this.listener = b.listener;
    }

    /**
     * Settings for an index at {@code url}.
     *
     * @param url the cluster's HTTP address, e.g. {@code http://localhost:9200}, or several nodes'
     *        separated by commas ({@code http://a:9200,http://b:9200}): a request a node cannot
     *        answer goes to the next, and bulk loads retry with backoff while the cluster recovers
     * @param indexName the index (lower case, as OpenSearch requires)
     * @return a builder
     */
    public static Builder builder(String url, String indexName) {
        return new Builder(url, indexName);
    }

    /**
     * The index body this class creates: settings and the {@code knn_vector} mapping.
     *
     * @param dimension the vector size (the model's {@link ImageSimilarity#embeddingSize()})
     * @param m HNSW links per node
     * @param efConstruction HNSW beam width while building
     * @return the JSON body of {@code PUT /<index>}
     */
    public static String mapping(int dimension, int m, int efConstruction) {
        return mapping(dimension, m, efConstruction, 1, 0);
    }

    static String mapping(int dimension, int m, int efConstruction, int shards, int replicas) {
        return String.format(Locale.ROOT, "{\"settings\":{\"index\":{\"knn\":true,\"number_of_shards\":%d,"
                + "\"number_of_replicas\":%d}},\"mappings\":{\"properties\":{\"%s\":{\"type\":\"knn_vector\","
                + "\"dimension\":%d,\"method\":{\"name\":\"hnsw\",\"engine\":\"lucene\",\"space_type\":\"cosinesimil\","
                + "\"parameters\":{\"m\":%d,\"ef_construction\":%d}}},\"%s\":{\"type\":\"object\",\"enabled\":false},"
                + "\"%s\":{\"type\":\"keyword\",\"index\":false}}}}",
                shards, replicas, VECTOR_FIELD, dimension, m, efConstruction, FIELDS, CHECKSUM);
    }

    /**
     * The equivalent Elasticsearch 8.x/9.x mapping (documented, not used by this class):
     * {@code dense_vector} with {@code dot_product} similarity on the L2-normalised vectors and
     * explicit HNSW {@code index_options} (Elasticsearch 9 would otherwise pick bbq quantisation
     * at 384+ dimensions).
     *
     * @param dimension the vector size
     * @param m HNSW links per node
     * @param efConstruction HNSW beam width while building
     * @return the JSON body of {@code PUT /<index>} for Elasticsearch
     */
    public static String elasticsearchMapping(int dimension, int m, int efConstruction) {
        return String.format(Locale.ROOT, "{\"mappings\":{\"properties\":{\"%s\":{\"type\":\"dense_vector\","
                + "\"dims\":%d,\"index\":true,\"similarity\":\"dot_product\",\"index_options\":{\"type\":\"hnsw\","
                + "\"m\":%d,\"ef_construction\":%d}},\"%s\":{\"type\":\"object\",\"enabled\":false}}}}",
                VECTOR_FIELD, dimension, m, efConstruction, FIELDS);
    }

    /** @return the index name */
    public String name() {
        return name;
    }

    /** @return the vector size of the index */
    public int dimension() {
        return dimension;
    }

    /** @return the client in use, for requests this class does not cover */
    public OpenSearchClient client() {
        return client;
    }

    /**
     * Adds or replaces one image's vector (visible after {@link #refresh()}).
     *
     * @param id the document id
     * @param embedding the vector; L2-normalised here
     * @param fields stored with it and returned by search; may be empty
     * @throws IllegalArgumentException if the vector's size is not the index's dimension
     */
    public void add(String id, float[] embedding, Map<String, String> fields) {
        OpenSearchLoad load = newLoad();
        load.add(entry(id, embedding, fields));
        load.finish(false);
    }

    /**
     * Bulk-loads vectors ({@link Builder#bulkSize(int)} documents per request), then refreshes.
     * Every vector of a request is checked before the request is sent.
     *
     * @param vectors id to vector; the values are L2-normalised here
     * @return the documents of this load now in the index: written, or found there unchanged (a
     *     load run again after a crash skips what it already wrote)
     * @throws IllegalArgumentException if a vector's size is not the index's dimension
     * @throws OpenSearchBulkException if the cluster rejected documents: each is named, the others were written
     * @throws OpenSearchIndexException if the cluster cannot be reached
     */
    public long bulkLoad(Iterator<Map.Entry<String, float[]>> vectors) {
        Objects.requireNonNull(vectors, "vectors");
        OpenSearchLoad load = newLoad();
        while (vectors.hasNext()) {
            Map.Entry<String, float[]> e = vectors.next();
            load.add(entry(e.getKey(), e.getValue(), Collections.emptyMap()));
        }
        return load.finish(true);
    }

    /**
     * Bulk-loads every entry of a local {@link ImageIndex} (ids, vectors and stored fields),
     * then refreshes; the same as {@code bulkLoad(index.vectors())}.
     *
     * @param index an open index whose dimension is this index's
     * @return the number of documents written
     * @throws IllegalArgumentException if the dimensions differ (checked before anything is sent)
     */
    public long bulkLoad(ImageIndex index) {
        return bulkLoad(Objects.requireNonNull(index, "index").vectors());
    }

    /**
     * Bulk-loads every entry of a local {@link VectorIndex} (ids, vectors and stored fields: an
     * image or text index's store, or vectors made elsewhere), then refreshes.
     *
     * @param index an open index whose dimension is this index's
     * @return the number of documents written
     * @throws IllegalArgumentException if the dimensions differ (checked before anything is sent)
     */
    public long bulkLoad(VectorIndex index) {
        Objects.requireNonNull(index, "index");
        if (index.dimension() != dimension) {
            throw new IllegalArgumentException("the local index " + index.directory() + " holds vectors of dimension "
                    + index.dimension() + ", the OpenSearch index '" + name + "' at " + url + " " + dimension);
        }
        OpenSearchLoad load = newLoad();
        index.forEach((id, v, fields) -> load.add(entry(id, v, fields)));
        return load.finish(true);
    }

    /**
     * Bulk-loads the Parquet output of imgsim-spark's {@code EmbedImagesJob} (or any Parquet with
     * an id column and an {@code embedding} list-of-float column); rows with a null embedding
     * (images that failed) are skipped. Reads the files with DuckDB, which must be on the
     * classpath ({@code org.duckdb:duckdb_jdbc}; not a dependency of this artifact), then refreshes.
     *
     * @param parquet a Parquet file, a folder of them (as Spark writes) or a glob ({@code dir/*.parquet})
     * @param idColumn the column to use as the document id ({@code path} for EmbedImagesJob's output)
     * @return the number of documents written
     * @throws IllegalStateException if DuckDB's JDBC driver is not on the classpath
     * @throws IllegalArgumentException if the files cannot be read or a vector has another dimension
     */
    public long bulkLoadParquet(String parquet, String idColumn) {
        OpenSearchLoad load = newLoad();
        ParquetVectors.forEach(parquet, idColumn, (id, v) -> load.add(entry(id, v, Collections.emptyMap())));
        return load.finish(true);
    }

    private Object[] entry(String id, float[] v, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(v, "embedding of " + id);
        if (v.length != dimension) {
            throw new IllegalArgumentException("the embedding of '" + id + "' has " + v.length
                    + " values; the OpenSearch index '" + name + "' at " + url + " holds vectors of dimension " + dimension);
        }
        float[] unit = Vectors.normalise(v);
        Map<String, String> f = fields == null ? Collections.<String, String>emptyMap() : fields;
        return new Object[] {id, unit, f, DocumentChecksum.of(unit, f, null)};
    }

    private OpenSearchLoad newLoad() {
        return new OpenSearchLoad(client, url, name, bulkSize, retryFor, listener, this::refresh, n -> lastLoadRetries = n);
    }

    /** Requests the last load sent again (a node down, HTTP 429 or 503): for tests and logs. */
    long lastLoadRetries() {
        return lastLoadRetries;
    }

    /** Makes what was added visible to search. */
    public void refresh() {
        call("refresh", () -> client.indices().refresh(r -> r.index(name)));
    }

    /** @return the number of documents in the index (after the last refresh) */
    public long count() {
        return call("count documents of", () -> client.count(c -> c.index(name)).count());
    }

    /**
     * The {@code k} nearest images to a vector.
     *
     * @param embedding the query vector (L2-normalised here)
     * @param k how many results, 1-10,000
     * @return hits, most similar first
     * @throws IllegalArgumentException if the vector's size is not the index's dimension or k is out of range
     */
    public List<dev.imgsim.index.Hit> search(float[] embedding, int k) {
        Objects.requireNonNull(embedding, "embedding");
        if (k < 1 || k > 10_000) {
            throw new IllegalArgumentException("k must be in 1..10000: " + k);
        }
        float[] q = (float[]) entry("(query)", embedding, null)[1];
        int ef = Math.max(efSearch, k);
        SearchResponse<JsonNode> r = call("search", () -> client.search(s -> s.index(name).size(k)
                .source(src -> src.filter(f -> f.includes(FIELDS)))
                .query(qq -> qq.knn(knn -> knn.field(VECTOR_FIELD).vector(q).k(k)
                        .methodParameters("ef_search", JsonData.of(ef)))), JsonNode.class));
        List<dev.imgsim.index.Hit> hits = new ArrayList<>();
        for (Hit<JsonNode> h : r.hits().hits()) {
            Map<String, String> fields = new LinkedHashMap<>();
            JsonNode src = h.source();
            if (src != null && src.has(FIELDS)) {
                src.get(FIELDS).fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
            }
            double score = h.score() == null ? 0 : h.score();
            hits.add(dev.imgsim.index.Hit.of(h.id(), 2 * score - 1, fields));
        }
        return Collections.unmodifiableList(hits);
    }

    /**
     * The {@code k} nearest images to an image file, embedded with the model given to the builder.
     *
     * @param image the query image
     * @param k how many results
     * @return hits, most similar first
     * @throws IllegalStateException if the builder was given no model
     */
    public List<dev.imgsim.index.Hit> search(Path image, int k) {
        if (model == null) {
            throw new IllegalStateException("no model: build with .model(ImageSimilarity) to search by image");
        }
        return search(model.embed(image), k);
    }

    /** Deletes the index on the cluster (its documents and mapping). */
    public void deleteIndex() {
        call("delete", () -> client.indices().delete(d -> d.index(name)));
    }

    @Override
    public void close() {
        if (ownTransport != null) {
            try {
                ownTransport.close();
            } catch (IOException e) {
                throw new OpenSearchIndexException("closing the connection to " + url + " failed: " + e, e);
            }
        }
    }

    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    private <T> T call(String what, Call<T> c) {
        return call(url, name, what, c);
    }

    static <T> T call(String url, String name, String what, Call<T> c) {
        try {
            return c.run();
        } catch (OpenSearchException e) {
            throw new OpenSearchIndexException("OpenSearch at " + url + " refused to " + what + " index '" + name + "': "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new OpenSearchIndexException("cannot reach OpenSearch at " + url + " (" + what + " index '" + name
                    + "'): " + e, e);
        }
    }

    /** Settings of an {@link OpenSearchImageIndex}. */
    public static final class Builder {
        private final String url;
        private final String name;
        private OpenSearchClient client;
        private ImageSimilarity model;
        private int dimension;
        private int m = 16;
        private int efConstruction = 100;
        private int efSearch = 100;
        private int shards = 1;
        private int replicas;
        private int bulkSize = 500;
        private java.time.Duration timeout = java.time.Duration.ofSeconds(60);
        private java.time.Duration retryFor = java.time.Duration.ofMinutes(2);
        private LoadListener listener;

        /**
         * @param duration how long a bulk load retries what the cluster cannot take for now (no node reachable,
         *        HTTP 429, 502-504), backing off from 100 ms to 5 s; zero never; default 2 minutes
         * @return this builder
         */
        public Builder retryFor(java.time.Duration duration) {
            if (duration == null || duration.isNegative()) {
                throw new IllegalArgumentException("retryFor must be zero or positive: " + duration);
            }
            this.retryFor = duration;
            return this;
        }

        /**
         * @param listener hears each load's progress (processed, written, skipped as already there)
         * @return this builder
         */
        public Builder progress(LoadListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        private Builder(String url, String name) {
            this.url = Objects.requireNonNull(url, "url");
            this.name = Objects.requireNonNull(name, "indexName");
            if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT)) || name.startsWith("_") || name.contains(" ")) {
                throw new IllegalArgumentException("'" + name + "' is not a valid OpenSearch index name (lower case, no"
                        + " spaces, not starting with _)");
            }
        }

        /**
         * Uses a client you configured (authentication, TLS, several nodes); it stays open on
         * {@link #close()}. Without one, a plain HTTP client for the builder's URL is created.
         *
         * @param client the client
         * @return this builder
         */
        public Builder client(OpenSearchClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * The model whose embeddings the index holds: sets the dimension and enables
         * {@link #search(Path, int)}.
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
         * @param dimension the vector size, when no model is given
         * @return this builder
         */
        public Builder dimension(int dimension) {
            if (dimension < 1 || dimension > 16_000) {
                throw new IllegalArgumentException("dimension must be in 1..16000: " + dimension);
            }
            this.dimension = dimension;
            return this;
        }

        /**
         * @param m HNSW links per node for a new index (default 16)
         * @param efConstruction HNSW beam width while building a new index (default 100)
         * @return this builder
         */
        public Builder hnsw(int m, int efConstruction) {
            if (m < 2 || m > 100 || efConstruction < 2) {
                throw new IllegalArgumentException("HNSW m must be in 2..100 and ef_construction at least 2: " + m + ", "
                        + efConstruction);
            }
            this.m = m;
            this.efConstruction = efConstruction;
            return this;
        }

        /**
         * @param ef candidates explored per query (OpenSearch's {@code ef_search}; default 100, at least k)
         * @return this builder
         */
        public Builder efSearch(int ef) {
            if (ef < 1) {
                throw new IllegalArgumentException("efSearch must be positive: " + ef);
            }
            this.efSearch = ef;
            return this;
        }

        /**
         * @param shards primary shards of a new index (default 1)
         * @param replicas replicas of a new index (default 0)
         * @return this builder
         */
        public Builder shards(int shards, int replicas) {
            if (shards < 1 || replicas < 0) {
                throw new IllegalArgumentException("shards must be positive and replicas not negative");
            }
            this.shards = shards;
            this.replicas = replicas;
            return this;
        }

        /**
         * @param size documents per bulk request (default 500)
         * @return this builder
         */
        public Builder bulkSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("bulkSize must be positive: " + size);
            }
            this.bulkSize = size;
            return this;
        }

        /**
         * @param timeout how long a request may wait for its response (default 60 s) on the
         *     client this class creates; long bulk requests or a force merge may need more
         * @return this builder
         */
        public Builder requestTimeout(java.time.Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Connects, then creates the index with the k-NN mapping, or checks that the existing
         * index maps a {@code knn_vector} field of the same dimension.
         *
         * @return the open index
         * @throws IllegalStateException if neither a model nor a dimension was given
         * @throws OpenSearchIndexException if the cluster cannot be reached, or the existing
         *     index has another dimension or no vector field
         */
        public OpenSearchImageIndex open() {
            if (dimension == 0) {
                throw new IllegalStateException("give the builder a model(...) or a dimension(...)");
            }
            OpenSearchTransport own = null;
            OpenSearchClient c = client;
            if (c == null) {
                own = OpenSearchLoad.transport(url, timeout);
                c = new OpenSearchClient(own);
            }
            try {
                OpenSearchImageIndex index = new OpenSearchImageIndex(this, c, own, dimension);
                OpenSearchIndexSetup.createOrCheck(c, url, name, dimension, m, efConstruction, shards, replicas);
                return index;
            } catch (RuntimeException e) {
                if (own != null) {
                    try {
                        own.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }
}
