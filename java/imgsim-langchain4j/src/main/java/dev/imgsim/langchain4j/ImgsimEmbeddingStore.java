package dev.imgsim.langchain4j;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import dev.imgsim.index.Hit;
import dev.imgsim.index.VectorIndex;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingSearchResult;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.RelevanceScore;
import dev.langchain4j.store.embedding.filter.Filter;

/**
 * A LangChain4j {@link EmbeddingStore} of {@link TextSegment}s over an imgsim {@link VectorIndex}
 * (persistent, embedded Lucene HNSW; one writer per directory, readers beside it), for
 * {@code EmbeddingStoreIngestor} and {@code EmbeddingStoreContentRetriever}.
 *
 * <ul>
 * <li>A segment's text is stored in the field {@value #TEXT_FIELD}, its metadata as fields of the
 *     same names (values as strings: metadata read back is string-valued, and a {@link Filter}
 *     compares strings). Metadata keys must not be {@value #TEXT_FIELD}.
 * <li>Scores are LangChain4j's relevance scores, {@code (cosine + 1) / 2}, as
 *     {@link RelevanceScore#fromCosineSimilarity}; {@code minScore} is on that scale.
 * <li>Without a filter a search walks the HNSW graph (approximate, re-scored exactly); with a
 *     filter it scans every vector, so that a filter never hides matches the graph skipped.
 * <li>Changes are visible to searches at once and durable at {@link VectorIndex#commit()} or
 *     {@code close()} of the index, which stays the caller's to close.
 * </ul>
 */
public final class ImgsimEmbeddingStore implements EmbeddingStore<TextSegment> {
    /** The stored field that holds a segment's text. */
    public static final String TEXT_FIELD = "lc4j.text";

    private final VectorIndex index;

    /** @param index an open index whose dimension is the embedding model's */
    public ImgsimEmbeddingStore(VectorIndex index) {
        this.index = Objects.requireNonNull(index, "index");
    }

    @Override
    public String add(Embedding embedding) {
        String id = UUID.randomUUID().toString();
        add(id, embedding);
        return id;
    }

    @Override
    public void add(String id, Embedding embedding) {
        put(id, embedding, null);
    }

    @Override
    public String add(Embedding embedding, TextSegment segment) {
        String id = UUID.randomUUID().toString();
        put(id, embedding, segment);
        return id;
    }

    @Override
    public List<String> addAll(List<Embedding> embeddings) {
        List<String> ids = generateIds(embeddings.size());
        addAll(ids, embeddings, null);
        return ids;
    }

    @Override
    public void addAll(List<String> ids, List<Embedding> embeddings, List<TextSegment> segments) {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(embeddings, "embeddings");
        if (ids.size() != embeddings.size() || (segments != null && segments.size() != embeddings.size())) {
            throw new IllegalArgumentException(ids.size() + " ids, " + embeddings.size() + " embeddings and "
                    + (segments == null ? "no" : Integer.toString(segments.size())) + " segments do not pair up");
        }
        for (int i = 0; i < ids.size(); i++) {
            put(ids.get(i), embeddings.get(i), segments == null ? null : segments.get(i));
        }
    }

    private void put(String id, Embedding embedding, TextSegment segment) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(embedding, "embedding");
        Map<String, String> fields = new LinkedHashMap<>();
        if (segment != null) {
            for (Map.Entry<String, Object> m : segment.metadata().toMap().entrySet()) {
                if (m.getKey().equals(TEXT_FIELD)) {
                    throw new IllegalArgumentException("metadata key " + TEXT_FIELD + " is reserved for the segment's text");
                }
                fields.put(m.getKey(), String.valueOf(m.getValue()));
            }
            fields.put(TEXT_FIELD, segment.text());
        }
        index.add(id, embedding.vector(), fields);
    }

    @Override
    public EmbeddingSearchResult<TextSegment> search(EmbeddingSearchRequest request) {
        Objects.requireNonNull(request, "request");
        float[] q = request.queryEmbedding().vector();
        int k = request.maxResults();
        Filter filter = request.filter();
        // minScore is a relevance score: (cosine + 1) / 2
        double minCosine = Math.max(-1, Math.min(1, 2 * request.minScore() - 1));
        List<Hit> hits = filter == null ? index.search(q, k) : index.searchAbove(q, minCosine);
        List<EmbeddingMatch<TextSegment>> matches = new ArrayList<>();
        for (Hit h : hits) {
            if (matches.size() == k || h.similarity() < minCosine) {
                break;
            }
            TextSegment segment = segment(h.fields());
            if (filter != null && !filter.test(segment == null ? new Metadata() : segment.metadata())) {
                continue;
            }
            Embedding stored = index.embedding(h.id()).map(Embedding::from).orElse(null);
            matches.add(new EmbeddingMatch<>(RelevanceScore.fromCosineSimilarity(h.similarity()), h.id(), stored, segment));
        }
        return new EmbeddingSearchResult<>(matches);
    }

    private static TextSegment segment(Map<String, String> fields) {
        String text = fields.get(TEXT_FIELD);
        if (text == null) {
            return null;
        }
        Map<String, Object> meta = new LinkedHashMap<>(fields);
        meta.remove(TEXT_FIELD);
        return TextSegment.from(text, Metadata.from(meta));
    }

    @Override
    public void remove(String id) {
        index.remove(Objects.requireNonNull(id, "id"));
    }

    @Override
    public void removeAll(Collection<String> ids) {
        Objects.requireNonNull(ids, "ids");
        for (String id : ids) {
            remove(id);
        }
    }

    @Override
    public void removeAll(Filter filter) {
        Objects.requireNonNull(filter, "filter");
        List<String> doomed = new ArrayList<>();
        index.forEach((id, v, fields) -> {
            TextSegment s = segment(fields);
            if (filter.test(s == null ? new Metadata() : s.metadata())) {
                doomed.add(id);
            }
        });
        removeAll(doomed);
    }

    @Override
    public void removeAll() {
        List<String> all = new ArrayList<>();
        index.forEach((id, v, fields) -> all.add(id));
        removeAll(all);
    }
}
