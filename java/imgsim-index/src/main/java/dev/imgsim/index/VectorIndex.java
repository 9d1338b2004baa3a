package dev.imgsim.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.AlreadyClosedException;

import dev.imgsim.Vectors;

/**
 * A persistent store of vectors in a directory, embedded in this process (Apache Lucene: HNSW
 * graphs, float or int8): the storage and search under {@link ImageIndex} and {@link TextIndex},
 * usable alone for vectors made elsewhere (another process, a Spark job, another model).
 *
 * <pre>{@code
 * try (VectorIndex v = VectorIndex.open(dir, "my-model-v1", 384, IndexOptions.defaults())) {
 *     v.add("doc-1", embedding, Map.of("title", "..."));
 *     List<Hit> hits = v.search(query, 10);
 * }
 * }</pre>
 *
 * <p><b>Vectors.</b> Vectors are L2-normalised ({@link Vectors#normalise}) and compared by dot
 * product, so a {@link Hit#similarity()} is the cosine similarity, in [-1, 1], computed exactly
 * from the stored float vector. {@link #search(float[], int)} walks the HNSW graph (approximate;
 * see {@link IndexOptions}); {@link #searchExact} and {@link #searchAbove} scan every vector.
 *
 * <p><b>Model.</b> The index records the identifier of the vector space ({@code model}) and the
 * dimension; opening it with others throws {@link ModelMismatchException}.
 *
 * <p><b>Durability.</b> Changes become durable at {@link #commit()} and {@link #close()}. A
 * process killed at any point leaves the index at its last commit, consistent and searchable.
 *
 * <p><b>Concurrency.</b> Thread-safe: searches run while vectors are added and see them without a
 * commit (near-real-time). One writer per directory: a second {@link #open} of the same directory,
 * in this JVM or another, throws {@link IndexLockedException}; {@link #openReadOnly} instances may
 * search beside the writer, in any process, and see its commits. {@link #close()} waits for calls
 * in flight; later calls throw {@link IllegalStateException}. Failures are
 * {@link ImageIndexException}s naming the directory.
 */
public final class VectorIndex implements AutoCloseable {
    /** Largest dimension Lucene's vector formats accept. */
    public static final int MAX_DIMENSION = 1024;

