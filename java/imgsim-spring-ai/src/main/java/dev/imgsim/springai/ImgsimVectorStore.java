package dev.imgsim.springai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.vectorstore.SearchRequest;
import org.springframework.ai.vectorstore.VectorStore;
import org.springframework.ai.vectorstore.filter.Filter;
import org.springframework.ai.vectorstore.filter.converter.SimpleVectorStoreFilterExpressionConverter;
import org.springframework.expression.Expression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.StandardEvaluationContext;

import dev.imgsim.index.Hit;
import dev.imgsim.index.VectorIndex;

/**
 * A Spring AI {@link VectorStore} over an imgsim {@link VectorIndex} (persistent, embedded Lucene
 * HNSW; one writer per directory, readers beside it).
 *
 * <ul>
 * <li>A document's text is stored in the field {@value #TEXT_FIELD}, its metadata as fields of the
 *     same names; numbers and booleans come back as {@code Long}/{@code Double}/{@code Boolean}
 *     (their types are kept in {@value #TYPES_FIELD}), everything else as strings.</li>
 * <li>{@link #similaritySearch(SearchRequest)} returns documents with {@code getScore()} = the
 *     cosine similarity and metadata {@code distance} = 1 - cosine (as Spring AI's
 *     {@code SimpleVectorStore}); the similarity threshold is on the cosine.</li>
 * <li>Filter expressions are evaluated as {@code SimpleVectorStore} evaluates them (its SpEL
 *     converter over the metadata). Without a filter a search walks the HNSW graph (approximate,
 *     re-scored exactly); with one it scans every vector above the threshold, so that a filter
 *     never hides matches the graph skipped.</li>
 * <li>Changes are visible to searches at once and durable at {@link VectorIndex#commit()} or
 *     {@code close()} of the index, which stays the caller's to close.</li>
 * </ul>
 */
public final class ImgsimVectorStore implements VectorStore {
    /** The stored field that holds a document's text. */
    public static final String TEXT_FIELD = "springai.text";
    /** The stored field that records which metadata values were numbers or booleans. */
    public static final String TYPES_FIELD = "springai.types";

    private static final SpelExpressionParser SPEL = new SpelExpressionParser();

    private final VectorIndex index;
    private final EmbeddingModel model;

    /**
     * @param index an open index whose dimension is the model's
     * @param model embeds documents and queries (e.g. {@link ImgsimSpringAiEmbeddingModel})
     * @throws IllegalArgumentException if the dimensions differ
     */
    public ImgsimVectorStore(VectorIndex index, EmbeddingModel model) {
        this.index = Objects.requireNonNull(index, "index");
        this.model = Objects.requireNonNull(model, "model");
        if (model.dimensions() != index.dimension()) {
            throw new IllegalArgumentException("the model gives vectors of " + model.dimensions() + " values, the index "
                    + index.directory() + " holds " + index.dimension());
        }
    }

    @Override
    public String getName() {
        return "ImgsimVectorStore";
    }

    @Override
    public void add(List<Document> documents) {
        Objects.requireNonNull(documents, "documents");
        List<String> texts = new ArrayList<>(documents.size());
        for (Document d : documents) {
            Objects.requireNonNull(d, "document");
            if (d.getText() == null) {
                throw new IllegalArgumentException("document " + d.getId() + " has no text");
            }
            texts.add(d.getText());
        }
        List<float[]> vectors = model.embed(texts);
        for (int i = 0; i < documents.size(); i++) {
            Document d = documents.get(i);
            index.add(d.getId(), vectors.get(i), fields(d));
        }
    }

    private static Map<String, String> fields(Document d) {
        Map<String, String> fields = new LinkedHashMap<>();
        StringBuilder types = new StringBuilder();
        for (Map.Entry<String, Object> m : d.getMetadata().entrySet()) {
            String key = m.getKey();
            if (key.equals(TEXT_FIELD) || key.equals(TYPES_FIELD)) {
                throw new IllegalArgumentException("metadata key " + key + " is reserved");
            }
            Object v = m.getValue();
            if (v == null) {
                continue;
            }
            char type = v instanceof Boolean ? 'B' : v instanceof Double || v instanceof Float ? 'D'
                    : v instanceof Number ? 'L' : 'S';
            if (type != 'S') {
                types.append(key.replace(",", "")).append('=').append(type).append(',');
            }
            fields.put(key, String.valueOf(v));
        }
        fields.put(TEXT_FIELD, d.getText());
        if (types.length() > 0) {
            fields.put(TYPES_FIELD, types.toString());
        }
        return fields;
    }

    private static Map<String, Object> metadata(Map<String, String> fields) {
        Map<String, Character> types = new LinkedHashMap<>();
        String t = fields.get(TYPES_FIELD);
        if (t != null) {
            for (String part : t.split(",")) {
                int eq = part.lastIndexOf('=');
                if (eq > 0) {
                    types.put(part.substring(0, eq), part.charAt(eq + 1));
                }
            }
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            if (f.getKey().equals(TEXT_FIELD) || f.getKey().equals(TYPES_FIELD)) {
                continue;
            }
            Character type = types.get(f.getKey());
            String v = f.getValue();
            meta.put(f.getKey(), type == null ? v : type == 'B' ? (Object) Boolean.valueOf(v)
                    : type == 'D' ? (Object) Double.valueOf(v) : (Object) Long.valueOf(v));
        }
        return meta;
    }

    @Override
    public void delete(List<String> ids) {
        Objects.requireNonNull(ids, "ids");
        for (String id : ids) {
            index.remove(Objects.requireNonNull(id, "id"));
        }
    }

    @Override
    public void delete(Filter.Expression filter) {
        Predicate<Map<String, Object>> test = predicate(Objects.requireNonNull(filter, "filter"));
        List<String> doomed = new ArrayList<>();
        index.forEach((id, v, fields) -> {
            if (test.test(metadata(fields))) {
                doomed.add(id);
            }
        });
        delete(doomed);
    }

    @Override
    public List<Document> similaritySearch(SearchRequest request) {
        Objects.requireNonNull(request, "request");
        float[] q = model.embed(request.getQuery());
        int k = request.getTopK();
        double threshold = request.getSimilarityThreshold();
        Predicate<Map<String, Object>> filter = request.hasFilterExpression() ? predicate(request.getFilterExpression()) : null;
        List<Hit> hits = filter == null ? index.search(q, k) : index.searchAbove(q, Math.max(-1, threshold));
        List<Document> out = new ArrayList<>();
        for (Hit h : hits) {
            if (out.size() == k || h.similarity() < threshold) {
                break;
            }
            Map<String, Object> meta = metadata(h.fields());
            if (filter != null && !filter.test(meta)) {
                continue;
            }
            meta.put("distance", 1 - h.similarity());
            out.add(Document.builder().id(h.id()).text(h.fields().getOrDefault(TEXT_FIELD, "")).metadata(meta)
                    .score(h.similarity()).build());
        }
        return out;
    }

    /** A filter as Spring AI's SimpleVectorStore evaluates it: its SpEL form over {@code #metadata}. */
    private static Predicate<Map<String, Object>> predicate(Filter.Expression filter) {
        Expression spel = SPEL.parseExpression(new SimpleVectorStoreFilterExpressionConverter().convertExpression(filter));
        return meta -> {
            StandardEvaluationContext context = new StandardEvaluationContext();
            context.setVariable("metadata", meta);
            return Boolean.TRUE.equals(spel.getValue(context, Boolean.class));
        };
    }
}
