package dev.imgsim.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.imgsim.ImageSimilarity;

/**
 * Per-image latency of model files through the library, one ONNX Runtime thread and the
 * defaults, in alternating rounds (each model timed once per round; medians over rounds), for the
 * speed/quality table of docs/QUALITY.md: {@code gradle modelSpeedBench -PbenchArgs="a.onnx b.onnx"}.
 * The image is a 1024x768 photo, so the figures include decoding-free preprocessing (resize to
 * each model's input size) as users get it from {@code embed(BufferedImage)}.
 */
public final class ModelSpeedBench {
    private ModelSpeedBench() {}

    public static void main(String[] args) throws Exception {
        List<Path> models = new ArrayList<>();
        int rounds = 5;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--rounds")) {
                rounds = Integer.parseInt(args[++i]);
            } else {
                models.add(Paths.get(args[i]));
            }
        }
        if (models.isEmpty()) {
            System.err.println("usage: ModelSpeedBench [--rounds N] MODEL.onnx...");
            System.exit(2);
        }
        Bench b = new Bench(false);
        BufferedImage img = Bench.photo(1024, 768, BufferedImage.TYPE_INT_RGB);
        int n = models.size();
        ImageSimilarity[] one = new ImageSimilarity[n];
        ImageSimilarity[] dflt = new ImageSimilarity[n];
        double[][] r1 = new double[n][rounds];
        double[][] rd = new double[n][rounds];
        try {
            for (int m = 0; m < n; m++) {
                one[m] = ImageSimilarity.builder().model(models.get(m)).intraOpThreads(1).build();
                dflt[m] = ImageSimilarity.builder().model(models.get(m)).build();
            }
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < n; k++) {
                    int m = (k + r) % n; // rotate the order so no model always follows the same one
                    ImageSimilarity s1 = one[m];
                    ImageSimilarity sd = dflt[m];
                    r1[m][r] = b.time(() -> s1.embed(img), 10, 40)[0];
                    rd[m][r] = b.time(() -> sd.embed(img), 10, 40)[0];
                }
            }
        } finally {
            for (int m = 0; m < n; m++) {
                if (one[m] != null) {
                    one[m].close();
                }
                if (dflt[m] != null) {
                    dflt[m].close();
                }
            }
        }
        System.out.println("| model | input | 1 thread, ms (median of " + rounds + " rounds) | defaults, ms | x first model (1 thread) |");
        System.out.println("|---|---|---|---|---|");
        double base = Stats.median(r1[0]);
        for (int m = 0; m < n; m++) {
            try (ImageSimilarity s = ImageSimilarity.create(models.get(m))) {
                System.out.printf(Locale.ROOT, "| %s | %dx%d | %.2f | %.2f | %.2f |%n", models.get(m).getFileName(),
                        s.inputWidth(), s.inputHeight(), Stats.median(r1[m]), Stats.median(rd[m]), Stats.median(r1[m]) / base);
            }
        }
    }

}
