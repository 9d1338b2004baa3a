package dev.imgsim.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.imgsim.text.TextEmbedder;

/**
 * A persistent index of text embeddings: {@link ImageIndex}'s storage and search (Lucene HNSW,
 * exact re-scoring, one writer and any number of readers, model recorded in each commit) with a
 * {@link TextEmbedder} to embed documents and queries. Needs {@code dev.imgsim:imgsim-text} on the
 * classpath (imgsim-index does not pull the text model in by itself).
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

    private final ImageIndex index;
    private final TextEmbedder text;

    private TextIndex(ImageIndex index, TextEmbedder text) {
        this.index = index;
        this.text = text;
    }

    /** The identifier of the vector space an index records for this embedder. */
    public static String modelId(TextEmbedder text) {
        Objects.requireNonNull(text, "text");
        return "text:" + text.modelSha256();
    }

    /** Opens (or creates) a writable index at {@code directory}, with default options. */
    public static TextIndex open(Path directory, TextEmbedder text) {
        return open(directory, text, IndexOptions.defaults());
    }

    /**
     * Opens (or creates) a writable index.
     *
     * @throws ModelMismatchException if the index was built with another model
     * @throws IndexLockedException if another writer holds it
     * @throws ImageIndexException if it is corrupt or cannot be written
     */
    public static TextIndex open(Path directory, TextEmbedder text, IndexOptions options) {
        return new TextIndex(ImageIndex.openVectors(directory, modelId(text), text.embeddingSize(), options), text);
    }

    /** Opens an existing index to search only (beside a writer, in any process). */
    public static TextIndex openReadOnly(Path directory, TextEmbedder text) {
        return new TextIndex(ImageIndex.openVectorsReadOnly(directory, modelId(text), text.embeddingSize()), text);
    }

    /** Adds (or replaces) a document. */
    public void add(String id, String document) {
        add(id, document, Collections.<String, String>emptyMap());
    }

    /** Adds (or replaces) a document with stored fields (returned in {@link Hit#fields()}). */
    public void add(String id, String document, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(document, "document");
        index.add(id, text.embed(document), fields);
    }

    /** Adds (or replaces) documents, embedding them in batches; {@code ids} and {@code documents} pair up. */
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

    /** The {@code k} documents closest in meaning to {@code query}, most similar first. */
    public List<Hit> search(String query, int k) {
        Objects.requireNonNull(query, "query");
        return index.search(text.embed(query), k);
    }

    /** Every document with a cosine similarity of at least {@code minSimilarity} to {@code query}. */
    public List<Hit> searchAbove(String query, double minSimilarity) {
        Objects.requireNonNull(query, "query");
        return index.searchAbove(text.embed(query), minSimilarity);
    }

    public boolean remove(String id) {
        return index.remove(id);
    }

    public void commit() {
        index.commit();
    }

    public long size() {
        return index.size();
    }

    /** The underlying vector index (search by vector, duplicates, embeddings by id). */
    public ImageIndex vectors() {
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
