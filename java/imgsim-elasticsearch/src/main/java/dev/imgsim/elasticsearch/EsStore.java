package dev.imgsim.elasticsearch;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import org.elasticsearch.client.RestClient;

import com.fasterxml.jackson.databind.JsonNode;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.KnnSearch;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.elasticsearch.indices.GetMappingResponse;
import co.elastic.clients.elasticsearch.indices.get_mapping.IndexMappingRecord;
import dev.imgsim.Vectors;

/**
 * What {@link ElasticsearchImageIndex} and {@link ElasticsearchTextIndex} share: one index on one
 * cluster, its mapping, bulk loads that report each rejected document, the top-level {@code knn}
 * search and the {@code match} (BM25) search. Thread-safe (the client is).
 */
final class EsStore implements AutoCloseable {
    static final String VECTOR_FIELD = "embedding";
    static final String FIELDS = "fields";
    static final String TEXT_FIELD = "text";
    /** A digest of what a document holds: a load run again skips documents already there with the same one. */
    static final String CHECKSUM = "checksum";

    final ElasticsearchClient client;
    private final RestClient own;
    final String url;
    final String name;
    final int dimension;
    private final VectorIndexType type;
    private final int numCandidates;
    private final double oversample;
    final int bulkSize;
    dev.imgsim.index.LoadListener listener;

    EsStore(ElasticsearchClient client, RestClient own, String url, String name, int dimension, VectorIndexType type,
            int numCandidates, double oversample, int bulkSize) {
        this.client = client;
        this.own = own;
        this.url = url;
        this.name = name;
        this.dimension = dimension;
        this.type = type;
        this.numCandidates = numCandidates;
        this.oversample = oversample;
        this.bulkSize = bulkSize;
    }

    /**
     * The index body: settings, the {@code dense_vector} field (dot product on unit vectors,
     * explicit {@code index_options}), stored fields as keywords under {@code fields.*} (for
     * filters) and, for text, a {@code text} field analysed for BM25.
     */
    static String mapping(int dimension, VectorIndexType type, int m, int efConstruction, int shards, int replicas,
            String textAnalyzer) {
        String text = textAnalyzer == null ? "" : String.format(Locale.ROOT, "\"%s\":{\"type\":\"text\",\"analyzer\":\"%s\"},",
                TEXT_FIELD, textAnalyzer.replace("\"", ""));
        String options = String.format(Locale.ROOT, "{\"type\":\"%s\",\"m\":%d,\"ef_construction\":%d}", type.json(), m,
                efConstruction);
        return String.format(Locale.ROOT, "{\"settings\":{\"index\":{\"number_of_shards\":%d,\"number_of_replicas\":%d}},"
                + "\"mappings\":{\"dynamic_templates\":[{\"stored_fields\":{\"path_match\":\"%s.*\",\"mapping\":{\"type\":\"keyword\"}}}],"
                + "\"properties\":{%s\"%s\":{\"type\":\"dense_vector\",\"dims\":%d,\"index\":true,\"similarity\":\"dot_product\","
                + "\"index_options\":%s},\"%s\":{\"type\":\"object\"},\"%s\":{\"type\":\"keyword\",\"index\":false}}}}",
                shards, replicas, FIELDS, text, VECTOR_FIELD, dimension, options, FIELDS, CHECKSUM);
    }

    void createOrCheck(String body, String textField) {
        boolean exists = call("look up", () -> client.indices().exists(e -> e.index(name)).value());
        if (!exists) {
            try {
                call("create", () -> client.indices().create(c -> c.index(name).withJson(new StringReader(body))));
            } catch (ElasticsearchIndexException e) {
                // another client created it between our check and our PUT: fine if the mapping matches
                if (!(e.getCause() instanceof ElasticsearchException)
                        || !"resource_already_exists_exception".equals(((ElasticsearchException) e.getCause()).error().type())) {
                    throw e;
                }
            }
            if (!exists(name)) {
                throw new ElasticsearchIndexException("Elasticsearch at " + url + " did not create index '" + name + "'");
            }
        }
        Map<String, Property> properties = properties();
        Property vector = properties.get(VECTOR_FIELD);
        if (vector == null || !vector.isDenseVector() || vector.denseVector().dims() == null) {
            throw new ElasticsearchIndexException("the Elasticsearch index '" + name + "' at " + url + " has no dense_vector"
                    + " field '" + VECTOR_FIELD + "' with dims; it was not made by imgsim: use another index name");
        }
        int mapped = vector.denseVector().dims();
        if (mapped != dimension) {
            throw new ElasticsearchIndexException("the Elasticsearch index '" + name + "' at " + url + " maps '" + VECTOR_FIELD
                    + "' as vectors of dimension " + mapped + " but the model gives " + dimension
                    + ": use another index name, or delete the index and load it again with this model");
        }
        if (textField != null && (properties.get(textField) == null || !properties.get(textField).isText())) {
            throw new ElasticsearchIndexException("the Elasticsearch index '" + name + "' at " + url + " has no text field '"
                    + textField + "' for BM25: it holds vectors only (made by ElasticsearchImageIndex, or with storeText(false))");
        }
    }

