package dev.imgsim.index;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImageSimilarityException;
import dev.imgsim.Vectors;

/**
 * A persistent index of image embeddings in a directory, embedded in this process (Apache Lucene:
 * HNSW graphs, float or int8), for "which indexed images look like this one?" and "which are
 * duplicates?".
 *
 * <pre>{@code
 * try (ImageSimilarity sim = ImageSimilarity.create();
 *      ImageIndex index = ImageIndex.open(Paths.get("photos.idx"), sim)) {
 *     IndexReport r = index.addAll(files, null);          // parallel; resumable
 *     List<Hit> top = index.search(Paths.get("query.jpg"), 10);
 *     List<DuplicateGroup> dupes = index.duplicates(0.95);
 * }
 * }</pre>
 *
 * <p><b>Vectors.</b> Embeddings are L2-normalised and compared by dot product, so a
 * {@link Hit#similarity()} is the cosine similarity, in [-1, 1], computed exactly from the stored
 * float vector. {@link #search(float[], int)} walks the HNSW graph (approximate; see
 * {@link IndexOptions}); {@link #searchExact(float[], int)} and {@link #searchAbove} scan every
 * vector.
 *
 * <p><b>Model.</b> The index records the SHA-256 and dimension of the model that made its vectors;
 * opening it with another model throws {@link ModelMismatchException}.
 *
 * <p><b>Durability.</b> Changes become durable at {@link #commit()}, at {@link #close()} and every
 * {@link IndexOptions#commitEvery()} images during {@link #addAll}. A process killed at any point
 * leaves the index at its last commit, consistent and searchable.
 *
 * <p><b>Concurrency.</b> An instance is thread-safe: searches run while images are added and see
 * them without a commit (near-real-time). One writer per directory: a second {@link #open} of the
 * same directory, in this JVM or another, throws {@link IndexLockedException};
 * {@link #openReadOnly} instances may search beside the writer, in any process, and see its
 * commits. {@link #close()} waits for calls in flight; later calls throw
 * {@link IllegalStateException}.
 */
public final class ImageIndex implements AutoCloseable {
    static final String ID = "id";
    static final String VECTOR = "vector";
    static final String FIELD_PREFIX = "field.";
    static final String FILE_SIZE = "_file.size";
    static final String FILE_MODIFIED = "_file.modified";
    /** Largest dimension Lucene's vector formats accept. */
    public static final int MAX_DIMENSION = 1024;

    // recorded in every commit's user data
    static final String KEY_SCHEMA = "imgsim.index.schema";
    static final String KEY_MODEL = "imgsim.model.sha256";
    static final String KEY_DIMENSION = "imgsim.model.dimension";
    static final String KEY_ENCODING = "imgsim.index.encoding";
    static final String KEY_M = "imgsim.index.hnsw.m";
    static final String KEY_BEAM = "imgsim.index.hnsw.beam_width";
    static final String SCHEMA = "1";
    /** Prefix of the empty file that checks, at open, that the directory can be written. */
    static final String WRITE_CHECK = ".imgsim-write-check";

    private final Path path;
    private final Directory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final ImageSimilarity sim;
    private final String model;
    private final int dimension;
    private final IndexOptions options;
    private final ExecutorService mergePool;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final AtomicLong changes = new AtomicLong();
    private volatile long refreshedAt;
    private boolean closed;

    /**
     * Opens the index in {@code directory} for reading and writing, creating it (and the directory)
     * if there is none, with {@link IndexOptions#defaults()}.
     *
     * @param directory the index directory: new, empty, or holding an index of the same model
     * @param sim the model that embeds images; the index is bound to it (its SHA-256 and dimension)
     * @return the open index; close it when done
     * @throws ModelMismatchException if the index was built with another model
     * @throws IndexLockedException if another writer holds the directory
     * @throws ImageIndexException if the directory is not an imgsim index, is corrupt, or cannot be written
     */
    public static ImageIndex open(Path directory, ImageSimilarity sim) {
        return open(directory, sim, IndexOptions.defaults());
    }

    /**
     * Like {@link #open(Path, ImageSimilarity)}, with options. A new index takes its storage
     * settings from {@code options}; an existing one keeps those recorded in it.
     *
     * @return the open index; close it when done
     */
    public static ImageIndex open(Path directory, ImageSimilarity sim, IndexOptions options) {
        Objects.requireNonNull(sim, "sim");
        return new ImageIndex(directory, sim, sim.modelSha256(), sim.embeddingSize(), options, false);
    }

