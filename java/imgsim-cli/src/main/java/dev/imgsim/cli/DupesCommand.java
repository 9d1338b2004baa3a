package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.CopyGroup;
import dev.imgsim.index.DuplicateGroup;
import dev.imgsim.index.ImageIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imgsim dupes --index IDX}: groups of copies (verified), or of look-alikes above a cosine threshold. */
@Command(name = "dupes", mixinStandardHelpOptions = true,
        description = "Prints the groups of copies in the index: images verified to be the same picture, maybe edited"
            + " (turned, mirrored, cropped, padded, screenshotted, recompressed, recoloured), each pair with its band"
            + " (exact copy or edited copy), transform and confidence; most confident groups first. With --threshold,"
            + " groups images whose embeddings' cosine is at or above it instead (look-alikes, unverified)."
            + " Optionally an HTML report with thumbnails.")
final class DupesCommand extends ModelCommand implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @Option(names = "--threshold", paramLabel = "T",
            description = "Group by raw cosine similarity at or above T (for example 0.95) instead of verified copies.")
    Double threshold;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report with thumbnails.")
    Path html;

    @Option(names = "--exact", description = "With --threshold: compare every pair exactly instead of searching the HNSW graph.")
    boolean exact;

    @Option(names = "--json", description = "Print a JSON list of groups: {\"ids\": [...], \"confidence\", \"pairs\": [{\"a\", \"b\","
            + " \"similarity\", \"copy\", \"band\", \"confidence\", \"transform\", ...}]}; with --threshold {\"ids\", \"similarity\"}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (threshold != null && !(threshold >= -1 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be within [-1, 1], got " + threshold);
        }
        if (exact && threshold == null) {
            throw new IllegalArgumentException("--exact needs --threshold (verified copies always search the graph)");
        }
        if (threshold == null) {
            return copies();
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
            List<HtmlReport.Group> sections = new ArrayList<>();
            for (DuplicateGroup g : groups) {
                sections.add(new HtmlReport.Group(String.format(Locale.ROOT, "%d images, similarity &ge; %.4f", g.ids().size(),
                        g.similarity()), g.ids(), List.of()));
            }
            HtmlReport.write(html, index, String.format(Locale.ROOT, "cosine similarity &ge; %.3f", threshold), size, sections);
            err().println("imgsim: wrote " + html);
        }
        return 0;
    }

    private int copies() throws Exception {
        PrintWriter out = out();
        List<CopyGroup> groups;
        long size;
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            groups = idx.copies();
            size = idx.size();
        }
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < groups.size(); i++) {
                CopyGroup g = groups.get(i);
                j.raw(i == 0 ? "" : ", ").open('{').field("ids", Json.strings(g.ids())).raw(", ")
                        .field("confidence", Json.number(g.confidence())).raw(", \"pairs\": [");
                for (int p = 0; p < g.pairs().size(); p++) {
                    CopyGroup.Pair pair = g.pairs().get(p);
                    j.raw(p == 0 ? "" : ", ").open('{').field("a", Json.string(pair.first())).raw(", ")
                            .field("b", Json.string(pair.second())).raw(", ").match(pair.match()).close('}');
                }
                j.raw("]").close('}');
            }
            out.println(j.close(']'));
        } else {
            int images = groups.stream().mapToInt(g -> g.ids().size()).sum();
            out.printf(Locale.ROOT, "%d copy group%s (%d images of %d), verified%n", groups.size(), groups.size() == 1 ? "" : "s",
                    images, size);
            for (int i = 0; i < groups.size(); i++) {
                CopyGroup g = groups.get(i);
                out.printf(Locale.ROOT, "group %d, confidence >= %.3f:%n", i + 1, g.confidence());
                for (String id : g.ids()) {
                    out.println("  " + id);
                }
                for (CopyGroup.Pair p : g.pairs()) {
                    out.printf(Locale.ROOT, "  - %s -> %s: %s, similarity %.4f%n", p.first(), p.second(), p.match().describe(),
                            p.match().similarity());
                }
            }
        }
        out.flush();
        if (html != null) {
            List<HtmlReport.Group> sections = new ArrayList<>();
            for (CopyGroup g : groups) {
                List<String> notes = new ArrayList<>();
                for (CopyGroup.Pair p : g.pairs()) {
                    notes.add(p.second() + " is " + p.match().describe() + " of " + p.first());
                }
                sections.add(new HtmlReport.Group(String.format(Locale.ROOT, "%d images, confidence &ge; %.3f", g.ids().size(),
                        g.confidence()), g.ids(), notes));
            }
            HtmlReport.write(html, index, "verified copies", size, sections);
            err().println("imgsim: wrote " + html);
        }
        return 0;
    }
}
