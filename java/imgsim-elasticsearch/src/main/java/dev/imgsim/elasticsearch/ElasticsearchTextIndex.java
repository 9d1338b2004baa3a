package dev.imgsim.elasticsearch;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.imgsim.TextEncoder;
import dev.imgsim.Vectors;
import dev.imgsim.index.Fusion;
import dev.imgsim.index.Hit;
import dev.imgsim.index.SearchMode;
import dev.imgsim.index.TextIndex;

/**
 * Text search served from Elasticsearch: each text's embedding (computed here by an imgsim
 * {@link TextEncoder}, e.g. {@code TextEmbedder}) in a {@code dense_vector} field and, unless
 * {@link Builder#storeText(boolean) storeText(false)}, the text itself in an analysed
 * {@code text} field for BM25. {@link #search(String, int)} runs both and fuses them client-side
 * with {@link TextIndex#DEFAULT_FUSION} (the same as the embedded {@link TextIndex}; Elasticsearch's
 * own RRF retriever needs a paid licence level).
 *
 * <pre>{@code
 * try (TextEmbedder text = TextEmbedder.create();
 *      ElasticsearchTextIndex es = ElasticsearchTextIndex.builder("http://localhost:9200", "docs")
 *              .model(text).open()) {
 *     es.addAll(Map.of("a", "Lucene is a search library", "b", "Spark runs jobs on a cluster"));
 *     List<Hit> top = es.search("full-text search engine", 5);                 // hybrid
 *     List<Hit> dense = es.search("full-text search engine", 5, SearchMode.DENSE);
 * }
 * }</pre>
 *
 * <p><b>Privacy</b>: with {@code storeText(false)} only vectors (and the fields you attach) reach
 * the cluster, and queries send only the query's vector ({@link SearchMode#DENSE}, or
 * {@link #search(float[], int)}); BM25 and hybrid need the words and are refused.
 *
 * <p>Every {@link Hit#similarity()} is the embeddings' cosine, in every mode. Thread-safe.
 */
public final class ElasticsearchTextIndex implements AutoCloseable {
    /** The field holding the text (analysed for BM25). */
    public static final String TEXT_FIELD = EsStore.TEXT_FIELD;

    private static final int EMBED_BATCH = 64;

    private final EsStore store;
    private final TextEncoder model;
    private final boolean storeText;
    private final Fusion fusion;

    private ElasticsearchTextIndex(EsStore store, Builder b) {
        this.store = store;
        this.model = b.model;
        this.storeText = b.storeText;
        this.fusion = b.fusion;
    }

    /**
     * Settings for a text index at {@code url}.
     *
     * @param url the cluster's HTTP address, e.g. {@code http://localhost:9200}
     * @param indexName the index (lower case)
     * @return a builder
     */
    public static Builder builder(String url, String indexName) {
        return new Builder(url, indexName);
    }

    /**
     * The index body this class creates.
     *
     * @param dimension the vector size (the model's {@link TextEncoder#embeddingSize()})
     * @param analyzer the Elasticsearch analyzer of the text field ({@code english},
     *     {@code standard}, ...), or null for a vectors-only index
     * @param type how the vectors are stored and searched
     * @param m HNSW links per node
     * @param efConstruction HNSW beam width while building
     * @return the JSON body of {@code PUT /<index>}
     */
    public static String mapping(int dimension, String analyzer, VectorIndexType type, int m, int efConstruction) {
        return EsStore.mapping(dimension, Objects.requireNonNull(type, "type"), m, efConstruction, 1, 0, analyzer);
    }

    /** @return the index name */
    public String name() {
        return store.name;
    }

    /** @return the vector size of the index */
    public int dimension() {
        return store.dimension;
    }

    /** @return the client in use */
    public ElasticsearchClient client() {
        return store.client;
    }

    /**
     * Adds or replaces one text (visible after {@link #refresh()}).
     *
     * @param id the document id
     * @param text the text: embedded here; sent too unless {@code storeText(false)}
     * @param fields stored with it, returned by search and usable as filters; may be empty
     */
    public void add(String id, String text, Map<String, String> fields) {
        Objects.requireNonNull(text, "text of " + id);
        EsStore.Load load = store.new Load();
        load.add(store.doc(id, model.embed(text), fields, storeText ? text : null));
        load.finish();
    }

