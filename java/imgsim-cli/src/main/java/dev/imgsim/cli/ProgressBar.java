package dev.imgsim.cli;

import java.io.PrintStream;
import java.util.Locale;

import dev.imgsim.index.ProgressListener;

/**
 * Progress of {@code imgsim index} on standard error: a bar redrawn in place on a terminal
 * (count, images/s, ETA), plain lines every few seconds otherwise, nothing when quiet.
 */
final class ProgressBar implements ProgressListener {
    enum Mode { BAR, LINES, NONE }

    private final PrintStream err;
    private final Mode mode;
    private final long intervalNanos;
    private long lastPrint;
    private boolean drawn;

    ProgressBar(PrintStream err, Mode mode) {
        this.err = err;
        this.mode = mode;
        this.intervalNanos = mode == Mode.BAR ? 100_000_000L : 5_000_000_000L;
    }

    static Mode auto() {
        return System.console() != null ? Mode.BAR : Mode.LINES;
    }

    @Override
    public void progress(int done, int total, int failed, long elapsedNanos) {
        if (mode == Mode.NONE || (done < total && elapsedNanos - lastPrint < intervalNanos)) {
            return;
        }
        lastPrint = elapsedNanos;
        double s = elapsedNanos / 1e9;
        double rate = s > 0 ? done / s : 0;
        String eta = rate > 0 ? duration((total - done) / rate) : "?";
        String failures = failed > 0 ? String.format(Locale.ROOT, ", %d failed", failed) : "";
        if (mode == Mode.BAR) {
            int width = 30;
            int filled = total == 0 ? width : (int) ((long) done * width / total);
            err.printf(Locale.ROOT, "\r[%s%s] %d/%d %5.1f images/s ETA %s%s  ", "#".repeat(filled), ".".repeat(width - filled),
                    done, total, rate, eta, failures);
            drawn = true;
            if (done == total) {
                err.println();
                drawn = false;
            }
        } else {
            err.printf(Locale.ROOT, "indexed %d/%d files (%d %%), %.1f images/s, ETA %s%s%n", done, total,
                    total == 0 ? 100 : done * 100L / total, rate, eta, failures);
        }
        err.flush();
    }

    /** Ends a bar that did not reach 100 % (an error stopped the run). */
    void finish() {
        if (drawn) {
            err.println();
        }
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
