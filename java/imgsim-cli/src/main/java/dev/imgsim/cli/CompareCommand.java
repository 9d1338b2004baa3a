package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.ImageSimilarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim compare A B}: the cosine similarity of two image files. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Prints the cosine similarity of two images, in [-1, 1]; 1 means the same content.")
final class CompareCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "First image file.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Second image file.")
    Path b;

    @Option(names = "--json", description = "Print {\"a\", \"b\", \"similarity\"}.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        try (ImageSimilarity sim = model.open()) {
            float[] ea = embedOrReport(sim, a);
            float[] eb = ea == null ? null : embedOrReport(sim, b);
            if (eb == null) {
                return Main.SOME_FAILED;
            }
            double s = ImageSimilarity.cosine(ea, eb);
            if (json) {
                out.println(new Json().open('{').field("a", Json.string(a.toString())).raw(", ").field("b", Json.string(b.toString()))
                        .raw(", ").field("similarity", Json.number(s)).close('}'));
            } else {
                out.printf(Locale.ROOT, "%.4f%n", s);
            }
        }
        out.flush();
        return 0;
    }
}