    /**
     * Embeds and bulk-loads texts (in order), then refreshes.
     *
     * @param texts id to text
     * @return the documents of this load now in the index: written, or found there unchanged (a load
     *     run again after a crash skips what it already wrote; see {@link ElasticsearchIndexBuilder#progress})
     * @throws ElasticsearchBulkException if the cluster rejected documents (each is named, the
     *     others were written)
     */
    public long addAll(Map<String, String> texts) {
        Objects.requireNonNull(texts, "texts");
        EsStore.Load load = store.new Load();
        List<Map.Entry<String, String>> all = new ArrayList<>(texts.entrySet());
        for (int start = 0; start < all.size(); start += EMBED_BATCH) {
            List<Map.Entry<String, String>> part = all.subList(start, Math.min(all.size(), start + EMBED_BATCH));
            List<String> batch = new ArrayList<>(part.size());
            for (Map.Entry<String, String> e : part) {
                batch.add(Objects.requireNonNull(e.getValue(), "text of " + e.getKey()));
            }
            float[][] v = model.embedAll(batch);
            for (int i = 0; i < part.size(); i++) {
                load.add(store.doc(part.get(i).getKey(), v[i], Collections.emptyMap(), storeText ? batch.get(i) : null));
            }
        }
        return load.finish();
    }

    /** Makes what was added visible to search. */
    public void refresh() {
        store.refresh();
    }

    /** @return the number of documents (after the last refresh) */
    public long count() {
        return store.count();
    }

    /**
     * The {@code k} best documents for {@code query}: by meaning and by words, fused
     * ({@link SearchMode#HYBRID}); by meaning alone ({@link SearchMode#DENSE}) when the index
     * holds no text.
     *
     * @param query the query text
     * @param k how many hits, 1-10,000
     * @return the hits, best first
     */
    public List<Hit> search(String query, int k) {
        return search(query, k, storeText ? SearchMode.HYBRID : SearchMode.DENSE);
    }

    /**
     * The {@code k} best documents for {@code query} in the given mode.
     *
     * @param query the query text
     * @param k how many hits, 1-10,000
     * @param mode by meaning (only the query's vector is sent), by words, or both fused
     * @return the hits, best first in that mode's order
     * @throws IllegalStateException for BM25 or hybrid on an index built with {@code storeText(false)}
     */
    public List<Hit> search(String query, int k, SearchMode mode) {
        return search(query, k, mode, Collections.emptyMap());
    }

