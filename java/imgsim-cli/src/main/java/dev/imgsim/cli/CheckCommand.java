package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.CopyHit;
import dev.imgsim.index.ImageIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim check IMAGE... --index IDX}: is each image already indexed, as itself or as a copy? */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Says for each IMAGE whether the index already holds it: the indexed images it is a verified copy of"
            + " (exact, or edited: turned, mirrored, cropped, padded, screenshotted ...), or 'not indexed'. Exit status:"
            + " 0 none found, 1 some found, 2 an error (an unreadable image, no index). Opens the index read-only.")
final class CheckCommand extends ModelCommand implements Callable<Integer> {
    /** At least one image is already indexed. */
    static final int FOUND = 1;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files to check.")
    List<Path> images;

    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "5",
            description = "At most this many matches listed per image (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--json", description = "Print a JSON list of {\"image\", \"found\", \"matches\": [{\"id\", \"copy\", \"band\","
            + " \"confidence\", \"transform\", ...}]}, or {\"image\", \"error\"} for an image that cannot be read.")
    boolean json;

    @Override
    public Integer call() {
        requirePositiveK(k);
        PrintWriter out = out();
        boolean found = false;
        boolean failed = false;
        Json j = new Json().open('[');
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            for (int i = 0; i < images.size(); i++) {
                Path image = images.get(i);
                j.raw(i == 0 ? "" : ", ").open('{').field("image", Json.string(image.toString())).raw(", ");
                CopyFeatures f = analyzeOrReport(sim, image);
                if (f == null) {
                    failed = true;
                    j.field("error", Json.string("cannot be read")).close('}');
                    if (!json) {
                        out.println(image + ": error, cannot be read");
                    }
                    continue;
                }
                List<CopyHit> copies = new ArrayList<>();
                for (CopyHit h : idx.searchCopies(f, k, CopyCalibration.defaults())) {
                    if (h.match().isCopy()) {
                        copies.add(h);
                    }
                }
                found |= !copies.isEmpty();
                j.field("found", Boolean.toString(!copies.isEmpty())).raw(", ").raw("\"matches\": ").open('[');
                for (int c = 0; c < copies.size(); c++) {
                    j.raw(c == 0 ? "" : ", ").open('{').field("id", Json.string(copies.get(c).id())).raw(", ")
                            .match(copies.get(c).match()).close('}');
                }
                j.close(']').close('}');
                if (!json) {
                    if (copies.isEmpty()) {
                        out.println(image + ": not indexed");
                    }
                    for (CopyHit h : copies) {
                        out.printf(Locale.ROOT, "%s: %s %s (confidence %.3f; %s)%n", image,
                                h.match().band().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " of", h.id(),
                                h.match().confidence(), h.match().describe());
                    }
                }
            }
        }
        if (json) {
            out.println(j.close(']'));
        }
        out.flush();
        return failed ? Main.FATAL : found ? FOUND : 0;
    }
}
