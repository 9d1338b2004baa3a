package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code imgsim embed FILE}: the embedding of one image. */
@Command(name = "embed", mixinStandardHelpOptions = true, description = "Prints the embedding of an image file.")
final class EmbedCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Option(names = "--json", description = "Print a JSON list of numbers.")
    boolean json;

    @Mixin
    ModelOptions model;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ImageSimilarity sim = model.open()) {
            float[] e;
            try {
                e = sim.embed(file);
            } catch (ImageDecodeException | ImageTooLargeException x) {
                spec.commandLine().getErr().println("imgsim: " + x.getMessage());
                return Main.SOME_FAILED;
            }
            StringBuilder sb = new StringBuilder(json ? "[" : "");
            for (int i = 0; i < e.length; i++) {
                sb.append(i == 0 ? "" : json ? ", " : " ").append(e[i]);
            }
            out.println(json ? sb.append(']') : sb);
        }
        out.flush();
        return 0;
    }
}