    /**
     * The {@code k} best documents for {@code query} in the given mode, among those whose stored
     * fields equal {@code filter}.
     *
     * @param query the query text
     * @param k how many hits, 1-10,000
     * @param mode by meaning, by words, or both fused
     * @param filter field name to required value; empty for none
     * @return the hits, best first in that mode's order
     */
    public List<Hit> search(String query, int k, SearchMode mode, Map<String, String> filter) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(filter, "filter");
        ElasticsearchImageIndex.checkK(k);
        if (mode != SearchMode.DENSE && !storeText) {
            throw new IllegalStateException(mode + " search needs the texts in Elasticsearch, and this index was opened"
                    + " with storeText(false): use SearchMode.DENSE");
        }
        float[] q = Vectors.normalise(model.embed(query));
        if (mode == SearchMode.DENSE) {
            return hits(store.knn(q, k, filter));
        }
        int n = Math.max(k, fusion.depth());
        List<EsStore.Found> words = store.bm25(query, n, filter);
        if (mode == SearchMode.BM25) {
            List<Hit> out = new ArrayList<>();
            for (EsStore.Found f : words.subList(0, Math.min(k, words.size()))) {
                out.add(Hit.of(f.id, cosine(q, f), f.fields));
            }
            return Collections.unmodifiableList(out);
        }
        List<EsStore.Found> meaning = store.knn(q, n, filter);
        Map<String, EsStore.Found> byId = new HashMap<>();
        Map<String, Double> cosines = new HashMap<>();
        List<Map.Entry<String, Double>> dense = new ArrayList<>();
        for (EsStore.Found f : meaning) {
            byId.put(f.id, f);
            cosines.put(f.id, f.cosine());
            dense.add(new AbstractMap.SimpleImmutableEntry<>(f.id, f.cosine()));
        }
        List<Map.Entry<String, Double>> bm25 = new ArrayList<>();
        for (EsStore.Found f : words) {
            byId.putIfAbsent(f.id, f);
            cosines.putIfAbsent(f.id, cosine(q, f));
            bm25.add(new AbstractMap.SimpleImmutableEntry<>(f.id, f.score));
        }
        List<Hit> out = new ArrayList<>();
        for (Map.Entry<String, Double> e : fusion.fuse(dense, bm25)) {
            if (out.size() == k) {
                break;
            }
            out.add(Hit.of(e.getKey(), cosines.get(e.getKey()), byId.get(e.getKey()).fields));
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * The {@code k} nearest documents to a query vector: only the vector is sent.
     *
     * @param embedding the query's embedding (L2-normalised here)
     * @param k how many hits, 1-10,000
     * @return the hits, most similar first
     */
    public List<Hit> search(float[] embedding, int k) {
        Objects.requireNonNull(embedding, "embedding");
        ElasticsearchImageIndex.checkK(k);
        return hits(store.knn(store.doc("(query)", embedding, null, null).unit, k, Collections.emptyMap()));
    }

    private static double cosine(float[] unitQuery, EsStore.Found f) {
        return f.vector == null || f.vector.length != unitQuery.length ? Double.NaN : Vectors.cosineOfUnit(unitQuery, f.vector);
    }

    private static List<Hit> hits(List<EsStore.Found> found) {
        List<Hit> out = new ArrayList<>(found.size());
        for (EsStore.Found f : found) {
            out.add(Hit.of(f.id, f.cosine(), f.fields));
        }
        return Collections.unmodifiableList(out);
    }

    /** Deletes the index on the cluster. */
    public void deleteIndex() {
        store.deleteIndex();
    }

    @Override
    public void close() {
        store.close();
    }

    /** Settings of an {@link ElasticsearchTextIndex}. */
    public static final class Builder extends ElasticsearchIndexBuilder<Builder> {
        private TextEncoder model;
        private String analyzer = "english";
        private boolean storeText = true;
        private Fusion fusion = TextIndex.DEFAULT_FUSION;

        private Builder(String url, String name) {
            super(url, name);
        }

        /**
         * @param model the text model (not closed by the index); sets the dimension
         * @return this builder
         */
        public Builder model(TextEncoder model) {
            this.model = Objects.requireNonNull(model, "model");
            this.dimension = model.embeddingSize();
            return this;
        }

        /**
         * @param analyzer the Elasticsearch analyzer of a new index's text field (default
         *     {@code english}; e.g. {@code standard}, {@code german})
         * @return this builder
         */
        public Builder analyzer(String analyzer) {
            this.analyzer = Objects.requireNonNull(analyzer, "analyzer");
            return this;
        }

        /**
         * @param store whether the texts themselves go to Elasticsearch (default true, needed for
         *     BM25 and hybrid search); false keeps them on this machine: only vectors are sent
         * @return this builder
         */
        public Builder storeText(boolean store) {
            this.storeText = store;
            return this;
        }

        /**
         * @param fusion how hybrid search fuses the two lists (default {@link TextIndex#DEFAULT_FUSION})
         * @return this builder
         */
        public Builder fusion(Fusion fusion) {
            this.fusion = Objects.requireNonNull(fusion, "fusion");
            return this;
        }

        /**
         * Connects, then creates the index or checks the existing one's vector (and text) field.
         *
         * @return the open index
         * @throws IllegalStateException if no model was given
         * @throws ElasticsearchIndexException if the cluster cannot be reached or the index does not fit
         */
        public ElasticsearchTextIndex open() {
            if (model == null) {
                throw new IllegalStateException("give the builder a model(TextEncoder): the texts are embedded here");
            }
            String body = EsStore.mapping(dimension, type, m, efConstruction, shards, replicas, storeText ? analyzer : null);
            return new ElasticsearchTextIndex(connect(body, storeText ? TEXT_FIELD : null), this);
        }
    }
}
