package dev.imgsim.index;

import java.nio.file.Path;

/**
 * Hears how {@link ImageIndex#addAll} is getting on. Calls come from the ingestion threads but
 * never at the same time (they are serialised), so an implementation needs no locking; keep it
 * quick, as ingestion waits for it.
 */
@FunctionalInterface
public interface ProgressListener {
    /**
     * After each file.
     *
     * @param done files finished so far (added, skipped as unchanged, or failed)
     * @param total files in this call
     * @param failed files that failed so far
     * @param elapsedNanos time since the call started
     */
    void progress(int done, int total, int failed, long elapsedNanos);

    /**
     * When a file cannot be indexed; the others go on. Does nothing by default.
     *
     * @param file the file
     * @param reason what is wrong with it
     */
    default void failed(Path file, String reason) {}
}