    /**
     * Opens an existing index to search only. Any number of read-only instances, in any process,
     * may search beside one writer; each search sees the writer's latest commit.
     *
     * @param directory the index directory
     * @param sim the model that built the index (used to embed query images)
     * @return the open index; {@code add}, {@code remove} and {@code commit} throw {@link IllegalStateException}
     * @throws ModelMismatchException if the index was built with another model
     * @throws ImageIndexException if there is no index there, or it is corrupt
     */
    public static ImageIndex openReadOnly(Path directory, ImageSimilarity sim) {
        Objects.requireNonNull(sim, "sim");
        return new ImageIndex(directory, sim, sim.modelSha256(), sim.embeddingSize(), IndexOptions.defaults(), true);
    }

    /**
     * Opens (or creates) an index of vectors made elsewhere (another process, a Spark job, a
     * benchmark generator), with no model to embed images: the image-taking methods throw
     * {@link IllegalStateException}. {@code model} names the vector space as {@link #open} records
     * it (for imgsim models, {@link ImageSimilarity#modelSha256()}), so such an index can later be
     * opened with the model that made its vectors.
     *
     * @param directory the index directory
     * @param model an identifier of the model that made the vectors
     * @param dimension their dimension, 1..{@value #MAX_DIMENSION}
     * @param options storage and search settings
     * @return the open index; close it when done
     */
    public static ImageIndex openVectors(Path directory, String model, int dimension, IndexOptions options) {
        Objects.requireNonNull(model, "model");
        return new ImageIndex(directory, null, model, dimension, options, false);
    }

    /**
     * Opens an existing index of vectors made elsewhere to search only, like
     * {@link #openReadOnly}; {@code model} and {@code dimension} must be what it was built with.
     *
     * @throws ModelMismatchException if the index was built with another model
     * @throws ImageIndexException if there is no index there, or it is corrupt
     */
    public static ImageIndex openVectorsReadOnly(Path directory, String model, int dimension) {
        Objects.requireNonNull(model, "model");
        return new ImageIndex(directory, null, model, dimension, IndexOptions.defaults(), true);
    }

    private ImageIndex(Path dir, ImageSimilarity sim, String model, int dimension, IndexOptions options, boolean readOnly) {
        Objects.requireNonNull(dir, "directory");
        Objects.requireNonNull(options, "options");
        if (dimension < 1 || dimension > MAX_DIMENSION) {
            throw new IllegalArgumentException("vector dimension must be within 1.." + MAX_DIMENSION + ", got " + dimension);
        }
        this.path = dir.toAbsolutePath().normalize();
        this.sim = sim;
        this.model = model;
        this.dimension = dimension;
        Directory d = null;
        IndexWriter w = null;
        ExecutorService pool = null;
        try {
            if (Files.exists(path) && !Files.isDirectory(path)) {
                throw new ImageIndexException(path + " is a file, not an index directory");
            }
            if (readOnly && !Files.isDirectory(path)) {
                throw new ImageIndexException("there is no index at " + path + " (no such directory)");
            }
            if (!readOnly) {
                Files.createDirectories(path);
                // Lucene writes nothing until the first flush and reuses an old write.lock, so an
                // unwritable directory would only fail later, mid-work: find out now
                Files.delete(Files.createTempFile(path, WRITE_CHECK, ".tmp"));
            }
            d = FSDirectory.open(path);
            Map<String, String> recorded = DirectoryReader.indexExists(d) ? SegmentInfos.readLatestCommit(d).getUserData() : null;
            if (recorded == null) {
                if (readOnly) {
                    throw new ImageIndexException("there is no index at " + path + "; create one with ImageIndex.open");
                }
                try (Stream<Path> s = Files.list(path)) {
                    if (s.map(p -> p.getFileName().toString())
                            .anyMatch(n -> !n.equals(IndexWriter.WRITE_LOCK_NAME) && !n.startsWith(WRITE_CHECK))) {
                        throw new ImageIndexException(path + " is not empty and holds no index: choose a new or empty directory");
                    }
                }
                this.options = options;
            } else {
                this.options = checkRecorded(recorded, options);
            }
            if (readOnly) {
                this.searchers = new SearcherManager(d, null);
            } else {
                if (this.options.mergeThreads > 1) {
                    pool = Executors.newFixedThreadPool(this.options.mergeThreads, r -> {
                        Thread t = new Thread(r, "imgsim-hnsw-merge");
                        t.setDaemon(true);
                        return t;
                    });
                }
                IndexWriterConfig cfg = new IndexWriterConfig();
                cfg.setCodec(codec(this.options, pool));
                cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
                cfg.setRAMBufferSizeMB(this.options.ramBufferMB);
                w = new IndexWriter(d, cfg);
                Map<String, String> data = new LinkedHashMap<>();
                data.put(KEY_SCHEMA, SCHEMA);
                data.put(KEY_MODEL, model);
                data.put(KEY_DIMENSION, Integer.toString(dimension));
                data.put(KEY_ENCODING, this.options.encoding.name());
                data.put(KEY_M, Integer.toString(this.options.maxConn));
                data.put(KEY_BEAM, Integer.toString(this.options.beamWidth));
                w.setLiveCommitData(data.entrySet());
                if (recorded == null) {
                    w.commit(); // the directory is an imgsim index from now on, readable by openReadOnly
                }
                this.searchers = new SearcherManager(w, null);
            }
            this.writer = w;
            this.directory = d;
            this.mergePool = pool;
        } catch (LockObtainFailedException e) {
            closeQuietly(w, d, pool);
            throw new IndexLockedException("the index " + path + " is already open for writing, in this or another process;"
                    + " one writer per directory: close the other, or use ImageIndex.openReadOnly to search beside it", e);
        } catch (CorruptIndexException | IndexFormatTooOldException | IndexFormatTooNewException | NoSuchFileException e) {
            closeQuietly(w, d, pool);
            throw new ImageIndexException("the index " + path + " is corrupt or incomplete (" + e.getMessage()
                    + "); rebuild it in a new directory", e);
        } catch (AccessDeniedException e) {
            closeQuietly(w, d, pool);
            throw new ImageIndexException("cannot write to the index " + path + " (permission denied: " + e.getMessage()
                    + "); use ImageIndex.openReadOnly to search an index you cannot write", e);
        } catch (FileSystemException e) {
            closeQuietly(w, d, pool);
            throw new ImageIndexException("cannot write to the index " + path + " (" + describe(e)
                    + "); use ImageIndex.openReadOnly to search an index you cannot write", e);
        } catch (IOException e) {
            closeQuietly(w, d, pool);
            throw new ImageIndexException("cannot open the index " + path + ": " + describe(e), e);
        } catch (RuntimeException e) {
            closeQuietly(w, d, pool);
            throw e;
        }
    }

