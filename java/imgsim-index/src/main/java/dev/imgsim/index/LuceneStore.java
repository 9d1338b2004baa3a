package dev.imgsim.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;

/**
 * The Lucene side of one open {@link VectorIndex}: the directory, its writer (none when
 * read-only), near-real-time searchers and the merge threads; opening checks what the index
 * recorded ({@link IndexSchema}) and maps failures ({@link IndexErrors}). Locking and the
 * closed state are {@link VectorIndex}'s.
 */
final class LuceneStore {
    final Path path;
    final IndexOptions options;
    /** Null when read-only. */
    final IndexWriter writer;
    private final Directory directory;
    private final SearcherManager searchers;
    private final ExecutorService mergePool;
    private final AtomicLong changes = new AtomicLong();
    private volatile long refreshedAt;

    LuceneStore(Path path, String kind, String model, int dimension, IndexOptions options, boolean readOnly) {
        this.path = path;
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
                Files.delete(Files.createTempFile(path, IndexSchema.WRITE_CHECK, ".tmp"));
            }
            d = FSDirectory.open(path);
            Map<String, String> recorded = DirectoryReader.indexExists(d) ? SegmentInfos.readLatestCommit(d).getUserData() : null;
            if (recorded == null) {
                if (readOnly) {
                    throw new ImageIndexException("there is no index at " + path + "; create one with " + kind + ".open");
                }
                try (Stream<Path> s = Files.list(path)) {
                    if (s.map(p -> p.getFileName().toString())
                            .anyMatch(n -> !n.equals(IndexWriter.WRITE_LOCK_NAME) && !n.startsWith(IndexSchema.WRITE_CHECK))) {
                        throw new ImageIndexException(path + " is not empty and holds no index: choose a new or empty directory");
                    }
                }
                this.options = options;
            } else {
                this.options = IndexSchema.checkRecorded(path, recorded, model, dimension, options);
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
                cfg.setCodec(IndexSchema.codec(this.options, pool));
                cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND);
                cfg.setRAMBufferSizeMB(this.options.ramBufferMB);
                w = new IndexWriter(d, cfg);
                w.setLiveCommitData(IndexSchema.commitData(model, dimension, this.options).entrySet());
                if (recorded == null) {
                    w.commit(); // the directory is an imgsim index from now on, readable by openReadOnly
                }
                this.searchers = new SearcherManager(w, null);
            }
            this.writer = w;
            this.directory = d;
            this.mergePool = pool;
        } catch (IOException e) {
            IndexErrors.closeQuietly(w, d, pool);
            throw IndexErrors.openFailed(path, kind, e);
        } catch (RuntimeException e) {
            IndexErrors.closeQuietly(w, d, pool);
            throw e;
        }
    }

    /** Notes a change, so that the next search refreshes its view. */
    void changed() {
        changes.incrementAndGet();
    }

    /** A searcher that sees every change so far (writer) or the latest commit (read-only). */
    IndexSearcher acquire() {
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
            throw IndexErrors.readFailed(path, e);
        } catch (AlreadyClosedException e) {
            throw IndexErrors.writeFailed(path, writer, e);
        }
    }

    void release(IndexSearcher s) {
        try {
            searchers.release(s);
        } catch (IOException e) {
            throw IndexErrors.readFailed(path, e);
        }
    }

    /** Commits (writer) and closes everything; reports the first failure after releasing all. */
    void close() {
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
            throw new ImageIndexException("closing the index " + path + " failed: " + IndexErrors.describe(failure)
                    + "; it stays at its last commit", failure);
        }
    }
}