    private boolean exists(String index) {
        return call("look up", () -> client.indices().exists(e -> e.index(index)).value());
    }

    private Map<String, Property> properties() {
        GetMappingResponse r = call("read the mapping of", () -> client.indices().getMapping(g -> g.index(name)));
        IndexMappingRecord record = r.result().get(name);
        if (record == null && r.result().size() == 1) {
            record = r.result().values().iterator().next(); // an alias names another index
        }
        if (record == null || record.mappings() == null) {
            return Collections.emptyMap();
        }
        return record.mappings().properties();
    }

    /** The top-level field of a text document's window 1, 2, ... (absent on a document's first window). */
    static final String WINDOW = "window";
    /**
     * The top-level object of a split text's window: {@code start}, {@code end} (character offsets)
     * and {@code count} (windows of the text); hits show them as {@code chunk.start}, {@code
     * chunk.end}, {@code chunk.count}, as {@code TextIndex}'s do.
     */
    static final String CHUNK = "chunk";
    /** Between a document's id and a window's number in the id of its windows 1, 2, ... */
    static final String WINDOW_SEP = "\u001Fchunk";

    /** One document to send: unit vector, stored fields and (text indexes) its text. */
    static final class Doc {
        final String id;
        final float[] unit;
        final Map<String, String> fields;
        final String text;
        final String checksum;
        /** Window number of a text document's window (0: the first, or the document whole). */
        final int window;
        /** How many windows its text has (windows beyond are deleted when the first is written). */
        final int windows;
        /** The window's character offsets in its text (a text split into windows), else null. */
        final int[] span;

        Doc(String id, float[] unit, Map<String, String> fields, String text) {
            this(id, unit, fields, text, 0, 1, null);
        }

        private Doc(String id, float[] unit, Map<String, String> fields, String text, int window, int windows, int[] span) {
            this.id = id;
            this.unit = unit;
            this.fields = fields;
            this.text = text;
            this.window = window;
            this.windows = windows;
            this.span = span;
            Map<String, String> summed = fields;
            if (span != null) {
                summed = new LinkedHashMap<>(fields);
                summed.put(dev.imgsim.index.TextIndex.CHUNK_START, Integer.toString(span[0]));
                summed.put(dev.imgsim.index.TextIndex.CHUNK_END, Integer.toString(span[1]));
                summed.put(dev.imgsim.index.TextIndex.CHUNK_COUNT, Integer.toString(windows));
            }
            this.checksum = dev.imgsim.index.DocumentChecksum.of(unit, summed, text);
        }

        /** This document as window {@code window} of {@code windows} of a text, at {@code start..end}. */
        Doc window(int window, int windows, int start, int end) {
            return new Doc(id, unit, fields, text, window, windows, windows > 1 ? new int[] {start, end} : null);
        }
    }

    /** Checks the id and dimension, normalises the vector (before anything is sent). */
    Doc doc(String id, float[] v, Map<String, String> fields, String text) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(v, "embedding of " + id);
        if (v.length != dimension) {
            throw new IllegalArgumentException("the embedding of '" + id + "' has " + v.length
                    + " values; the Elasticsearch index '" + name + "' at " + url + " holds vectors of dimension " + dimension);
        }
        float[] unit;
        try {
            unit = Vectors.normalise(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the embedding of '" + id + "': " + e.getMessage(), e);
        }
        return new Doc(id, unit, fields == null ? Collections.emptyMap() : fields, text);
    }

    /**
     * A bulk load in batches of {@link #bulkSize}: rejected documents are collected (id and
     * reason) and reported together by {@link #finish()}, after the rest were written.
     */
    final class Load {
        private final List<Doc> batch = new ArrayList<>(bulkSize);
        private final Map<String, String> failures = new LinkedHashMap<>();
        private long written;
        private long skipped;
        private long processed;

        void add(Doc d) {
            batch.add(d);
            if (batch.size() >= bulkSize) {
                flush();
            }
        }

