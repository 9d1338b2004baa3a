package dev.imgsim.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.imgsim.TextEncoder;

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
 * Only vectors, ids and the fields a caller passes are stored; the texts themselves are not.
 */
public final class TextIndex implements AutoCloseable {
    /** Texts embedded per call by {@link #addAll}. */
    static final int ADD_BATCH = 256;

    private static final String KIND = "TextIndex";

    private final VectorIndex index;
    private final TextEncoder text;

    private TextIndex(VectorIndex index, TextEncoder text) {
        this.index = index;
        this.text = text;
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
        return new TextIndex(new VectorIndex(directory, KIND, modelId(text), text.embeddingSize(), options, false), text);
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
        return new TextIndex(new VectorIndex(directory, KIND, modelId(text), text.embeddingSize(), IndexOptions.defaults(), true), text);
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
        index.add(id, text.embed(document), fields);
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
                index.add(Objects.requireNonNull(ids.get(i), "ids[" + i + "]"), e[i - start], Collections.<String, String>emptyMap());
            }
        }
    }

    /**
     * The {@code k} documents closest in meaning to {@code query}, most similar first.
     * @param query the query text
     * @param k how many hits
     * @return the hits
     */
    public List<Hit> search(String query, int k) {
        Objects.requireNonNull(query, "query");
        return index.search(text.embed(query), k);
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
        index.close();
    }

    @Override
    public String toString() {
        return "TextIndex[" + index.directory() + ", " + index.size() + " documents]";
    }
}
