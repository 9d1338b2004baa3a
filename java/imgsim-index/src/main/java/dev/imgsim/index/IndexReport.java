package dev.imgsim.index;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** What {@link ImageIndex#addAll} did: how many files it added, skipped and could not index, and why. */
public final class IndexReport {
    /** A file that could not be indexed, and why. */
    public static final class Failure {
        private final Path file;
        private final String reason;

        Failure(Path file, String reason) {
            this.file = file;
            this.reason = reason;
        }

        /** @return the file */
        public Path file() {
            return file;
        }

        /** @return what is wrong with it, in words */
        public String reason() {
            return reason;
        }

        @Override
        public String toString() {
            return file + ": " + reason;
        }
    }

    private final int total;
    private final int added;
    private final int skipped;
    private final List<Failure> failures;
    private final Duration elapsed;

    IndexReport(int total, int added, int skipped, List<Failure> failures, Duration elapsed) {
        this.total = total;
        this.added = added;
        this.skipped = skipped;
        this.failures = failures;
        this.elapsed = elapsed;
    }

    /** @return files passed to the call */
    public int total() {
        return total;
    }

    /** @return files embedded and added (or replaced) */
    public int added() {
        return added;
    }

    /** @return files skipped because the index already held them with the same size and modification time */
    public int skipped() {
        return skipped;
    }

    /** @return the files that could not be indexed, with reasons, in the order given; unmodifiable */
    public List<Failure> failures() {
        return failures;
    }

    /** @return wall-clock time of the call */
    public Duration elapsed() {
        return elapsed;
    }

    /** @return files added per second of wall-clock time */
    public double imagesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s > 0 ? added / s : 0;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d files: %d added, %d unchanged, %d failed in %.1f s (%.1f images/s)",
                total, added, skipped, failures.size(), elapsed.toNanos() / 1e9, imagesPerSecond());
    }
}