    private final Path path;
    /** The public class this instance serves, named in messages ("ImageIndex", "TextIndex", ...). */
    private final String kind;
    private final LuceneStore store;
    /** The store's writer; null when read-only. */
    private final IndexWriter writer;
    private final String model;
    private final int dimension;
    private final IndexOptions options;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * Opens the index in {@code directory} for reading and writing, creating it (and the
     * directory) if there is none. A new index takes its storage settings from {@code options};
     * an existing one keeps those recorded in it.
     *
     * @param directory the index directory: new, empty, or holding an index of the same model
     * @param model an identifier of the vector space (for imgsim models, the model's SHA-256)
     * @param dimension the vectors' dimension, 1..{@value #MAX_DIMENSION}
     * @param options storage and search settings
     * @return the open index; close it when done
     * @throws ModelMismatchException if the index was built with another model or dimension
     * @throws IndexLockedException if another writer holds the directory
     * @throws ImageIndexException if the directory is not an imgsim index, is corrupt, or cannot be written
     */
    public static VectorIndex open(Path directory, String model, int dimension, IndexOptions options) {
        return new VectorIndex(directory, "VectorIndex", model, dimension, options, false);
    }

    /**
     * Opens an existing index to search only. Any number of read-only instances, in any process,
     * may search beside one writer; each search sees the writer's latest commit.
     *
     * @return the open index; {@code add}, {@code remove} and {@code commit} throw {@link IllegalStateException}
     * @throws ModelMismatchException if the index was built with another model or dimension
     * @throws ImageIndexException if there is no index there, or it is corrupt
     */
    public static VectorIndex openReadOnly(Path directory, String model, int dimension) {
        return new VectorIndex(directory, "VectorIndex", model, dimension, IndexOptions.defaults(), true);
    }

    VectorIndex(Path dir, String kind, String model, int dimension, IndexOptions options, boolean readOnly) {
        Objects.requireNonNull(dir, "directory");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        if (dimension < 1 || dimension > MAX_DIMENSION) {
            throw new IllegalArgumentException("vector dimension must be within 1.." + MAX_DIMENSION + ", got " + dimension);
        }
        this.path = dir.toAbsolutePath().normalize();
        this.kind = kind;
        this.model = model;
        this.dimension = dimension;
        this.store = new LuceneStore(path, kind, model, dimension, options, readOnly);
        this.writer = store.writer;
        this.options = store.options;
    }

    // ---- adding ----

    /**
     * Adds a vector under {@code id}, with fields returned by {@link Hit#fields()}, replacing any
     * entry under that id. The vector is L2-normalised before it is stored.
     *
     * @param embedding {@link #dimension()} finite values, not all zero
     * @param fields names and values to store (names non-empty); may be empty
     * @throws IllegalArgumentException if the vector has the wrong length, a NaN or infinity, or is all zeros
     */
    public void add(String id, float[] embedding, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(fields, "fields");
        write(() -> {
            put(id, embedding, fields, null);
            return null;
        });
    }

    /** Stores one entry; the caller holds {@link #write}. */
    void put(String id, float[] embedding, Map<String, String> fields, long[] fileStamp, IndexableField... extra) {
        float[] unit = normalised(embedding);
        try {
            writer.updateDocument(new Term(IndexSchema.ID, id), IndexSchema.document(id, unit, fields, fileStamp, extra));
        } catch (IOException | AlreadyClosedException e) {
            throw IndexErrors.writeFailed(path, writer, e);
        }
        store.changed();
    }

    // ---- searching ----

    /**
     * The {@code k} entries most similar to a vector, most similar first, found in the HNSW graph
     * (approximate: {@link IndexOptions#searchCandidates()} candidates are explored and re-scored
     * exactly; docs/SEARCH.md measures the recall).
     *
     * @param embedding {@link #dimension()} values
     * @param k how many, at least 1
     * @return up to {@code k} hits (fewer if the index holds fewer)
     */
    public List<Hit> search(float[] embedding, int k) {
        return search(embedding, k, options.searchCandidates);
    }

    /**
     * Like {@link #search(float[], int)}, exploring {@code candidates} graph candidates for this
     * query (more: better recall, slower; at least {@code k} are explored).
     *
     * @param candidates 1..10,000
     */
    public List<Hit> search(float[] embedding, int k, int candidates) {
        float[] q = normalised(Objects.requireNonNull(embedding, "embedding"));
        checkK(k);
        if (candidates < 1 || candidates > 10_000) {
            throw new IllegalArgumentException("candidates must be within 1..10000, got " + candidates);
        }
        return read(s -> {
            int n = Math.max(k, candidates);
            TopDocs td = s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, q, n), n);
            ScoreDoc[] c = td.scoreDocs;
            if (options.encoding == IndexOptions.Encoding.FLOAT32 && c.length > k) {
                // float graph scores are exact already: re-score only the k best, for double precision
                c = Arrays.copyOf(c, k);
            }
            return StoredVectors.rescore(s, q, c, k, Double.NEGATIVE_INFINITY);
        });
    }

    /**
     * Within one read: the graph's best {@code k} entries for a unit vector, as Lucene doc ids
     * with their exact cosine (from the vector values, no stored field read), best first; the
     * same candidates {@link #search(float[], int)} explores.
     */
    ScoreDoc[] nearest(IndexSearcher s, float[] unit, int k) throws IOException {
        int n = Math.max(k, options.searchCandidates);
        ScoreDoc[] c = s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, unit, n), n).scoreDocs;
        if (options.encoding == IndexOptions.Encoding.FLOAT32 && c.length > k) {
            c = Arrays.copyOf(c, k); // float graph scores rank exactly already
        }
        return StoredVectors.cosines(s, unit, c, k);
    }

    /**
     * The {@code k} entries most similar to a vector by an exact scan of every vector: slower than
     * {@link #search(float[], int)} on large indexes, never misses.
     */
    public List<Hit> searchExact(float[] embedding, int k) {
        float[] q = normalised(Objects.requireNonNull(embedding, "embedding"));
        checkK(k);
        return read(s -> StoredVectors.rescore(s, q, StoredVectors.scan(s, q, k, Double.NEGATIVE_INFINITY), k,
                Double.NEGATIVE_INFINITY));
    }

    /**
     * Every entry whose cosine similarity to the vector is at least {@code minSimilarity}, most
     * similar first, by an exact scan of every vector.
     *
     * @param minSimilarity in [-1, 1]
     */
    public List<Hit> searchAbove(float[] embedding, double minSimilarity) {
        float[] q = normalised(Objects.requireNonNull(embedding, "embedding"));
        checkSimilarity(minSimilarity);
        return read(s -> {
            ScoreDoc[] above = StoredVectors.scan(s, q, Integer.MAX_VALUE, minSimilarity);
            return StoredVectors.rescore(s, q, above, above.length, minSimilarity);
        });
    }

    /**
     * Groups of near-duplicates: every pair at or above {@code minSimilarity} joins its two entries
     * into one group (connected components, so A~B and B~C put A, B, C together). Each entry's
     * neighbours are found in the HNSW graph, in parallel ({@link IndexOptions#ingestThreads()}
     * threads): about n graph searches, not n² comparisons; docs/SEARCH.md measures its recall.
     *
     * @param minSimilarity cosine threshold in [-1, 1], for example 0.95
     * @return the groups, most similar first
     */
    public List<DuplicateGroup> duplicates(double minSimilarity) {
        checkSimilarity(minSimilarity);
        return read(s -> Duplicates.find(s, minSimilarity, options.ingestThreads, false));
    }

    /**
     * Like {@link #duplicates(double)}, but comparing every pair exactly (n² / 2 dot products):
     * for small indexes, and as the reference the approximate method is measured against.
     */
    public List<DuplicateGroup> duplicatesExact(double minSimilarity) {
        checkSimilarity(minSimilarity);
        return read(s -> Duplicates.find(s, minSimilarity, options.ingestThreads, true));
    }

    /** @return the stored (L2-normalised) vector of {@code id}, if the index holds it */
    public Optional<float[]> embedding(String id) {
        Objects.requireNonNull(id, "id");
        return read(s -> {
            int doc = docOf(s, id);
            return doc < 0 ? Optional.empty() : Optional.of(StoredVectors.vector(s, doc));
        });
    }

    /** Receives the entries of {@link #forEach(EntryConsumer)}. */
    @FunctionalInterface
    public interface EntryConsumer {
        /**
         * @param id the entry's id
         * @param embedding its stored (L2-normalised) vector; a fresh array the consumer may keep
         * @param fields its stored fields (unmodifiable, empty if none)
         * @throws Exception to stop the iteration; {@link #forEach} rethrows it wrapped
         */
        void accept(String id, float[] embedding, Map<String, String> fields) throws Exception;
    }

    /**
     * Visits every entry as of the last commit or refresh, in index order, on the calling thread:
     * for exporting the vectors elsewhere (e.g. to OpenSearch) without a search.
     *
     * @param consumer called once per entry
     * @return the number of entries visited
     * @throws ImageIndexException if the index cannot be read, or wrapping what the consumer threw
     */
    public long forEach(EntryConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return read(s -> StoredVectors.forEach(s, consumer, path));
    }

    // ---- maintenance ----

    /**
     * Removes the entry under {@code id}, if any.
     *
     * @return whether the index held it
     */
    public boolean remove(String id) {
        Objects.requireNonNull(id, "id");
        return write(() -> {
            boolean had = read(s -> s.count(new TermQuery(new Term(IndexSchema.ID, id))) > 0);
            try {
                writer.deleteDocuments(new Term(IndexSchema.ID, id));
            } catch (IOException | AlreadyClosedException e) {
                throw IndexErrors.writeFailed(path, writer, e);
            }
            store.changed();
            return had;
        });
    }

    /** Makes every change so far durable: a crash after this returns loses none of them. */
    public void commit() {
        write(() -> {
            try {
                writer.commit();
            } catch (IOException | AlreadyClosedException e) {
                throw IndexErrors.writeFailed(path, writer, e);
            }
            return null;
        });
    }

    /**
     * Merges the index into one segment: faster searches after a bulk load, at the cost of a
     * rebuild of the HNSW graph (minutes for a million vectors). Commits.
     */
    public void optimize() {
        write(() -> {
            try {
                writer.forceMerge(1);
                writer.commit();
            } catch (IOException | AlreadyClosedException e) {
                throw IndexErrors.writeFailed(path, writer, e);
            }
            store.changed();
            return null;
        });
    }

    /** @return how many entries the index holds, uncommitted additions and removals included */
    public long size() {
        return read(s -> (long) s.getIndexReader().numDocs());
    }

    /** @return the index directory, absolute */
    public Path directory() {
        return path;
    }

    /** @return the model identity recorded in the index (for imgsim models, the model file's SHA-256) */
    public String model() {
        return model;
    }

    /** @return the dimension of the indexed vectors */
    public int dimension() {
        return dimension;
    }

    /** @return the options in effect (storage settings as recorded in the index) */
    public IndexOptions options() {
        return options;
    }

    /** @return whether this instance only searches */
    public boolean isReadOnly() {
        return writer == null;
    }

    /**
     * Commits (for a writer) and closes the index. Waits for calls in flight; calls after it throw
     * {@link IllegalStateException}. Calling it again does nothing.
     *
     * @throws ImageIndexException if the final commit fails (the index stays at its last commit)
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            store.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return kind + "[" + path + (writer == null ? ", read-only" : "") + ", " + options.encoding + ", dim " + dimension + "]";
    }

    // ---- for the layers above (ImageIndex, TextIndex) ----

    /** Runs {@code call} on an open, writable index; {@link #close()} waits for it. */
    <T> T write(Supplier<T> call) {
        lockOpen(true);
        try {
            return call.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A read on an open index: holds the lock and a searcher for the call, maps I/O failures. */
    <T> T read(SearcherCall<T> call) {
        lockOpen(false);
        try {
            IndexSearcher s = store.acquire();
            try {
                return call.apply(s);
            } catch (IOException e) {
                throw IndexErrors.readFailed(path, e);
            } finally {
                store.release(s);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @FunctionalInterface
    interface SearcherCall<T> {
        T apply(IndexSearcher s) throws IOException;
    }

    /** Commits what was done after a failure, if the writer still can (the first failure is reported). */
    void commitQuietly() {
        try {
            writer.commit();
        } catch (IOException | RuntimeException ignored) {
            // the first failure is the one to report
        }
    }

    /** @return the global doc id of {@code id}, or -1 */
    static int docOf(IndexSearcher s, String id) throws IOException {
        TopDocs td = s.search(new TermQuery(new Term(IndexSchema.ID, id)), 1);
        return td.scoreDocs.length == 0 ? -1 : td.scoreDocs[0].doc;
    }

    String kind() {
        return kind;
    }

    static void checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
    }

    // ---- helpers ----

    private void lockOpen(boolean write) {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("this " + kind + " (" + path + ") is closed");
        }
        if (write && writer == null) {
            lock.readLock().unlock();
            throw new IllegalStateException("this " + kind + " (" + path + ") is open read-only; use " + kind + ".open to change it");
        }
    }

    private float[] normalised(float[] v) {
        if (v.length != dimension) {
            throw new IllegalArgumentException("embedding has " + v.length + " values, the index holds vectors of " + dimension);
        }
        return Vectors.normalise(v);
    }

    private static void checkSimilarity(double s) {
        if (!(s >= -1 && s <= 1)) {
            throw new IllegalArgumentException("similarity threshold must be within [-1, 1], got " + s);
        }
    }
}