        private void flush() {
            if (batch.isEmpty()) {
                return;
            }
            processed += batch.size();
            Map<String, Integer> before = new HashMap<>();
            List<Doc> send = unchanged(batch, before);
            skipped += batch.size() - send.size();
            if (send.isEmpty()) {
                batch.clear();
                report();
                return;
            }
            BulkRequest.Builder req = new BulkRequest.Builder().index(name);
            for (Doc d : send) {
                Map<String, Object> body = new HashMap<>();
                body.put(VECTOR_FIELD, d.unit);
                body.put(FIELDS, d.fields);
                body.put(CHECKSUM, d.checksum);
                if (d.text != null) {
                    body.put(TEXT_FIELD, d.text);
                }
                if (d.window > 0) {
                    body.put(WINDOW, d.window);
                }
                if (d.span != null) {
                    Map<String, Integer> chunk = new LinkedHashMap<>();
                    chunk.put("start", d.span[0]);
                    chunk.put("end", d.span[1]);
                    chunk.put("count", d.windows);
                    body.put(CHUNK, chunk);
                }
                req.operations(op -> op.index(i -> i.id(d.id).document(body)));
                // an earlier, longer version of a text document: its windows beyond the new last go
                for (int c = Math.max(1, d.windows); d.window == 0 && c < before.getOrDefault(d.id, 1); c++) {
                    String stale = d.id + WINDOW_SEP + c;
                    req.operations(op -> op.delete(x -> x.id(stale)));
                }
            }
            BulkResponse r = call("bulk-load into", () -> client.bulk(req.build()));
            int failed = 0;
            if (r.errors()) {
                for (BulkResponseItem item : r.items()) {
                    if (item.error() != null && !(item.status() == 404 && item.id() != null && item.id().contains(WINDOW_SEP))) {
                        failures.put(item.id(), item.error().type() + ": " + item.error().reason());
                        failed++;
                    }
                }
            }
            written += send.size() - failed;
            batch.clear();
            report();
        }

        private void report() {
            if (listener != null) {
                listener.progress(processed, written, skipped);
            }
        }

        /**
         * The documents of a batch not already in the cluster with the same checksum (one mget);
         * {@code windows} receives, for each first window found, how many windows its stored
         * version has.
         */
        private List<Doc> unchanged(List<Doc> docs, Map<String, Integer> windows) {
            List<String> ids = new ArrayList<>(docs.size());
            for (Doc d : docs) {
                ids.add(d.id);
            }
            co.elastic.clients.elasticsearch.core.MgetResponse<JsonNode> r = call("look up documents of",
                    () -> client.mget(m -> m.index(name).ids(ids).sourceIncludes(CHECKSUM, CHUNK), JsonNode.class));
            Map<String, String> stored = new java.util.HashMap<>();
            for (co.elastic.clients.elasticsearch.core.mget.MultiGetResponseItem<JsonNode> item : r.docs()) {
                if (item.isResult() && item.result().found() && item.result().source() != null) {
                    stored.put(item.result().id(), item.result().source().path(CHECKSUM).asText());
                    JsonNode count = item.result().source().path(CHUNK).path("count");
                    if (count.isInt()) {
                        windows.put(item.result().id(), count.asInt());
                    }
                }
            }
            List<Doc> send = new ArrayList<>();
            for (Doc d : docs) {
                if (!d.checksum.equals(stored.get(d.id))) {
                    send.add(d);
                }
            }
            return send;
        }

        /**
         * Sends what is left, refreshes, and returns the documents now in the cluster from this
         * load (written or found there unchanged), or reports every rejected document.
         */
        long finish() {
            flush();
            refresh();
            if (!failures.isEmpty()) {
                Map.Entry<String, String> first = failures.entrySet().iterator().next();
                throw new ElasticsearchBulkException("Elasticsearch at " + url + " rejected " + failures.size() + " document(s)"
                        + " of index '" + name + "' (" + written + " written), e.g. '" + first.getKey() + "': " + first.getValue()
                        + "; failures() lists each", written, failures);
            }
            return written + skipped;
        }
    }

    /** A search result before it becomes a {@link dev.imgsim.index.Hit}. */
    static final class Found {
        final String id;
        final double score;
        final Map<String, String> fields;
        final float[] vector;

        Found(String id, double score, Map<String, String> fields, float[] vector) {
            this.id = id;
            this.score = score;
            this.fields = fields;
            this.vector = vector;
        }

        /** The cosine of a {@code knn} hit: Elasticsearch scores dot_product as (1 + dot) / 2. */
        double cosine() {
            return Math.max(-1, Math.min(1, 2 * score - 1));
        }
    }

