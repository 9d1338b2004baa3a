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
import dev.imgsim.index.Chunking;
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
 * <p><b>Long texts</b> are split as {@link TextIndex} splits them ({@link Builder#chunking}, by
 * default {@link Chunking#DEFAULT}: windows of up to 64 words of whole sentences), each window its
 * own Elasticsearch document (the first under the text's id, the others under the id, U+001F,
 * {@code "chunk"} and the window's number, with a top-level {@code window} field; each with a
 * top-level {@code chunk} object of its offsets and the text's window count); nothing is cut
 * off at the model's token limit. A text scores by its best window, hits carry the text's id and
 * the matched window's {@link TextIndex#CHUNK_START} / {@link TextIndex#CHUNK_END} offsets, and
 * {@link #count()} counts texts.
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
    private final Chunking chunking;

    private ElasticsearchTextIndex(EsStore store, Builder b) {
        this.store = store;
        this.chunking = b.chunking;
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
     * Adds or replaces one text (visible at once: the load refreshes); windows of an earlier,
     * longer version of it are deleted.
     *
     * @param id the document id
     * @param text the text: embedded here; sent too unless {@code storeText(false)}
     * @param fields stored with it, returned by search and usable as filters; may be empty
     */
    public void add(String id, String text, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text of " + id);
        Objects.requireNonNull(fields, "fields of " + id);
        EsStore.Load load = store.new Load();
        List<Chunking.Span> spans = chunking.split(text);
        float[][] v = model.embedDocuments(windowTexts(text, spans));
        for (EsStore.Doc d : windows(id, text, fields, spans, v)) {
            load.add(d);
        }
        load.finish();
    }

    private static List<String> windowTexts(String text, List<Chunking.Span> spans) {
        List<String> out = new ArrayList<>(spans.size());
        for (Chunking.Span sp : spans) {
            out.add(text.substring(sp.start(), sp.end()));
        }
        return out;
    }

    /**
     * A text's documents: itself whole, or (split) one per window, as {@link TextIndex} stores
     * them: the first under the text's id, window c under {@code id + U+001F "chunk" + c}, each with
     * {@link TextIndex#CHUNK_START}, {@link TextIndex#CHUNK_END} and {@link TextIndex#CHUNK_COUNT}.
     */
    private List<EsStore.Doc> windows(String id, String text, Map<String, String> fields, List<Chunking.Span> spans,
            float[][] v) {
        if (id.contains(EsStore.WINDOW_SEP)) {
            throw new IllegalArgumentException("a document id must not contain U+001F followed by 'chunk': " + id);
        }
        int n = spans.size();
        List<EsStore.Doc> out = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            Chunking.Span sp = spans.get(c);
            String window = n == 1 ? text : text.substring(sp.start(), sp.end());
            out.add(store.doc(c == 0 ? id : id + EsStore.WINDOW_SEP + c, v[c], fields, storeText ? window : null)
                    .window(c, n, sp.start(), sp.end()));
        }
        return out;
    }

    /**
     * Embeds and bulk-loads texts (in order), then refreshes.
     *
     * @param texts id to text
     * @return the texts of this load now in the index, each with all its windows: written, or found
     *     there unchanged (a load run again after a crash skips the windows it already wrote; see
     *     {@link ElasticsearchIndexBuilder#progress}, which counts windows)
     * @throws ElasticsearchBulkException if the cluster rejected documents (each window is named,
     *     the others were written)
     */
    public long addAll(Map<String, String> texts) {
        Objects.requireNonNull(texts, "texts");
        EsStore.Load load = store.new Load();
        List<Map.Entry<String, String>> all = new ArrayList<>(texts.entrySet());
        int start = 0;
        while (start < all.size()) {
            // texts in order until about EMBED_BATCH windows, embedded together
            List<List<Chunking.Span>> spans = new ArrayList<>();
            List<String> batch = new ArrayList<>();
            int end = start;
            while (end < all.size() && (end == start || batch.size() < EMBED_BATCH)) {
                Map.Entry<String, String> e = all.get(end++);
                String text = Objects.requireNonNull(e.getValue(), "text of " + e.getKey());
                List<Chunking.Span> sp = chunking.split(text);
                spans.add(sp);
                batch.addAll(windowTexts(text, sp));
            }
            float[][] v = model.embedDocuments(batch);
            int at = 0;
            for (int i = start; i < end; i++) {
                List<Chunking.Span> sp = spans.get(i - start);
                float[][] mine = java.util.Arrays.copyOfRange(v, at, at + sp.size());
                at += sp.size();
                for (EsStore.Doc d : windows(all.get(i).getKey(), all.get(i).getValue(), Collections.emptyMap(), sp, mine)) {
                    load.add(d);
                }
            }
            start = end;
        }
        load.finish(); // throws naming each rejected window; otherwise every window of every text is there
        return all.size();
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
        float[] q = Vectors.normalise(model.embedQuery(query));
        if (mode == SearchMode.DENSE) {
            return hits(nearest(q, k, filter));
        }
        int n = fusion.depthFor(k);
        // BM25 over windows (a few more than documents asked for; each document's best window kept)
        List<EsStore.Found> words = documents(store.bm25(query, n + 10, filter), n);
        if (mode == SearchMode.BM25) {
            List<Hit> out = new ArrayList<>();
            for (EsStore.Found f : words.subList(0, Math.min(k, words.size()))) {
                out.add(Hit.of(f.id, cosine(q, f), f.fields));
            }
            return Collections.unmodifiableList(out);
        }
        List<EsStore.Found> meaning = nearest(q, n, filter);
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
        return hits(nearest(store.doc("(query)", embedding, null, null).unit, k, Collections.emptyMap()));
    }

    /**
     * The {@code n} documents nearest to a unit vector: the nearest windows, each document's best
     * kept (asking for more windows while they collapse to fewer than {@code n} documents).
     */
    private List<EsStore.Found> nearest(float[] unit, int n, Map<String, String> filter) {
        for (int m = n; ; m = 4 * m + 10) {
            int ask = Math.min(m, 10_000);
            List<EsStore.Found> windows = store.knn(unit, ask, filter);
            List<EsStore.Found> docs = documents(windows, n);
            if (docs.size() >= n || windows.size() < ask || ask == 10_000) {
                return docs;
            }
        }
    }

    /** Windows to documents, in order: each document once, as its first (best) window, under the document's id. */
    private static List<EsStore.Found> documents(List<EsStore.Found> windows, int n) {
        List<EsStore.Found> out = new ArrayList<>(Math.min(n, windows.size()));
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (EsStore.Found f : windows) {
            int at = f.id.indexOf(EsStore.WINDOW_SEP);
            String doc = at < 0 ? f.id : f.id.substring(0, at);
            if (seen.add(doc)) {
                out.add(at < 0 ? f : new EsStore.Found(doc, f.score, f.fields, f.vector));
                if (out.size() == n) {
                    break;
                }
            }
        }
        return out;
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
        private Chunking chunking = Chunking.DEFAULT;

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
         * @param chunking how texts are split into windows, each its own Elasticsearch document
         *     (default {@link Chunking#DEFAULT}, as {@link TextIndex}); {@link Chunking#NONE} embeds each
         *     text whole, and the model then reads only its first {@code maxTokens} tokens
         * @return this builder
         */
        public Builder chunking(Chunking chunking) {
            this.chunking = Objects.requireNonNull(chunking, "chunking");
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
