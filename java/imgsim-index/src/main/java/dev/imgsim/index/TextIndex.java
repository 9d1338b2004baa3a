package dev.imgsim.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;

import dev.imgsim.TextEncoder;
import dev.imgsim.Vectors;

/**
 * A persistent index of text embeddings: a {@link VectorIndex} (Lucene HNSW, exact re-scoring, one
 * writer and any number of readers, model recorded in each commit) with a text model to embed
 * documents and queries: a {@code dev.imgsim.text.TextEmbedder} (artifact {@code imgsim-text}, which
 * imgsim-index does not pull in by itself), or any {@link TextEncoder}.
 *
 * <pre>{@code
 * try (TextEmbedder text = TextEmbedder.create(); TextIndex idx = TextIndex.open(dir, text)) {
 *     idx.add("doc-1", "Debian is a free operating system");
 *     List<Hit> hits = idx.search("free OS", 10);
 * }
 * }</pre>
 *
 * <p><b>Search modes.</b> Each document is indexed twice: its embedding, and its words (analysed by
 * a Lucene {@link Analyzer}, {@link EnglishAnalyzer} by default) for BM25. {@link #search(String,
 * int)} runs both and fuses them ({@link SearchMode#HYBRID}, {@link #DEFAULT_FUSION}), which
 * finds more than either alone on the project's benchmark (docs/TEXT.md);
 * {@link #search(String, int, SearchMode)} picks one. Every {@link Hit#similarity()} is the
 * cosine of the query's and the document's embeddings, in every mode; the order is the mode's.
 * Documents added before hybrid search (no words indexed) are found by meaning only: add them
 * again to search their words.
 *
 * <p>Only vectors, ids, the analysed words and the fields a caller passes are stored; the texts
 * themselves are not.
 */
public final class TextIndex implements AutoCloseable {
    /** Texts embedded per call by {@link #addAll}. */
    static final int ADD_BATCH = 256;

    private static final String KIND = "TextIndex";

    /** The fusion of {@link #search(String, int)}, chosen by measurement (docs/TEXT.md). */
    public static final Fusion DEFAULT_FUSION = Fusion.linear(0.5);

    private final VectorIndex index;
    private final TextEncoder text;
    private final Analyzer analyzer;
    /** Whether {@link #close()} closes the analyzer (the default one; never the caller's). */
    private final boolean ownsAnalyzer;

    private TextIndex(VectorIndex index, TextEncoder text, Analyzer analyzer, boolean ownsAnalyzer) {
        this.index = index;
        this.text = text;
        this.analyzer = analyzer;
        this.ownsAnalyzer = ownsAnalyzer;
    }

    /**
     * The identifier of the vector space an index records for this embedder.
     * @param text the embedder
     * @return {@code "text:"} and the model's SHA-256
     */
    public static String modelId(TextEncoder text) {
        Objects.requireNonNull(text, "text");
        return "text:" + text.modelSha256();
    }

    /**
     * Opens (or creates) a writable index at {@code directory}, with default options.
     * @param directory the index directory
     * @param text the embedder of documents and queries
     * @return the open index; close it when done
     */
    public static TextIndex open(Path directory, TextEncoder text) {
        return open(directory, text, IndexOptions.defaults());
    }

    /**
     * Opens (or creates) a writable index.
     *
     * @throws ModelMismatchException if the index was built with another model
     * @throws IndexLockedException if another writer holds it
     * @throws ImageIndexException if it is corrupt or cannot be written
     * @param directory the index directory
     * @param text the embedder of documents and queries
     * @param options storage and search settings
     * @return the open index; close it when done
     */
    public static TextIndex open(Path directory, TextEncoder text, IndexOptions options) {
        Objects.requireNonNull(text, "text");
        return new TextIndex(new VectorIndex(directory, KIND, modelId(text), text.embeddingSize(), options, false), text,
                new EnglishAnalyzer(), true);
    }

