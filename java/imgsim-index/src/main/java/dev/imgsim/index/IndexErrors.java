package dev.imgsim.index;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;

import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.LockObtainFailedException;

/** Lucene and file-system failures as the exceptions an index's caller gets: one table. */
final class IndexErrors {
    private IndexErrors() {}

    /** What went wrong opening the index at {@code path}; {@code kind} names the public class. */
    static RuntimeException openFailed(Path path, String kind, IOException e) {
        if (e instanceof LockObtainFailedException) {
            return new IndexLockedException("the index " + path + " is already open for writing, in this or another process;"
                    + " one writer per directory: close the other, or use " + kind + ".openReadOnly to search beside it", e);
        }
        if (e instanceof CorruptIndexException || e instanceof IndexFormatTooOldException
                || e instanceof IndexFormatTooNewException || e instanceof NoSuchFileException) {
            return new ImageIndexException("the index " + path + " is corrupt or incomplete (" + e.getMessage()
                    + "); rebuild it in a new directory", e);
        }
        if (e instanceof AccessDeniedException) {
            return new ImageIndexException("cannot write to the index " + path + " (permission denied: " + e.getMessage()
                    + "); use " + kind + ".openReadOnly to search an index you cannot write", e);
        }
        if (e instanceof FileSystemException) {
            return new ImageIndexException("cannot write to the index " + path + " (" + describe(e)
                    + "); use " + kind + ".openReadOnly to search an index you cannot write", e);
        }
        return new ImageIndexException("cannot open the index " + path + ": " + describe(e), e);
    }

    /** A failed write; names the writer's earlier fatal failure when there is one. */
    static ImageIndexException writeFailed(Path path, IndexWriter writer, Exception e) {
        Throwable tragic = writer == null ? null : writer.getTragicException();
        if (tragic != null) {
            return new ImageIndexException("the index " + path + " failed earlier and cannot be written any more ("
                    + describe(tragic) + "); close it and reopen: it stays at its last commit", e);
        }
        return new ImageIndexException("cannot write the index " + path + ": " + describe(e), e);
    }

    static ImageIndexException readFailed(Path path, IOException e) {
        return new ImageIndexException("cannot read the index " + path + ": " + describe(e), e);
    }

    /** The reason of a file-system failure with its file, else the message, else the class. */
    static String describe(Throwable e) {
        if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
            FileSystemException f = (FileSystemException) e;
            return f.getReason() + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Releases what an open that failed had taken, keeping the open's failure the one reported. */
    static void closeQuietly(IndexWriter w, Directory d, ExecutorService pool) {
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
