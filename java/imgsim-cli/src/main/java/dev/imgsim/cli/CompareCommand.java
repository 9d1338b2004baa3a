package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.ImageDecodeException;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImageTooLargeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code imgsim compare A B}: the cosine similarity of two image files. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Prints the cosine similarity of two images, in [-1, 1]; 1 means the same content.")
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "First image file.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "Second image file.")
    Path b;

    @Option(names = "--json", description = "Print {\"a\", \"b\", \"similarity\"}.")
    boolean json;

    @Mixin
    ModelOptions model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ImageSimilarity sim = model.open()) {
            double s;
            try {
                s = ImageSimilarity.cosine(sim.embed(a), sim.embed(b));
            } catch (ImageDecodeException | ImageTooLargeException e) {
                spec.commandLine().getErr().println("imgsim: " + e.getMessage());
                return Main.SOME_FAILED;
            }
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
