package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.CopyHit;
import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim search IMAGE... --index IDX}: the indexed images most similar to each IMAGE. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Prints the K indexed images most similar to IMAGE, most similar first, with their cosine similarity;"
            + " with several IMAGEs (one model load), each result under a '# IMAGE' line, or with --json one"
            + " {\"query\", \"hits\"} object per image. Opens the index read-only, so it may run while 'imgsim index' adds to it.")
final class SearchCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Query image files.")
    List<Path> images;

    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "10", description = "How many hits (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--exact", description = "Scan every vector instead of searching the HNSW graph.")
    boolean exact;

    @Option(names = "--copies", description = "Copy search: verify each candidate and list the images IMAGE is a copy of first"
            + " (turned, mirrored, cropped, padded or screenshotted copies included), each with its band, transform and confidence.")
    boolean copies;

    @Option(names = "--copy-threshold", paramLabel = "P", description = "With --copies: the learned decision with this copy"
            + " threshold (a confidence, what `imgsim calibrate` fitted) instead of the rules.")
    Double copyThreshold;

    @Option(names = "--json", description = "Print a JSON list of {\"id\", \"similarity\"} (with --copies also \"copy\", \"band\","
            + " \"confidence\", \"transform\", \"verification\", \"alignment\", \"area\", \"hue_mismatch\", \"description\").")
    boolean json;

    @Override
    public Integer call() {
        requirePositiveK(k);
        PrintWriter out = out();
        if (copies && exact) {
            throw new IllegalArgumentException("--copies and --exact cannot be combined");
        }
        if (copyThreshold != null && !copies) {
            throw new IllegalArgumentException("--copy-threshold needs --copies");
        }
        CopyCalibration calibration = copyThreshold == null ? CopyCalibration.defaults() : CopyCalibration.withThreshold(copyThreshold);
        boolean failed = false;
        boolean many = images.size() > 1;
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            if (many && json) {
                out.print('[');
            }
            for (int i = 0; i < images.size(); i++) {
                Path image = images.get(i);
                if (many) {
                    out.print(json ? (i == 0 ? "" : ", ") + "{\"query\": " + Json.string(image.toString()) + ", \"hits\": "
                            : "# " + image + System.lineSeparator());
                }
                boolean ok = copies ? searchCopies(out, sim, idx, image, calibration) : search(out, sim, idx, image);
                failed |= !ok;
                if (many && json) {
                    out.print(ok ? "}" : "null}");
                }
            }
            if (many && json) {
                out.println(']');
            }
        }
        out.flush();
        return failed ? Main.SOME_FAILED : 0;
    }

    private boolean search(PrintWriter out, ImageSimilarity sim, ImageIndex idx, Path image) {
        float[] q = embedOrReport(sim, image);
        if (q == null) {
            return false;
        }
        List<Hit> hits = exact ? idx.searchExact(q, k) : idx.search(q, k);
        printHits(out, hits);
        return true;
    }

    private boolean searchCopies(PrintWriter out, ImageSimilarity sim, ImageIndex idx, Path image, CopyCalibration calibration) {
        CopyFeatures f = analyzeOrReport(sim, image);
        if (f == null) {
            return false;
        }
        printCopies(out, idx.searchCopies(f, k, calibration));
        return true;
    }

    /** One result: a JSON list (inline when several queries share the output) or lines. */
    private void printHits(PrintWriter out, List<Hit> hits) {
        java.io.StringWriter buf = new java.io.StringWriter();
        PrintWriter w = new PrintWriter(buf);
        Json.printHits(w, hits, json);
        w.flush();
        out.print(images.size() > 1 && json ? buf.toString().trim() : buf.toString());
    }

    private void printCopies(PrintWriter out, List<CopyHit> hits) {
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < hits.size(); i++) {
                j.raw(i == 0 ? "" : ", ").open('{').field("id", Json.string(hits.get(i).id())).raw(", ").match(hits.get(i).match())
                        .close('}');
            }
            out.print(j.close(']'));
            if (images.size() == 1) {
                out.println();
            }
        } else {
            for (CopyHit h : hits) {
                out.printf(Locale.ROOT, "%.4f  %s  %s%n", h.match().similarity(), h.id(), h.match().describe());
            }
        }
    }
}
