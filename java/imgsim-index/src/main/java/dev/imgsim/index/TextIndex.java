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
 * <p><b>Long documents</b> are split into overlapping windows of words ({@link Chunking}, by default
 * 128 words overlapping by 32), each embedded and indexed as a child entry, so nothing beyond the
 * model's window is lost; a document scores by its best window, every hit is a document (its id,
 * never a window's), and a chunked document's hit carries {@value #CHUNK_START} and
 * {@value #CHUNK_END} (character offsets of the window that matched) and {@value #CHUNK_COUNT}.
 * {@link #size()} counts documents.
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

    /** Hit field of a chunked document: where the matching window starts (character offset). */
    public static final String CHUNK_START = "chunk.start";
    /** Hit field of a chunked document: where the matching window ends (character offset, exclusive). */
    public static final String CHUNK_END = "chunk.end";
    /** Hit field of a chunked document: how many windows it was split into. */
    public static final String CHUNK_COUNT = "chunk.count";
    /**
     * The field an entry's own text (the whole document, or its window when split) is stored in
     * when {@link #storingText(boolean)} is on: what a {@link Reranker} reads.
     */
    public static final String TEXT = "text";
    /** Between a document's id and its window's number in a child entry's id (never in a hit). */
    static final String CHUNK_SEP = "\u001Fchunk";

    private final VectorIndex index;
    private final TextEncoder text;
    private final Analyzer analyzer;
    private volatile Chunking chunking = Chunking.DEFAULT;
    private volatile boolean storeText;
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
        List<Chunking.Span> spans = chunking.split(document);
        List<String> parts = new ArrayList<>(spans.size());
        for (Chunking.Span sp : spans) {
            parts.add(document.substring(sp.start, sp.end));
        }
        float[][] e = text.embedDocuments(parts);
        put(id, e, spans, parts, fields);
    }

    /**
     * Sets how documents added from now on are split (default {@link Chunking#DEFAULT}).
     *
     * @param chunking the windows, or {@link Chunking#NONE}
     * @return this index
     */
    public TextIndex chunking(Chunking chunking) {
        this.chunking = Objects.requireNonNull(chunking, "chunking");
        return this;
    }

    /**
     * Whether documents added from now on also store their text (each window its own) in field
     * {@link #TEXT}, so hits carry what a {@link Reranker} needs: {@code reranker.rerank(query,
     * hits, h -> h.fields().get(TextIndex.TEXT))}. Off by default (the index then holds only the
     * vectors and the words' postings); {@code imgsim text index} turns it on.
     *
     * @param store whether to store the texts
     * @return this index
     */
    public TextIndex storingText(boolean store) {
        this.storeText = store;
        return this;
    }

    /**
     * @param document a text
     * @return how many entries it becomes under this index's chunking (1 when it is not split)
     */
    public int chunkCount(String document) {
        return chunking.split(Objects.requireNonNull(document, "document")).size();
    }

    /** Writes a document's entries (one per window) and removes windows left from an older version. */
    private void put(String id, float[][] embeddings, List<Chunking.Span> spans, List<String> parts, Map<String, String> fields) {
        if (id.contains(CHUNK_SEP)) {
            throw new IllegalArgumentException("a document id must not contain U+001F followed by 'chunk': " + id);
        }
        index.write(() -> {
            int n = spans.size();
            for (int c = 0; c < n; c++) {
                Map<String, String> f = fields;
                if (n > 1 || storeText) {
                    f = new java.util.LinkedHashMap<>(fields);
                }
                if (n > 1) {
                    f.put(CHUNK_START, Integer.toString(spans.get(c).start));
                    f.put(CHUNK_END, Integer.toString(spans.get(c).end));
                    f.put(CHUNK_COUNT, Integer.toString(n));
                }
                if (storeText) {
                    f.put(TEXT, parts.get(c));
                }
                index.put(c == 0 ? id : id + CHUNK_SEP + c, embeddings[c], f, null, TextSearch.field(analyzer, parts.get(c)));
            }
            for (int c = n; index.remove(id + CHUNK_SEP + c); c++) {
                // a longer earlier version of the document: its extra windows go
            }
            return null;
        });
    }

    /** The document an entry belongs to. */
    static String documentOf(String entryId) {
        int at = entryId.indexOf(CHUNK_SEP);
        return at < 0 ? entryId : entryId.substring(0, at);
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
            // every window of every document of this batch, embedded together
            List<List<Chunking.Span>> spans = new ArrayList<>();
            List<String> parts = new ArrayList<>();
            for (int i = start; i < end; i++) {
                String doc = Objects.requireNonNull(documents.get(i), "documents[" + i + "]");
                List<Chunking.Span> sp = chunking.split(doc);
                spans.add(sp);
                for (Chunking.Span x : sp) {
                    parts.add(doc.substring(x.start, x.end));
                }
            }
            float[][] e = text.embedDocuments(parts);
            int at = 0;
            for (int i = start; i < end; i++) {
                List<Chunking.Span> sp = spans.get(i - start);
                float[][] mine = java.util.Arrays.copyOfRange(e, at, at + sp.size());
                put(Objects.requireNonNull(ids.get(i), "ids[" + i + "]"), mine, sp, parts.subList(at, at + sp.size()),
                        Collections.<String, String>emptyMap());
                at += sp.size();
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
        float[] unit = Vectors.normalise(text.embedQuery(query));
        int n = mode == SearchMode.DENSE ? k : fusion.depthFor(k);
        // one read: the graph's windows and BM25's, ids from doc values, stored fields only for the k returned
        return index.read(s -> {
            List<TextSearch.Found> dense = mode == SearchMode.BM25 ? Collections.<TextSearch.Found>emptyList()
                    : TextSearch.dense(s, index, unit, n);
            if (mode == SearchMode.DENSE) {
                return TextSearch.hits(s, unit, dense, null, null, k);
            }
            // BM25 over windows (a few more entries than documents asked for; best window per document kept)
            return TextSearch.hits(s, unit, dense, TextSearch.bm25(s, analyzer, query, n + 10),
                    mode == SearchMode.HYBRID ? fusion : null, k);
        });
    }

    /** Entries to documents: the first (best) entry of each document, under the document's id. */
    static List<Hit> collapse(List<Hit> entries, int k) {
        List<Hit> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Hit h : entries) {
            String doc = documentOf(h.id());
            if (seen.add(doc)) {
                out.add(doc.equals(h.id()) ? h : Hit.of(doc, h.similarity(), h.fields()));
                if (out.size() == k) {
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Every document with a cosine similarity of at least {@code minSimilarity} to {@code query}.
     * @param query the query text
     * @param minSimilarity the lowest cosine to return
     * @return the hits, most similar first
     */
    public List<Hit> searchAbove(String query, double minSimilarity) {
        Objects.requireNonNull(query, "query");
        return collapse(index.searchAbove(text.embedQuery(query), minSimilarity), Integer.MAX_VALUE);
    }

    /**
     * Removes a document.
     *
     * @param id its id
     * @return whether it was there
     */
    public boolean remove(String id) {
        return index.write(() -> {
            boolean had = index.remove(id);
            for (int c = 1; index.remove(id + CHUNK_SEP + c); c++) {
                // its windows
            }
            return had;
        });
    }

    /**
     * Makes the changes so far durable and visible to readers in other processes.
     */
    public void commit() {
        index.commit();
    }

    /**
     * Merges the index into one segment (one vector graph, one term dictionary) and commits: after a
     * bulk load, each search then walks one graph instead of one per segment (docs/TEXT.md: hybrid
     * search at 100,000 documents). Takes minutes on large indexes; searches may run meanwhile.
     */
    public void optimize() {
        index.optimize();
    }

    /**
     * Documents in the index.
     *
     * @return their number
     */
    public long size() {
        return index.size() - index.read(s -> (long) s.count(new org.apache.lucene.search.WildcardQuery(
                new org.apache.lucene.index.Term(IndexSchema.ID, "*" + CHUNK_SEP + "*"))));
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