    /** The top-level {@code knn} search: {@code k} nearest to a unit vector, optionally filtered. */
    List<Found> knn(float[] unit, int k, Map<String, String> filter) {
        List<Float> q = new ArrayList<>(unit.length);
        for (float x : unit) {
            q.add(x);
        }
        boolean rescore = type.quantised() && oversample > 1;
        int candidates = Math.min(10_000, Math.max(numCandidates, rescore ? (int) Math.ceil(k * oversample) : k));
        List<Query> filters = filters(filter);
        KnnSearch.Builder knn = new KnnSearch.Builder().field(VECTOR_FIELD).queryVector(q).k(k).numCandidates(candidates);
        if (!filters.isEmpty()) {
            knn.filter(filters);
        }
        if (rescore) {
            knn.rescoreVector(r -> r.oversample((float) oversample));
        }
        KnnSearch search = knn.build();
        SearchResponse<JsonNode> r = call("search", () -> client.search(s -> s.index(name).size(k).knn(search)
                .source(src -> src.filter(f -> f.includes(FIELDS, CHUNK))), JsonNode.class));
        return found(r, false);
    }

    /** A {@code match} query on the text field: BM25, best first; sources carry the vectors. */
    List<Found> bm25(String query, int n, Map<String, String> filter) {
        List<Query> filters = filters(filter);
        SearchResponse<JsonNode> r = call("search", () -> client.search(s -> s.index(name).size(n)
                .query(qq -> qq.bool(b -> b.must(mm -> mm.match(m -> m.field(TEXT_FIELD).query(query))).filter(filters)))
                .source(src -> src.filter(f -> f.includes(FIELDS, CHUNK, VECTOR_FIELD))), JsonNode.class));
        return found(r, true);
    }

    private static List<Query> filters(Map<String, String> filter) {
        List<Query> out = new ArrayList<>();
        if (filter != null) {
            for (Map.Entry<String, String> e : filter.entrySet()) {
                String field = FIELDS + "." + Objects.requireNonNull(e.getKey(), "filter field");
                String value = Objects.requireNonNull(e.getValue(), "filter value of " + e.getKey());
                out.add(Query.of(q -> q.term(t -> t.field(field).value(value))));
            }
        }
        return out;
    }

    private static List<Found> found(SearchResponse<JsonNode> r, boolean withVectors) {
        List<Found> out = new ArrayList<>();
        for (Hit<JsonNode> h : r.hits().hits()) {
            Map<String, String> fields = new LinkedHashMap<>();
            JsonNode src = h.source();
            float[] vector = null;
            if (src != null) {
                src.path(FIELDS).fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
                JsonNode chunk = src.path(CHUNK);
                if (chunk.isObject()) { // a window of a split text: its offsets under TextIndex's names
                    fields.put(dev.imgsim.index.TextIndex.CHUNK_START, chunk.path("start").asText());
                    fields.put(dev.imgsim.index.TextIndex.CHUNK_END, chunk.path("end").asText());
                    fields.put(dev.imgsim.index.TextIndex.CHUNK_COUNT, chunk.path("count").asText());
                }
                JsonNode v = src.path(VECTOR_FIELD);
                if (withVectors && v.isArray()) {
                    vector = new float[v.size()];
                    for (int i = 0; i < vector.length; i++) {
                        vector[i] = (float) v.get(i).asDouble();
                    }
                }
            }
            out.add(new Found(h.id(), h.score() == null ? 0 : h.score(), Collections.unmodifiableMap(fields), vector));
        }
        return out;
    }

    void refresh() {
        call("refresh", () -> client.indices().refresh(r -> r.index(name)));
    }

    /** Documents in the index: a text document split into windows counts once. */
    long count() {
        return call("count documents of", () -> client.count(c -> c.index(name)
                .query(q -> q.bool(b -> b.mustNot(m -> m.exists(e -> e.field(WINDOW)))))).count());
    }

    void deleteIndex() {
        call("delete", () -> client.indices().delete(d -> d.index(name)));
    }

    @Override
    public void close() {
        if (own != null) {
            try {
                own.close();
            } catch (IOException e) {
                throw new ElasticsearchIndexException("closing the connection to " + url + " failed: " + e, e);
            }
        }
    }

    @FunctionalInterface
    interface Call<T> {
        T run() throws IOException;
    }

    <T> T call(String what, Call<T> c) {
        try {
            return c.run();
        } catch (ElasticsearchException e) {
            throw new ElasticsearchIndexException("Elasticsearch at " + url + " refused to " + what + " index '" + name + "': "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new ElasticsearchIndexException("cannot reach Elasticsearch at " + url + " (" + what + " index '" + name
                    + "'): " + e, e);
        }
    }
}
