package dev.imgsim.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.Match;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim calibrate PAIRS}: the copy threshold fitted to pairs a person labelled. */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Fits the learned copy decision (CopyCalibration.learned()) to your own collection: verifies each"
            + " labelled pair of PAIRS (both ways round: a copy counts at its lower confidence, a pair labelled different"
            + " at its higher), then prints the lowest copy threshold at which at least --precision of the labelled"
            + " pairs at or above it are copies, with the precision and recall there and at the learned decision's default"
            + " threshold. Pass it on as"
            + " `imgsim dupes --copy-threshold T` or `imgsim search --copies --copy-threshold T`"
            + " (CopyCalibration.withThreshold(T) in Java).",
            "PAIRS: one pair a line, tab-separated: `copy`, `different`; then the two image files (relative to PAIRS's"
            + " folder unless absolute). Empty lines and lines starting with # are skipped."})
final class CalibrateCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PAIRS", description = "The labelled pairs (tab-separated: copy|different, A, B).")
    Path pairs;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "0.99",
            description = "Share of the labelled pairs called copies that must be copies (default: ${DEFAULT-VALUE}).")
    double precision;

    @Option(names = "--json", description = "Print {\"threshold\", \"precision\", \"recall\", \"default\": {\"threshold\","
            + " \"precision\", \"recall\"}, \"copies\", \"different\", \"pairs\": [{\"label\", \"a\", \"b\", \"confidence\", \"band\"}]}.")
    boolean json;

    /** One labelled pair and the library's verdict on it. */
    private static final class Labelled {
        final boolean copy;
        final Path a;
        final Path b;
        Match match;
        /**
         * The pair's confidence as a threshold must treat it: decided both ways round (a safeguard:
         * since the local features are matched in one canonical order both ways agree), the lower
         * for a copy, the higher for a pair labelled different, so that the fitted
         * threshold holds whichever picture dupes or search puts first.
         */
        double confidence;

        Labelled(boolean copy, Path a, Path b) {
            this.copy = copy;
            this.a = a;
            this.b = b;
        }
    }

    /** A threshold printed with 4 decimals, rounded down: given back, it keeps the pair it was fitted at. */
    private static double down(double threshold) {
        return Math.floor(threshold * 1e4) / 1e4;
    }

    @Override
    public Integer call() throws IOException {
        if (!(precision > 0 && precision <= 1)) {
            throw new IllegalArgumentException("--precision must be in (0, 1], got " + precision);
        }
        List<Labelled> labelled = read(pairs);
        int failed = 0;
        try (ImageSimilarity sim = model.open()) {
            // each file analysed once; one that cannot be read is reported once (its null kept)
            Map<Path, CopyFeatures> seen = new HashMap<>();
            for (Labelled p : labelled) {
                for (Path f : new Path[] {p.a, p.b}) {
                    if (!seen.containsKey(f)) {
                        seen.put(f, analyzeOrReport(sim, f));
                    }
                }
                CopyFeatures fa = seen.get(p.a);
                CopyFeatures fb = seen.get(p.b);
                if (fa == null || fb == null) {
                    failed++;
                    continue;
                }
                p.match = CopyCalibration.learned().verify(fa, fb);
                double other = CopyCalibration.learned().verify(fb, fa).confidence();
                p.confidence = p.copy ? Math.min(p.match.confidence(), other) : Math.max(p.match.confidence(), other);
            }
        }
        labelled.removeIf(p -> p.match == null);
        double[] copies = labelled.stream().filter(p -> p.copy).mapToDouble(p -> p.confidence).toArray();
        double[] different = labelled.stream().filter(p -> !p.copy).mapToDouble(p -> p.confidence).toArray();
        if (copies.length == 0 || different.length == 0) {
            throw new IllegalArgumentException(pairs + ": need at least one readable pair labelled copy and one labelled"
                    + " different, got " + copies.length + " and " + different.length);
        }
        CopyCalibration fitted = CopyCalibration.fromLabelled(copies, different, precision);
        double def = CopyCalibration.learned().copyThreshold();
        double[] at = score(copies, different, fitted.copyThreshold());
        double[] atDefault = score(copies, different, def);
        PrintWriter out = out();
        if (json) {
            Json j = new Json().open('{').field("threshold", Json.number(fitted.copyThreshold())).raw(", ")
                    .field("precision", Json.number(at[0])).raw(", ").field("recall", Json.number(at[1])).raw(", \"default\": ")
                    .open('{').field("threshold", Json.number(def)).raw(", ").field("precision", Json.number(atDefault[0]))
                    .raw(", ").field("recall", Json.number(atDefault[1])).close('}').raw(", ")
                    .field("copies", Integer.toString(copies.length)).raw(", ").field("different", Integer.toString(different.length))
                    .raw(", \"pairs\": [");
            for (int i = 0; i < labelled.size(); i++) {
                Labelled p = labelled.get(i);
                j.raw(i == 0 ? "" : ", ").open('{').field("label", Json.string(p.copy ? "copy" : "different")).raw(", ")
                        .field("a", Json.string(p.a.toString())).raw(", ").field("b", Json.string(p.b.toString())).raw(", ")
                        .field("confidence", Json.number(p.confidence)).raw(", ")
                        .field("band", Json.string(p.match.band().name().toLowerCase(Locale.ROOT))).close('}');
            }
            out.println(j.raw("]").close('}'));
        } else {
            out.printf(Locale.ROOT, "%d labelled pairs: %d copies, %d different%n", labelled.size(), copies.length, different.length);
            out.printf(Locale.ROOT, "default threshold %.4f: precision %.3f, recall %.3f%n", def, atDefault[0], atDefault[1]);
            out.printf(Locale.ROOT, "fitted threshold  %.4f: precision %.3f, recall %.3f (target precision %.3f)%n",
                    down(fitted.copyThreshold()), at[0], at[1], precision);
            for (Labelled p : labelled) {
                boolean called = p.confidence >= fitted.copyThreshold();
                if (called != p.copy) {
                    out.printf(Locale.ROOT, "  %s at the fitted threshold: %s  %s  (confidence %.4f)%n",
                            p.copy ? "missed copy" : "wrong copy", p.a, p.b, p.confidence);
                }
            }
            out.printf(Locale.ROOT, "use: imgsim dupes --index IDX --copy-threshold %.4f%n", down(fitted.copyThreshold()));
        }
        out.flush();
        return failed > 0 ? Main.SOME_FAILED : 0;
    }

    /** Precision (1 when nothing is called a copy) and recall of the labelled pairs at threshold t. */
    private static double[] score(double[] copies, double[] different, double t) {
        long tp = java.util.Arrays.stream(copies).filter(c -> c >= t).count();
        long fp = java.util.Arrays.stream(different).filter(c -> c >= t).count();
        return new double[] {tp + fp == 0 ? 1 : (double) tp / (tp + fp), (double) tp / copies.length};
    }

    private static List<Labelled> read(Path file) throws IOException {
        List<Labelled> out = new ArrayList<>();
        Path base = file.toAbsolutePath().getParent();
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] t = line.split("\t");
            if (t.length != 3) {
                throw new IllegalArgumentException(file + " line " + n + ": expected 3 tab-separated fields (copy|different,"
                        + " A, B), got " + t.length);
            }
            String label = t[0].trim().toLowerCase(Locale.ROOT);
            if (!label.equals("copy") && !label.equals("different")) {
                throw new IllegalArgumentException(file + " line " + n + ": the label must be copy or different, got '" + t[0] + "'");
            }
            out.add(new Labelled(label.equals("copy"), base.resolve(t[1].trim()), base.resolve(t[2].trim())));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no labelled pairs");
        }
        return out;
    }
}
