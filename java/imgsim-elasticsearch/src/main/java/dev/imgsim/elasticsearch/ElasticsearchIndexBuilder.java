package dev.imgsim.elasticsearch;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;

/**
 * Settings shared by {@link ElasticsearchImageIndex.Builder} and
 * {@link ElasticsearchTextIndex.Builder}: the connection, the vector mapping of a new index and how
 * searches and loads run. Not thread-safe; {@code open()} may be called more than once.
 *
 * @param <B> the concrete builder
 */
public abstract class ElasticsearchIndexBuilder<B extends ElasticsearchIndexBuilder<B>> {
    final String url;
    final String name;
    ElasticsearchClient client;
    int dimension;
    int m = 16;
    int efConstruction = 100;
    VectorIndexType type = VectorIndexType.HNSW;
    int numCandidates = 100;
    double oversample = 3;
    int shards = 1;
    int replicas;
    int bulkSize = 500;
    Duration timeout = Duration.ofSeconds(60);
    dev.imgsim.index.LoadListener listener;

    ElasticsearchIndexBuilder(String url, String name) {
        this.url = Objects.requireNonNull(url, "url");
        this.name = Objects.requireNonNull(name, "indexName");
        if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT)) || name.startsWith("_") || name.startsWith("-")
                || name.contains(" ") || name.contains("*") || name.contains(",")) {
            throw new IllegalArgumentException("'" + name + "' is not a valid Elasticsearch index name (lower case, no"
                    + " spaces, commas or *, not starting with _ or -)");
        }
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Uses a client you configured (API key or basic authentication, TLS, several nodes, Elastic
     * Cloud); it stays open on {@code close()}. Without one, a plain HTTP client for the
     * builder's URL is created and closed with the index.
     *
     * @param client the client
     * @return this builder
     */
    public B client(ElasticsearchClient client) {
        this.client = Objects.requireNonNull(client, "client");
        return self();
    }

    /**
     * @param dimension the vector size, when no model is given
     * @return this builder
     */
    public B dimension(int dimension) {
        if (dimension < 1 || dimension > 4096) {
            throw new IllegalArgumentException("dimension must be in 1..4096 (Elasticsearch's dense_vector limit): " + dimension);
        }
        this.dimension = dimension;
        return self();
    }

    /**
     * @param m HNSW links per node for a new index (default 16)
     * @param efConstruction HNSW beam width while building a new index (default 100)
     * @return this builder
     */
    public B hnsw(int m, int efConstruction) {
        if (m < 2 || m > 512 || efConstruction < 2 || efConstruction > 3200) {
            throw new IllegalArgumentException("HNSW m must be in 2..512 and ef_construction in 2..3200: " + m + ", "
                    + efConstruction);
        }
        this.m = m;
        this.efConstruction = efConstruction;
        return self();
    }

    /**
     * @param type how a new index stores the vectors (default {@link VectorIndexType#HNSW}, floats)
     * @return this builder
     */
    public B vectorIndexType(VectorIndexType type) {
        this.type = Objects.requireNonNull(type, "type");
        return self();
    }

    /**
     * @param candidates {@code num_candidates} of the {@code knn} search: candidates gathered per
     *     shard before the best k are kept (default 100, at least k, at most 10,000)
     * @return this builder
     */
    public B numCandidates(int candidates) {
        if (candidates < 1 || candidates > 10_000) {
            throw new IllegalArgumentException("numCandidates must be in 1..10000: " + candidates);
        }
        this.numCandidates = candidates;
        return self();
    }

    /**
     * @param oversample for quantised types: the best {@code oversample x k} candidates are rescored
     *     with the float vectors (default 3; 1 turns rescoring off)
     * @return this builder
     */
    public B rescoreOversample(double oversample) {
        if (!(oversample >= 1 && oversample <= 10)) {
            throw new IllegalArgumentException("rescoreOversample must be in [1, 10]: " + oversample);
        }
        this.oversample = oversample;
        return self();
    }

    /**
     * @param shards primary shards of a new index (default 1)
     * @param replicas replicas of a new index (default 0)
     * @return this builder
     */
    public B shards(int shards, int replicas) {
        if (shards < 1 || replicas < 0) {
            throw new IllegalArgumentException("shards must be positive and replicas not negative");
        }
        this.shards = shards;
        this.replicas = replicas;
        return self();
    }

    /**
     * @param size documents per bulk request (default 500)
     * @return this builder
     */
    public B bulkSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("bulkSize must be positive: " + size);
        }
        this.bulkSize = size;
        return self();
    }

    /**
     * @param timeout how long a request may wait for its response (default 60 s) on the client
     *     this class creates
     * @return this builder
     */
    public B requestTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        return self();
    }

    /**
     * @param listener hears each load's progress (processed, written, skipped as already there)
     * @return this builder
     */
    public B progress(dev.imgsim.index.LoadListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /** Connects (or takes the given client), then creates the index or checks the existing one. */
    EsStore connect(String body, String textField) {
        if (dimension == 0) {
            throw new IllegalStateException("give the builder a model(...) or a dimension(...)");
        }
        RestClient own = null;
        ElasticsearchClient c = client;
        if (c == null) {
            URI u;
            try {
                u = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a URL: " + url, e);
            }
            if (u.getHost() == null || u.getScheme() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host: " + url);
            }
            int port = u.getPort() > 0 ? u.getPort() : 9200;
            int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            own = RestClient.builder(new HttpHost(u.getHost(), port, u.getScheme()))
                    .setRequestConfigCallback(rc -> rc.setSocketTimeout(ms).setConnectTimeout(Math.min(ms, 10_000)))
                    .build();
            c = new ElasticsearchClient(new RestClientTransport(own, new JacksonJsonpMapper()));
        }
        try {
            EsStore store = new EsStore(c, own, url, name, dimension, type, numCandidates, oversample, bulkSize);
            store.listener = listener;
            store.createOrCheck(body, textField);
            return store;
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