    private IndexOptions checkRecorded(Map<String, String> data, IndexOptions requested) {
        if (!data.containsKey(KEY_SCHEMA) || !data.containsKey(KEY_MODEL)) {
            throw new ImageIndexException(path + " holds a Lucene index that imgsim did not write; choose another directory");
        }
        if (!SCHEMA.equals(data.get(KEY_SCHEMA))) {
            throw new ImageIndexException("the index " + path + " has schema " + data.get(KEY_SCHEMA)
                    + ", this imgsim reads schema " + SCHEMA + "; rebuild it or use a matching imgsim version");
        }
        String m = data.get(KEY_MODEL);
        String dim = data.get(KEY_DIMENSION);
        if (!model.equals(m) || !Integer.toString(dimension).equals(dim)) {
            throw new ModelMismatchException("the index " + path + " holds vectors of model " + m + " (dimension " + dim
                    + "), not of the model it was opened with, " + model + " (dimension " + dimension
                    + "); open it with the model that built it, or build a new index");
        }
        try {
            IndexOptions.Builder b = IndexOptions.builder()
                    .encoding(IndexOptions.Encoding.valueOf(data.get(KEY_ENCODING)))
                    .hnswMaxConnections(Integer.parseInt(data.get(KEY_M)))
                    .hnswBeamWidth(Integer.parseInt(data.get(KEY_BEAM)))
                    .searchCandidates(requested.searchCandidates)
                    .ingestThreads(requested.ingestThreads)
                    .commitEvery(requested.commitEvery)
                    .mergeThreads(requested.mergeThreads)
                    .ramBufferMB(requested.ramBufferMB);
            return b.build();
        } catch (RuntimeException e) {
            throw new ImageIndexException("the index " + path + " has unreadable settings " + data + "; rebuild it", e);
        }
    }

