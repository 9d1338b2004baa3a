package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.imgsim.ImageSimilarity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code imgsim matrix DIR}: the similarity matrix of the images in a folder. */
@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = "Prints the cosine-similarity matrix of the images under DIR (recursively, files named like images); files that cannot be decoded are reported and left out.")
final class MatrixCommand extends ModelCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Folder of images.")
    Path dir;

    @Option(names = "--json", description = "Print {\"files\": [...], \"matrix\": [[...], ...]}.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        PrintWriter err = err();
        Files2.Listing listing = Files2.walk(dir, false);
        int failed = listing.unreadable.size();
        listing.unreadable.forEach((p, why) -> err.println("imgsim: " + p + " " + why));
        List<String> names = new ArrayList<>();
        List<float[]> emb = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ImageSimilarity sim = model.open()) {
            for (Path f : listing.files) {
                float[] e = embedOrReport(sim, f);
                if (e == null) {
                    failed++;
                } else {
                    emb.add(e);
                    names.add(f.toString());
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (json) {
                Json j = new Json().open('{').field("files", Json.strings(names)).raw(", \"matrix\": [");
                for (int i = 0; i < emb.size(); i++) {
                    j.raw(i == 0 ? "[" : ", [");
                    for (int k = 0; k < emb.size(); k++) {
                        j.raw(k == 0 ? "" : ", ").raw(Json.number(ImageSimilarity.cosine(emb.get(i), emb.get(k))));
                    }
                    j.raw("]");
                }
                out.println(j.raw("]").close('}'));
            } else {
                out.printf(Locale.ROOT, "Cosine similarity of %d images in %s (%d-dim embeddings, %d ms, ONNX Runtime %s)%n",
                        emb.size(), dir, sim.embeddingSize(), ms, ImageSimilarity.onnxRuntimeVersion());
                int width = 8;
                for (String n : names) {
                    width = Math.max(width, Path.of(n).getFileName().toString().length() + 5);
                }
                out.printf(Locale.ROOT, "%-" + width + "s", "");
                for (int i = 0; i < names.size(); i++) {
                    out.printf(Locale.ROOT, " %6s", "[" + i + "]");
                }
                out.println();
                for (int i = 0; i < names.size(); i++) {
                    out.printf(Locale.ROOT, "%-" + width + "s", "[" + i + "] " + Path.of(names.get(i)).getFileName());
                    for (int k = 0; k < names.size(); k++) {
                        out.printf(Locale.ROOT, " %6.3f", ImageSimilarity.cosine(emb.get(i), emb.get(k)));
                    }
                    out.println();
                }
            }
        }
        out.flush();
        return failed == 0 ? 0 : Main.SOME_FAILED;
    }
}
