package dev.imgsim.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.imgsim.ImageSimilarity;

/**
 * Command line: {@code matrix <folder>} prints the similarity matrix of the images in a folder;
 * {@code compare <a> <b>} prints the similarity of two image files; {@code embed <file>} prints an
 * embedding. Add {@code --model <file.onnx>} first to use another model than the bundled one.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        List<String> args = new ArrayList<>(List.of(argv));
        Path model = null;
        if (args.size() >= 2 && args.get(0).equals("--model")) {
            model = Paths.get(args.get(1));
            args = args.subList(2, args.size());
        }
        if (args.isEmpty()) {
            return usage(err);
        }
        try (ImageSimilarity sim = model == null ? ImageSimilarity.create() : ImageSimilarity.create(model)) {
            switch (args.get(0)) {
                case "matrix":
                    if (args.size() != 2) {
                        return usage(err);
                    }
                    matrix(sim, Paths.get(args.get(1)), out);
                    return 0;
                case "compare":
                    if (args.size() != 3) {
                        return usage(err);
                    }
                    out.printf(Locale.ROOT, "%.4f%n", ImageSimilarity.cosine(sim.embed(Paths.get(args.get(1))),
                            sim.embed(Paths.get(args.get(2)))));
                    return 0;
                case "embed":
                    if (args.size() != 2) {
                        return usage(err);
                    }
                    float[] e = sim.embed(Paths.get(args.get(1)));
                    StringBuilder sb = new StringBuilder();
                    for (float v : e) {
                        sb.append(sb.length() == 0 ? "" : " ").append(v);
                    }
                    out.println(sb);
                    return 0;
                default:
                    return usage(err);
            }
        }
    }

    private static void matrix(ImageSimilarity sim, Path folder, PrintStream out) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT)
                    .matches(".*\\.(jpe?g|png|bmp|gif|webp)")).sorted().collect(Collectors.toList());
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no images in " + folder);
        }
        long t0 = System.nanoTime();
        float[][] emb = new float[files.size()][];
        for (int i = 0; i < files.size(); i++) {
            emb[i] = sim.embed(files.get(i));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        int width = 8;
        for (Path p : files) {
            width = Math.max(width, p.getFileName().toString().length() + 5);
        }
        out.printf(Locale.ROOT, "Cosine similarity of %d images in %s (%d-dim embeddings, %d ms, ONNX Runtime %s)%n",
                files.size(), folder, sim.embeddingSize(), ms, ImageSimilarity.onnxRuntimeVersion());
        out.printf(Locale.ROOT, "%-" + width + "s", "");
        for (int j = 0; j < files.size(); j++) {
            out.printf(Locale.ROOT, " %6s", "[" + j + "]");
        }
        out.println();
        for (int i = 0; i < files.size(); i++) {
            out.printf(Locale.ROOT, "%-" + width + "s", "[" + i + "] " + files.get(i).getFileName());
            for (int j = 0; j < files.size(); j++) {
                out.printf(Locale.ROOT, " %6.3f", ImageSimilarity.cosine(emb[i], emb[j]));
            }
            out.println();
        }
    }

    private static int usage(PrintStream err) {
        err.println("usage: [--model file.onnx] matrix <folder> | compare <a> <b> | embed <file>");
        return 2;
    }
}
