package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.Match;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim compare A B}: the cosine similarity of two image files and whether B is a copy of A. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Prints the cosine similarity of two images, in [-1, 1] (1 means the same content), then the verified"
            + " decision: exact copy, edited copy (with the turn or mirror and the crop found), similar or different,"
            + " and its confidence.")
final class CompareCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "First image file.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Second image file.")
    Path b;

    @Option(names = "--json", description = "Print {\"a\", \"b\", \"similarity\", \"copy\", \"band\", \"confidence\", \"transform\","
            + " \"verification\", \"alignment\", \"area\", \"hue_mismatch\", \"description\"}.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        try (ImageSimilarity sim = model.open()) {
            CopyFeatures fa = analyzeOrReport(sim, a);
            CopyFeatures fb = fa == null ? null : analyzeOrReport(sim, b);
            if (fb == null) {
                return Main.SOME_FAILED;
            }
            Match m = ImageSimilarity.verify(fa, fb);
            if (json) {
                out.println(new Json().open('{').field("a", Json.string(a.toString())).raw(", ").field("b", Json.string(b.toString()))
                        .raw(", ").match(m).close('}'));
            } else {
                out.printf(Locale.ROOT, "%.4f  %s%n", m.similarity(), m.describe());
            }
        }
        out.flush();
        return 0;
    }
}
