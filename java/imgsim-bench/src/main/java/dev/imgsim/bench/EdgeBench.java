package dev.imgsim.bench;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImageSimilarity.BundledModel;

/** FP32 vs INT8 through imgsim: single-image latency and batch throughput (docs/EDGE.md). */
public final class EdgeBench {
    private EdgeBench() {}

    public static void main(String[] args) throws Exception {
        Bench b = new Bench(Arrays.asList(args).contains("--quick"));
        BufferedImage img = Bench.photo(224, 224, BufferedImage.TYPE_INT_RGB);
        List<BufferedImage> batch = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            batch.add(img);
        }
        System.out.println("| imgsim | FP32 | INT8 | INT8 / FP32 |");
        System.out.println("|---|---|---|---|");
        double[][] r = new double[2][4];
        BundledModel[] models = {BundledModel.DEFAULT, BundledModel.INT8};
        for (int m = 0; m < 2; m++) {
            try (ImageSimilarity s = ImageSimilarity.builder().model(models[m]).build();
                    ImageSimilarity s1 = ImageSimilarity.builder().model(models[m]).intraOpThreads(1).build()) {
                r[m][0] = b.time(() -> s.embed(img), b.warmup, b.iters)[0];
                r[m][1] = b.time(() -> s1.embed(img), b.warmup, b.iters)[0];
                r[m][2] = 64 / (b.time(() -> s.embedAll(batch), 1, 5)[0] / 1000);
                r[m][3] = b.throughput(new Bench.Imgsim(s), batch, 2);
            }
        }
        String[] names = {"single image, defaults (ms, median)", "single image, intraOpThreads(1) (ms, median)",
            "embedAll of 64, 1 caller (images/s)", "64 images, 2 callers (images/s)"};
        for (int i = 0; i < 4; i++) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", names[i], r[0][i], r[1][i], r[1][i] / r[0][i]);
        }
    }
}
