package dev.imgsim.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.lucene.document.Document;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.util.Bits;

import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImageSimilarityException;

/**
 * One {@link ImageIndex#addAll} call: worker threads pull files from a shared cursor, skip files
 * indexed with the same size and modification time, analyse the others (embedding and copy
 * fingerprint) and commit every {@link IndexOptions#commitEvery()} images.
 */
final class Ingestion {
    private final VectorIndex index;
    private final ImageSimilarity sim;
    private final List<Path> files;
    private final ProgressListener listener;
    private final Map<String, long[]> known;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger added = new AtomicInteger();
    private final AtomicInteger skipped = new AtomicInteger();
    private final AtomicInteger sinceCommit = new AtomicInteger();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final IndexReport.Failure[] failures;
    private final long start = System.nanoTime();
    private int done;
    private int failed;

    Ingestion(VectorIndex index, ImageSimilarity sim, List<Path> files, ProgressListener listener) {
        this.index = index;
        this.sim = sim;
        this.files = files;
        this.listener = listener;
        this.failures = new IndexReport.Failure[files.size()];
        this.known = files.isEmpty() ? Collections.emptyMap() : fileStamps(index, index.options().copyFeatures);
    }

    IndexReport run() {
        int threads = Math.max(1, Math.min(index.options().ingestThreads, files.size()));
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
            index.commit();
        } else {
            index.commitQuietly(); // keep what was done, if the writer still can
            if (f instanceof RuntimeException) {
                throw (RuntimeException) f;
            }
            if (f instanceof Error) {
                throw (Error) f;
            }
            throw new ImageIndexException("addAll into " + index.directory() + " stopped: " + f, f);
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

    private void work() {
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
    private String addFile(Path file) {
        long[] stamp;
        try {
            stamp = stamp(file);
        } catch (NoSuchFileException e) {
            return "does not exist";
        } catch (IOException e) {
            return "cannot be read: " + IndexErrors.describe(e);
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
        if (index.options().copyFeatures) {
            CopyFeatures f = sim.analyze(file);
            index.put(file.toString(), f.embedding(), Collections.emptyMap(), stamp, Copies.fields(f));
        } else {
            index.put(file.toString(), sim.embed(file), Collections.emptyMap(), stamp);
        }
        added.incrementAndGet();
        if (sinceCommit.incrementAndGet() >= index.options().commitEvery) {
            sinceCommit.set(0);
            index.commit();
        }
        return null;
    }

    private synchronized void report(int i, Path file, String reason) {
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

    /** @return {size, modified millis} of a regular file, null for anything else */
    static long[] stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            return null;
        }
        return new long[] {a.size(), a.lastModifiedTime().toMillis()};
    }

    /** id -> {size, modified} of every indexed file (with copy features only, when asked). */
    static Map<String, long[]> fileStamps(VectorIndex index, boolean withCopyFeaturesOnly) {
        return index.read(s -> {
            Map<String, long[]> out = new HashMap<>();
            Set<String> wanted = Set.of(IndexSchema.ID, IndexSchema.FILE_SIZE, IndexSchema.FILE_MODIFIED);
            for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                StoredFields sf = leaf.reader().storedFields();
                BinaryDocValues copy = leaf.reader().getBinaryDocValues(Copies.FIELD);
                BinaryDocValues inner = leaf.reader().getBinaryDocValues(Copies.INNER);
                for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    if (withCopyFeaturesOnly && (copy == null || !copy.advanceExact(doc) || inner == null || !inner.advanceExact(doc))) {
                        continue; // indexed before copy detection, or before inner pictures: analyse it again
                    }
                    Document d = sf.document(doc, wanted);
                    IndexableField size = d.getField(IndexSchema.FILE_SIZE);
                    IndexableField mod = d.getField(IndexSchema.FILE_MODIFIED);
                    if (size != null && mod != null) {
                        out.put(d.get(IndexSchema.ID), new long[] {size.numericValue().longValue(), mod.numericValue().longValue()});
                    }
                }
            }
            return out;
        });
    }
}