    /**
     * Opens (or creates) a writable index whose words are analysed by {@code analyzer} (use the
     * same one every time: the index does not record it).
     *
     * @param directory the index directory
     * @param text the embedder of documents and queries
     * @param options storage and search settings
     * @param analyzer splits documents and queries into words for BM25
     * @return the open index; close it when done
     */
    public static TextIndex open(Path directory, TextEncoder text, IndexOptions options, Analyzer analyzer) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(analyzer, "analyzer");
        return new TextIndex(new VectorIndex(directory, KIND, modelId(text), text.embeddingSize(), options, false), text,
                analyzer, false);
    }

    /**
     * Opens an existing index to search only (beside a writer, in any process).
     * @param directory the index directory
     * @param text the embedder that built it
     * @return the open index; {@code add}, {@code remove} and {@code commit} throw {@link IllegalStateException}
     * @throws ModelMismatchException if the index was built with another model
     */
    public static TextIndex openReadOnly(Path directory, TextEncoder text) {
        Objects.requireNonNull(text, "text");
        return new TextIndex(new VectorIndex(directory, KIND, modelId(text), text.embeddingSize(), IndexOptions.defaults(),
                true), text, new EnglishAnalyzer(), true);
    }

    /**
     * Opens an existing index to search only, analysing queries with {@code analyzer} (the one
     * it was built with).
     *
     * @param directory the index directory
     * @param text the embedder that built it
     * @param analyzer the analyzer it was built with
     * @return the open index
     */
    public static TextIndex openReadOnly(Path directory, TextEncoder text, Analyzer analyzer) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(analyzer, "analyzer");
        return new TextIndex(new VectorIndex(directory, KIND, modelId(text), text.embeddingSize(), IndexOptions.defaults(),
                true), text, analyzer, false);
    }

    /**
     * Adds (or replaces) a document.
     * @param id the document's id
     * @param document its text (not stored)
     */
    public void add(String id, String document) {
        add(id, document, Collections.<String, String>emptyMap());
    }

    /**
     * Adds (or replaces) a document with stored fields (returned in {@link Hit#fields()}).
     * @param id the document's id
     * @param document its text (not stored)
     * @param fields stored with it
     */
    public void add(String id, String document, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(fields, "fields");
        float[] e = text.embed(document);
        put(id, e, document, fields);
    }

    private void put(String id, float[] embedding, String document, Map<String, String> fields) {
        index.write(() -> {
            index.put(id, embedding, fields, null, TextSearch.field(analyzer, document));
            return null;
        });
    }

    /**
     * Adds (or replaces) documents, embedding them in batches; {@code ids} and {@code documents} pair up.
     * @param ids the documents' ids
     * @param documents their texts (not stored)
     */
    public void addAll(List<String> ids, List<String> documents) {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(documents, "documents");
        if (ids.size() != documents.size()) {
            throw new IllegalArgumentException(ids.size() + " ids for " + documents.size() + " documents");
        }
        for (int start = 0; start < ids.size(); start += ADD_BATCH) {
            int end = Math.min(ids.size(), start + ADD_BATCH);
            float[][] e = text.embedAll(new ArrayList<>(documents.subList(start, end)));
            for (int i = start; i < end; i++) {
                put(Objects.requireNonNull(ids.get(i), "ids[" + i + "]"), e[i - start], documents.get(i),
                        Collections.<String, String>emptyMap());
            }
        }
    }

    /**
     * The {@code k} documents that best match {@code query}: by meaning and by words, fused
     * ({@link SearchMode#HYBRID} with {@link #DEFAULT_FUSION}).
     * @param query the query text
     * @param k how many hits, at least 1
     * @return the hits, best first; each {@link Hit#similarity()} is the embeddings' cosine
     */
    public List<Hit> search(String query, int k) {
        return search(query, k, SearchMode.HYBRID);
    }

    /**
     * The {@code k} documents that best match {@code query} in the given mode.
     * @param query the query text
     * @param k how many hits, at least 1
     * @param mode by meaning, by words, or both fused (with {@link #DEFAULT_FUSION})
     * @return the hits, best first in that mode's order
     */
    public List<Hit> search(String query, int k, SearchMode mode) {
        Objects.requireNonNull(mode, "mode");
        return search(query, k, mode, DEFAULT_FUSION);
    }

    /**
     * {@link SearchMode#HYBRID} search with a fusion of your own.
     * @param query the query text
     * @param k how many hits, at least 1
     * @param fusion how the two lists are fused
     * @return the hits, best first by fused score
     */
    public List<Hit> search(String query, int k, Fusion fusion) {
        Objects.requireNonNull(fusion, "fusion");
        return search(query, k, SearchMode.HYBRID, fusion);
    }

    private List<Hit> search(String query, int k, SearchMode mode, Fusion fusion) {
        Objects.requireNonNull(query, "query");
        VectorIndex.checkK(k);
        float[] q = text.embed(query);
        if (mode == SearchMode.DENSE) {
            return index.search(q, k);
        }
        int n = Math.max(k, fusion.depth);
        List<Hit> dense = mode == SearchMode.HYBRID ? index.search(q, n) : Collections.<Hit>emptyList();
        float[] unit = Vectors.normalise(q);
        return index.read(s -> TextSearch.hits(s, unit, dense, TextSearch.bm25(s, analyzer, query, n),
                mode == SearchMode.HYBRID ? fusion : null, k));
    }

    /**
     * Every document with a cosine similarity of at least {@code minSimilarity} to {@code query}.
     * @param query the query text
     * @param minSimilarity the lowest cosine to return
     * @return the hits, most similar first
     */
    public List<Hit> searchAbove(String query, double minSimilarity) {
        Objects.requireNonNull(query, "query");
        return index.searchAbove(text.embed(query), minSimilarity);
    }

    /**
     * Removes a document.
     *
     * @param id its id
     * @return whether it was there
     */
    public boolean remove(String id) {
        return index.remove(id);
    }

    /**
     * Makes the changes so far durable and visible to readers in other processes.
     */
    public void commit() {
        index.commit();
    }

    /**
     * Documents in the index.
     *
     * @return their number
     */
    public long size() {
        return index.size();
    }

    /**
     * The underlying vector index (search by vector, duplicates, embeddings by id).
     * @return the vector index behind this one
     */
    public VectorIndex vectors() {
        return index;
    }

    /** Closes the index (committing a writer's changes); the embedder stays open. */
    @Override
    public void close() {
        try {
            index.close();
        } finally {
            if (ownsAnalyzer) {
                analyzer.close();
            }
        }
    }

    @Override
    public String toString() {
        return "TextIndex[" + index.directory() + ", " + index.size() + " documents]";
    }
}
