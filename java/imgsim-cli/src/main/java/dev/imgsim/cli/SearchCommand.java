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

/** {@code imgsim search IMAGE --index IDX}: the indexed images most similar to IMAGE. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Prints the K indexed images most similar to IMAGE, most similar first, with their cosine similarity."
            + " Opens the index read-only, so it may run while 'imgsim index' adds to it.")
final class SearchCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "Query image file.")
    Path image;

    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "10", description = "How many hits (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--exact", description = "Scan every vector instead of searching the HNSW graph.")
    boolean exact;

    @Option(names = "--copies", description = "Copy search: verify each candidate and list the images IMAGE is a copy of first"
            + " (turned, mirrored, cropped, padded or screenshotted copies included), each with its band, transform and confidence.")
    boolean copies;

    @Option(names = "--json", description = "Print a JSON list of {\"id\", \"similarity\"} (with --copies also \"copy\", \"band\","
            + " \"confidence\", \"transform\", \"verification\", \"alignment\", \"area\", \"description\").")
    boolean json;

    @Override
    public Integer call() {
        if (k < 1) {
            throw new IllegalArgumentException("-k must be at least 1, got " + k);
        }
        PrintWriter out = out();
        if (copies && exact) {
            throw new IllegalArgumentException("--copies and --exact cannot be combined");
        }
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            if (copies) {
                CopyFeatures f = analyzeOrReport(sim, image);
                if (f == null) {
                    return Main.SOME_FAILED;
                }
                printCopies(out, idx.searchCopies(f, k, CopyCalibration.defaults()));
                out.flush();
                return 0;
            }
            float[] q = embedOrReport(sim, image);
            if (q == null) {
                return Main.SOME_FAILED;
            }
            List<Hit> hits = exact ? idx.searchExact(q, k) : idx.search(q, k);
            Json.printHits(out, hits, json);
        }
        out.flush();
        return 0;
    }

    private void printCopies(PrintWriter out, List<CopyHit> hits) {
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < hits.size(); i++) {
                j.raw(i == 0 ? "" : ", ").open('{').field("id", Json.string(hits.get(i).id())).raw(", ").match(hits.get(i).match())
                        .close('}');
            }
            out.println(j.close(']'));
        } else {
            for (CopyHit h : hits) {
                out.printf(Locale.ROOT, "%.4f  %s  %s%n", h.match().similarity(), h.id(), h.match().describe());
            }
        }
    }
}