    static Codec codec(IndexOptions o, ExecutorService mergePool) {
        int workers = mergePool == null ? 1 : o.mergeThreads;
        // int8: 7 bits, uncompressed, confidence interval from the vectors (Lucene's defaults)
        KnnVectorsFormat format = o.encoding == IndexOptions.Encoding.INT8
                ? new Lucene99HnswScalarQuantizedVectorsFormat(o.maxConn, o.beamWidth, workers, 7, false, null, mergePool)
                : new Lucene99HnswVectorsFormat(o.maxConn, o.beamWidth, workers, mergePool);
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    // ---- adding ----

    /**
     * Embeds an image file (EXIF orientation applied) and adds it under {@code id}, replacing any
     * image already indexed under that id.
     *
     * @throws dev.imgsim.ImageDecodeException if the file cannot be decoded
     * @throws IllegalStateException if the index is closed, read-only, or has no model
     */
    public void add(String id, Path image) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        lockOpen(true);
        try {
            long[] stamp = stamp(image);
            CopyFeatures f = embedder().analyze(image);
            put(id, f.embedding(), Collections.emptyMap(), stamp, f);
        } catch (IOException e) {
            throw new dev.imgsim.ImageDecodeException("image file " + image + " cannot be read: " + describe(e));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Embeds an image and adds it under {@code id}, replacing any image indexed under that id. */
    public void add(String id, BufferedImage image) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        lockOpen(true);
        try {
            CopyFeatures f = embedder().analyze(image);
            put(id, f.embedding(), Collections.emptyMap(), null, f);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Adds an embedding made elsewhere under {@code id}, with fields returned by {@link Hit#fields()},
     * replacing any image indexed under that id. The vector is L2-normalised before it is stored.
     *
     * @param embedding {@link #dimension()} finite values, not all zero
     * @param fields names and values to store (names non-empty); may be empty
     * @throws IllegalArgumentException if the embedding has the wrong length, a NaN or infinity, or is all zeros
     */
    public void add(String id, float[] embedding, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(fields, "fields");
        lockOpen(true);
        try {
            put(id, embedding, fields, null, null);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void put(String id, float[] embedding, Map<String, String> fields, long[] fileStamp, CopyFeatures copy) {
        if (id.isEmpty()) {
            throw new IllegalArgumentException("id must not be empty");
        }
        float[] unit = normalised(embedding);
        Document doc = new Document();
        doc.add(new StringField(ID, id, Field.Store.YES));
        doc.add(new KnnFloatVectorField(VECTOR, unit, VectorSimilarityFunction.DOT_PRODUCT));
        for (Map.Entry<String, String> f : fields.entrySet()) {
            if (f.getKey() == null || f.getKey().isEmpty() || f.getValue() == null) {
                throw new IllegalArgumentException("field names must be non-empty and values non-null: " + f);
            }
            doc.add(new StoredField(FIELD_PREFIX + f.getKey(), f.getValue()));
        }
        if (copy != null) {
            doc.add(Copies.field(copy));
        }
        if (fileStamp != null) {
            doc.add(new StoredField(FILE_SIZE, fileStamp[0]));
            doc.add(new StoredField(FILE_MODIFIED, fileStamp[1]));
        }
        try {
            writer.updateDocument(new Term(ID, id), doc);
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailed(e);
        }
        changes.incrementAndGet();
    }

    /**
     * Embeds and adds image files, in parallel: {@link IndexOptions#ingestThreads()} threads
     * decode (natively, at reduced scale where the format allows) and run the model, so all cores
     * are busy. The id of each file is its {@link Path#toString()}. Files already indexed under that
     * id with the same size and modification time are skipped, so an interrupted call can simply
     * be repeated. Unreadable, empty or non-image files are reported in the result and the others
     * go on. Commits every {@link IndexOptions#commitEvery()} images and at the end.
     *
     * @param files the files, in any order
     * @param listener hears progress from the ingestion threads (serialised); may be null
     * @return what was added, skipped and failed
     * @throws ImageIndexException if the index cannot be written (full disk, failed writer)
     * @throws IllegalStateException if the index is closed, read-only, or has no model
     */
    public IndexReport addAll(List<Path> files, ProgressListener listener) {
        Objects.requireNonNull(files, "files");
        List<Path> list = new ArrayList<>(files);
        for (int i = 0; i < list.size(); i++) {
            Objects.requireNonNull(list.get(i), "files[" + i + "]");
        }
        lockOpen(true);
        try {
            embedder();
            return new Ingestion(list, listener).run();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** One addAll call: worker threads pull files from a shared cursor. */
    private final class Ingestion {
        final List<Path> files;
        final ProgressListener listener;
        final Map<String, long[]> known;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger added = new AtomicInteger();
        final AtomicInteger skipped = new AtomicInteger();
        final AtomicInteger sinceCommit = new AtomicInteger();
        final AtomicReference<Throwable> fatal = new AtomicReference<>();
        final IndexReport.Failure[] failures;
        final long start = System.nanoTime();
        int done;
        int failed;

        Ingestion(List<Path> files, ProgressListener listener) {
            this.files = files;
            this.listener = listener;
            this.failures = new IndexReport.Failure[files.size()];
            this.known = files.isEmpty() ? Collections.emptyMap() : fileStamps();
        }

        IndexReport run() {
            int threads = Math.max(1, Math.min(options.ingestThreads, files.size()));
            AtomicInteger n = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "imgsim-ingest-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            for (int t = 0; t < threads; t++) {
                pool.execute(this::work);
            }
            pool.shutdown();
            try {
                while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                    // wait for the workers; they stop early on a fatal error
                }
            } catch (InterruptedException e) {
                fatal.compareAndSet(null, e);
                pool.shutdownNow();
                Thread.currentThread().interrupt();
            }
            Throwable f = fatal.get();
            if (f == null) {
                commit();
            } else {
                try {
                    writer.commit(); // keep what was done, if the writer still can
                } catch (IOException | RuntimeException ignored) {
                    // the first failure is the one to report
                }
                if (f instanceof RuntimeException) {
                    throw (RuntimeException) f;
                }
                if (f instanceof Error) {
                    throw (Error) f;
                }
                throw new ImageIndexException("addAll into " + path + " stopped: " + f, f);
            }
            List<IndexReport.Failure> fl = new ArrayList<>();
            for (IndexReport.Failure x : failures) {
                if (x != null) {
                    fl.add(x);
                }
            }
            return new IndexReport(files.size(), added.get(), skipped.get(), Collections.unmodifiableList(fl),
                    Duration.ofNanos(System.nanoTime() - start));
        }

        void work() {
            int i;
            while (fatal.get() == null && (i = next.getAndIncrement()) < files.size()) {
                Path file = files.get(i);
                String reason = null;
                try {
                    reason = addFile(file);
                } catch (ImageIndexException | IllegalStateException e) {
                    fatal.compareAndSet(null, e);
                    return;
                } catch (ImageSimilarityException | IllegalArgumentException e) {
                    reason = e.getMessage();
                } catch (RuntimeException | Error e) {
                    fatal.compareAndSet(null, e);
                    return;
                }
                try {
                    report(i, file, reason);
                } catch (RuntimeException | Error e) {
                    fatal.compareAndSet(null, e); // the listener failed: stop, and tell the caller
                    return;
                }
            }
        }

        /** @return null when added or skipped, else why the file failed */
        String addFile(Path file) {
            long[] stamp;
            try {
                stamp = stamp(file);
            } catch (NoSuchFileException e) {
                return "does not exist";
            } catch (IOException e) {
                return "cannot be read: " + describe(e);
            }
            if (stamp == null) {
                return "is not a regular file";
            }
            if (stamp[0] == 0) {
                return "is empty";
            }
            long[] seen = known.get(file.toString());
            if (seen != null && seen[0] == stamp[0] && seen[1] == stamp[1]) {
                skipped.incrementAndGet();
                return null;
            }
            CopyFeatures f = sim.analyze(file);
            put(file.toString(), f.embedding(), Collections.emptyMap(), stamp, f);
            added.incrementAndGet();
            if (sinceCommit.incrementAndGet() >= options.commitEvery) {
                sinceCommit.set(0);
                commit();
            }
            return null;
        }

        synchronized void report(int i, Path file, String reason) {
            done++;
            if (reason != null) {
                failed++;
                failures[i] = new IndexReport.Failure(file, reason);
                if (listener != null) {
                    listener.failed(file, reason);
                }
            }
            if (listener != null) {
                listener.progress(done, files.size(), failed, System.nanoTime() - start);
            }
        }
    }

    /** @return {size, modified millis} of a regular file, null for anything else */
    private static long[] stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            return null;
        }
        return new long[] {a.size(), a.lastModifiedTime().toMillis()};
    }

    /** id -> {size, modified} of every indexed file, for skipping unchanged files. */
    private Map<String, long[]> fileStamps() {
        IndexSearcher s = acquireSearcher();
        try {
            Map<String, long[]> out = new HashMap<>();
            java.util.Set<String> wanted = java.util.Set.of(ID, FILE_SIZE, FILE_MODIFIED);
            for (org.apache.lucene.index.LeafReaderContext leaf : s.getIndexReader().leaves()) {
                org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
                org.apache.lucene.index.StoredFields sf = leaf.reader().storedFields();
                org.apache.lucene.index.BinaryDocValues copy = leaf.reader().getBinaryDocValues(Copies.FIELD);
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    if (copy == null || !copy.advanceExact(doc)) {
                        continue; // indexed before copy detection: analyse it again
                    }
                    Document d = sf.document(doc, wanted);
                    IndexableField size = d.getField(FILE_SIZE);
                    IndexableField mod = d.getField(FILE_MODIFIED);
                    if (size != null && mod != null) {
                        out.put(d.get(ID), new long[] {size.numericValue().longValue(), mod.numericValue().longValue()});
                    }
                }
            }
            return out;
        } catch (IOException e) {
            throw readFailed(e);
        } finally {
            releaseSearcher(s);
        }
    }

    // ---- searching ----

    /** Embeds the image file and returns its {@code k} nearest indexed images; see {@link #search(float[], int)}. */
    public List<Hit> search(Path image, int k) {
        Objects.requireNonNull(image, "image");
        return search(embedder().embed(image), k);
    }

    /** Embeds the image and returns its {@code k} nearest indexed images; see {@link #search(float[], int)}. */
    public List<Hit> search(BufferedImage image, int k) {
        Objects.requireNonNull(image, "image");
        return search(embedder().embed(image), k);
    }

    /**
     * The {@code k} indexed images most similar to an embedding, most similar first, found in the
     * HNSW graph (approximate: {@link IndexOptions#searchCandidates()} candidates are explored and
     * re-scored exactly; docs/SEARCH.md measures the recall).
     *
     * @param embedding {@link #dimension()} values
     * @param k how many, at least 1
     * @return up to {@code k} hits (fewer if the index holds fewer images)
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
            TopDocs td = s.search(new KnnFloatVectorQuery(VECTOR, q, n), n);
            ScoreDoc[] c = td.scoreDocs;
            if (options.encoding == IndexOptions.Encoding.FLOAT32 && c.length > k) {
                // float graph scores are exact already: re-score only the k best, for double precision
                c = java.util.Arrays.copyOf(c, k);
            }
            return StoredVectors.rescore(s, q, c, k, Double.NEGATIVE_INFINITY);
        });
    }

    /**
     * The {@code k} indexed images most similar to an embedding by an exact scan of every vector:
     * slower than {@link #search(float[], int)} on large indexes, never misses.
     */
    public List<Hit> searchExact(float[] embedding, int k) {
        float[] q = normalised(Objects.requireNonNull(embedding, "embedding"));
        checkK(k);
        return read(s -> StoredVectors.rescore(s, q, StoredVectors.scan(s, q, k, Double.NEGATIVE_INFINITY), k, Double.NEGATIVE_INFINITY));
    }

    /**
     * Every indexed image whose cosine similarity to the embedding is at least {@code minSimilarity},
     * most similar first, by an exact scan of every vector.
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

    /** Embeds the image file; then {@link #searchAbove(float[], double)}. */
    public List<Hit> searchAbove(Path image, double minSimilarity) {
        Objects.requireNonNull(image, "image");
        return searchAbove(embedder().embed(image), minSimilarity);
    }

    /**
     * Groups of near-duplicate images: every pair at or above {@code minSimilarity} joins its two
     * images into one group (groups are connected components, so A~B and B~C put A, B, C together).
     * Each image's neighbours are found in the HNSW graph, in parallel
     * ({@link IndexOptions#ingestThreads()} threads), so this runs in about n graph searches, not
     * n² comparisons; docs/SEARCH.md measures its recall against an exact scan.
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

    // ---- copies ----

    /**
     * Is the image a copy of something indexed? Analyses the file and returns the indexed images
     * it may copy, verified: copies first (most confident first; turned, mirrored, cropped,
     * padded or screenshotted copies included), then look-alikes by embedding similarity. The
     * candidates are the graph neighbours of the image and of its 90-degree turn; each is
     * verified on its stored fingerprint (images added as bare vectors are never copies).
     *
     * @param k how many, at least 1
     * @throws dev.imgsim.ImageDecodeException if the file cannot be decoded
     */
    public List<CopyHit> searchCopies(Path image, int k) {
        Objects.requireNonNull(image, "image");
        return searchCopies(embedder().analyze(image), k, CopyCalibration.defaults());
    }

    /** {@link #searchCopies(Path, int)} for an image in memory. */
    public List<CopyHit> searchCopies(BufferedImage image, int k) {
        Objects.requireNonNull(image, "image");
        return searchCopies(embedder().analyze(image), k, CopyCalibration.defaults());
    }

    /** {@link #searchCopies(Path, int)} for analysed features, under a calibration of your own. */
    public List<CopyHit> searchCopies(CopyFeatures query, int k, CopyCalibration calibration) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(calibration, "calibration");
        checkK(k);
        if (query.embedding().length != dimension) {
            throw new IllegalArgumentException("features have " + query.embedding().length + " values, the index holds vectors of "
                    + dimension);
        }
        return read(s -> Copies.search(s, query, k, calibration));
    }

    /**
     * Groups of copies in the index: every image's graph neighbours (its own and its 90-degree
     * turn's) verified on the stored fingerprints, verified pairs joined into groups. Unlike
     * {@link #duplicates(double)}, a group means "the same picture, maybe edited", not "looks
     * alike": what {@code imgsim dupes} reports by default. Uses {@link IndexOptions#ingestThreads()} threads.
     *
     * @return the groups, most confident first
     */
    public List<CopyGroup> copies() {
        return copies(CopyCalibration.defaults());
    }

    /** {@link #copies()} under a calibration of your own. */
    public List<CopyGroup> copies(CopyCalibration calibration) {
        Objects.requireNonNull(calibration, "calibration");
        return read(s -> Copies.groups(s, options.ingestThreads, calibration));
    }

    /** @return the stored copy features of {@code id}, if the index holds it with them */
    public Optional<CopyFeatures> copyFeatures(String id) {
        Objects.requireNonNull(id, "id");
        return read(s -> {
            TopDocs td = s.search(new TermQuery(new Term(ID, id)), 1);
            return td.scoreDocs.length == 0 ? Optional.empty() : Optional.ofNullable(Copies.features(s, td.scoreDocs[0].doc));
        });
    }

    /** @return the stored (L2-normalised) embedding of {@code id}, if the index holds it */
    public Optional<float[]> embedding(String id) {
        Objects.requireNonNull(id, "id");
        return read(s -> {
            TopDocs td = s.search(new TermQuery(new Term(ID, id)), 1);
            if (td.scoreDocs.length == 0) {
                return Optional.empty();
            }
            return Optional.of(StoredVectors.vector(s, td.scoreDocs[0].doc));
        });
    }

    /** Receives the entries of {@link #forEach(EntryConsumer)}. */
    @FunctionalInterface
    public interface EntryConsumer {
        /**
         * @param id the entry's id
         * @param embedding its stored (L2-normalised) embedding; a fresh array the consumer may keep
         * @param fields its stored fields (unmodifiable, empty if none)
         * @throws Exception to stop the iteration; {@link #forEach} rethrows it wrapped
         */
        void accept(String id, float[] embedding, Map<String, String> fields) throws Exception;
    }

    /**
     * Visits every entry of the index as of the last commit or refresh, in index order, on the
     * calling thread: for exporting the vectors elsewhere (e.g. to OpenSearch) without a search.
     *
     * @param consumer called once per entry
     * @return the number of entries visited
     * @throws ImageIndexException if the index cannot be read, or wrapping what the consumer threw
     */
    public long forEach(EntryConsumer consumer) {
        Objects.requireNonNull(consumer, "consumer");
        return read(s -> {
            long n = 0;
            for (org.apache.lucene.index.LeafReaderContext leaf : s.getIndexReader().leaves()) {
                org.apache.lucene.util.Bits live = leaf.reader().getLiveDocs();
                org.apache.lucene.index.StoredFields sf = leaf.reader().storedFields();
                org.apache.lucene.index.FloatVectorValues v = leaf.reader().getFloatVectorValues(VECTOR);
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    if (v == null || v.advance(doc) != doc) {
                        throw new IOException("document " + doc + " has no vector");
                    }
                    Hit h = StoredVectors.hit(sf.document(doc), Double.NaN);
                    try {
                        consumer.accept(h.id(), v.vectorValue().clone(), h.fields());
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new ImageIndexException("forEach over " + path + " stopped: " + e, e);
                    }
                    n++;
                }
            }
            return n;
        });
    }

    // ---- maintenance ----

    /**
     * Removes the image indexed under {@code id}, if any.
     *
     * @return whether the index held it
     */
    public boolean remove(String id) {
        Objects.requireNonNull(id, "id");
        lockOpen(true);
        try {
            boolean had = read(s -> s.count(new TermQuery(new Term(ID, id))) > 0);
            writer.deleteDocuments(new Term(ID, id));
            changes.incrementAndGet();
            return had;
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailed(e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Makes every change so far durable: a crash after this returns loses none of them. */
    public void commit() {
        lockOpen(true);
        try {
            writer.commit();
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailed(e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Merges the index into one segment: faster searches after a bulk load, at the cost of a
     * rebuild of the HNSW graph (minutes for a million vectors). Commits.
     */
    public void optimize() {
        lockOpen(true);
        try {
            writer.forceMerge(1);
            writer.commit();
            changes.incrementAndGet();
        } catch (IOException | AlreadyClosedException e) {
            throw writeFailed(e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** @return how many images the index holds, uncommitted additions and removals included */
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
     * {@link IllegalStateException}. Calling it again does nothing. Does not close the
     * {@link ImageSimilarity}.
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
            IOException failure = null;
            try {
                searchers.close();
            } catch (IOException e) {
                failure = e;
            }
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException | AlreadyClosedException e) {
                    failure = failure == null && e instanceof IOException ? (IOException) e : failure;
                    try {
                        writer.rollback();
                    } catch (IOException | RuntimeException ignored) {
                        // already failed; the lock is released either way
                    }
                }
            }
            try {
                directory.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
            if (mergePool != null) {
                mergePool.shutdown();
            }
            if (failure != null) {
                throw new ImageIndexException("closing the index " + path + " failed: " + describe(failure)
                        + "; it stays at its last commit", failure);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "ImageIndex[" + path + (writer == null ? ", read-only" : "") + ", " + options.encoding + ", dim " + dimension + "]";
    }

    // ---- helpers ----

    private void lockOpen(boolean write) {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("this ImageIndex (" + path + ") is closed");
        }
        if (write && writer == null) {
            lock.readLock().unlock();
            throw new IllegalStateException("this ImageIndex (" + path + ") is open read-only; use ImageIndex.open to change it");
        }
    }

    /** A read on an open index: holds the lock and a searcher for the call, maps I/O failures. */
    private <T> T read(SearcherCall<T> call) {
        lockOpen(false);
        try {
            IndexSearcher s = acquireSearcher();
            try {
                return call.apply(s);
            } catch (IOException e) {
                throw readFailed(e);
            } finally {
                releaseSearcher(s);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @FunctionalInterface
    private interface SearcherCall<T> {
        T apply(IndexSearcher s) throws IOException;
    }

    private ImageSimilarity embedder() {
        if (sim == null) {
            throw new IllegalStateException("this ImageIndex (" + path + ") was opened without a model (openVectors):"
                    + " add and search embeddings, or open it with ImageIndex.open(directory, sim)");
        }
        return sim;
    }

    private IndexSearcher acquireSearcher() {
        try {
            if (writer != null) {
                long c = changes.get();
                if (c != refreshedAt) {
                    searchers.maybeRefreshBlocking();
                    refreshedAt = c;
                }
            } else {
                searchers.maybeRefresh();
            }
            return searchers.acquire();
        } catch (IOException e) {
            throw readFailed(e);
        } catch (AlreadyClosedException e) {
            throw writeFailed(e);
        }
    }

    private void releaseSearcher(IndexSearcher s) {
        try {
            searchers.release(s);
        } catch (IOException e) {
            throw readFailed(e);
        }
    }

    private float[] normalised(float[] v) {
        if (v.length != dimension) {
            throw new IllegalArgumentException("embedding has " + v.length + " values, the index holds vectors of " + dimension);
        }
        return Vectors.normalise(v);
    }

    private static void checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
    }

    private static void checkSimilarity(double s) {
        if (!(s >= -1 && s <= 1)) {
            throw new IllegalArgumentException("similarity threshold must be within [-1, 1], got " + s);
        }
    }

    private ImageIndexException writeFailed(Exception e) {
        Throwable tragic = writer == null ? null : writer.getTragicException();
        if (tragic != null) {
            return new ImageIndexException("the index " + path + " failed earlier and cannot be written any more ("
                    + describe(tragic) + "); close it and reopen: it stays at its last commit", e);
        }
        return new ImageIndexException("cannot write the index " + path + ": " + describe(e), e);
    }

    private ImageIndexException readFailed(IOException e) {
        return new ImageIndexException("cannot read the index " + path + ": " + describe(e), e);
    }

    static String describe(Throwable e) {
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            FileSystemException f = (FileSystemException) e;
            return f.getReason() + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private static void closeQuietly(IndexWriter w, Directory d, ExecutorService pool) {
        if (pool != null) {
            pool.shutdown();
        }
        try {
            if (w != null) {
                w.rollback();
            }
        } catch (IOException | RuntimeException ignored) {
            // reporting the open failure matters more
        }
        try {
            if (d != null) {
                d.close();
            }
        } catch (IOException | RuntimeException ignored) {
            // as above
        }
    }
}
