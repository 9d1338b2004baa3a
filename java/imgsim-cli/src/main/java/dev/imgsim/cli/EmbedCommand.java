package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.imgsim.ImageSimilarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim embed FILE}: the embedding of one image. */
@Command(name = "embed", mixinStandardHelpOptions = true, description = "Prints the embedding of an image file.")
final class EmbedCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Image file.")
    Path file;

    @Option(names = "--json", description = "Print a JSON list of numbers.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        try (ImageSimilarity sim = model.open()) {
            float[] e = embedOrReport(sim, file);
            if (e == null) {
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
