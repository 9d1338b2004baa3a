package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.DuplicateGroup;
import dev.imgsim.index.ImageIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imgsim dupes --index IDX}: groups of near-duplicate images. */
@Command(name = "dupes", mixinStandardHelpOptions = true,
        description = "Prints the groups of near-duplicate images in the index: images joined by pairs at or above"
            + " the cosine threshold, most similar groups first; optionally an HTML report with thumbnails.")
final class DupesCommand extends ModelCommand implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @Option(names = "--threshold", paramLabel = "T", defaultValue = "0.95",
            description = "Cosine similarity at or above which two images are duplicates (default: ${DEFAULT-VALUE}).")
    double threshold;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report with thumbnails.")
    Path html;

    @Option(names = "--exact", description = "Compare every pair exactly instead of searching the HNSW graph (small indexes).")
    boolean exact;

    @Option(names = "--json", description = "Print a JSON list of {\"ids\": [...], \"similarity\"}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!(threshold >= -1 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be within [-1, 1], got " + threshold);
        }
        PrintWriter out = out();
        List<DuplicateGroup> groups;
        long size;
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            groups = exact ? idx.duplicatesExact(threshold) : idx.duplicates(threshold);
            size = idx.size();
        }
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < groups.size(); i++) {
                j.raw(i == 0 ? "" : ", ").open('{').field("ids", Json.strings(groups.get(i).ids())).raw(", ")
                        .field("similarity", Json.number(groups.get(i).similarity())).close('}');
            }
            out.println(j.close(']'));
        } else {
            int images = groups.stream().mapToInt(g -> g.ids().size()).sum();
            out.printf(Locale.ROOT, "%d duplicate group%s (%d images of %d) at similarity >= %.3f%n", groups.size(),
                    groups.size() == 1 ? "" : "s", images, size, threshold);
            for (int i = 0; i < groups.size(); i++) {
                out.printf(Locale.ROOT, "group %d, similarity >= %.4f:%n", i + 1, groups.get(i).similarity());
                for (String id : groups.get(i).ids()) {
                    out.println("  " + id);
                }
            }
        }
        out.flush();
        if (html != null) {
            HtmlReport.write(html, index, threshold, size, groups);
            err().println("imgsim: wrote " + html);
        }
        return 0;
    }
}
