package dev.imgsim.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;

/**
 * What copy detection costs at ingestion: a folder of images embedded ({@code embed(Path)}, what
 * {@code addAll} did before) and analysed ({@code analyze(Path)}: both embeddings and the
 * fingerprint, what it does now) by one thread per core, alternating, several rounds; then the
 * verification of stored features, whole pictures and with the part search, on one thread.
 * Prints images/s medians and the ratio.
 *
 * <pre>gradle copyCostBench -PbenchArgs="DIR [--rounds 5]"</pre>
 */
public final class CopyCostBench {
    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args.length > 0 ? args[0] : "build/bench/photos/large-8-12mp");
        int rounds = args.length > 2 && args[1].equals("--rounds") ? Integer.parseInt(args[2]) : 5;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|webp)")).sorted()
                    .collect(Collectors.toList());
        }
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "%d images in %s, %d threads, %d rounds%n", files.size(), dir, threads, rounds);
        try (ImageSimilarity sim = ImageSimilarity.builder().sessionPoolSize(threads).build()) {
            run(files, threads, f -> sim.embed(f)); // warm-up
            double[] embed = new double[rounds];
            double[] analyze = new double[rounds];
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                embed[r] = files.size() / run(files, threads, f -> sim.embed(f));
                analyze[r] = files.size() / run(files, threads, f -> sim.analyze(f));
                ratio[r] = embed[r] / analyze[r];
                System.out.printf(Locale.ROOT, "round %d: embed %.1f images/s, analyze %.1f images/s (%.2fx the time)%n", r + 1,
                        embed[r], analyze[r], ratio[r]);
            }
            System.out.printf(Locale.ROOT, "median: embed %.1f images/s, analyze %.1f images/s; analyze takes %.2fx the time "
                    + "(median of per-round ratios)%n", Stats.median(embed), Stats.median(analyze), Stats.median(ratio));
            List<CopyFeatures> feats = new ArrayList<>();
            for (Path f : files.subList(0, Math.min(40, files.size()))) {
                feats.add(sim.analyze(f));
            }
            double[] whole = new double[5];
            double[] parts = new double[5];
            dev.imgsim.CopyCalibration cal = dev.imgsim.CopyCalibration.defaults();
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                int n = 0;
                for (CopyFeatures a : feats) {
                    for (CopyFeatures b : feats) {
                        cal.verify(a, b, false);
                        n++;
                    }
                }
                whole[r] = (System.nanoTime() - t0) / 1e3 / n;
                t0 = System.nanoTime();
                n = 0;
                for (int i = 0; i + 1 < feats.size(); i += 2) {
                    // always search parts: a pair of different photos is below the whole threshold
                    cal.verify(feats.get(i), feats.get(i + 1), true);
                    n++;
                }
                parts[r] = (System.nanoTime() - t0) / 1e3 / n;
            }
            System.out.printf(Locale.ROOT, "verification of stored features, 1 thread: whole pictures %.0f us a pair; verify(a, b, true) on pairs of different photos "
                    + "(parts searched only where their cosine is >= 0.6) %.0f us a pair (medians of 5 rounds)%n",
                    Stats.median(whole), Stats.median(parts));
        }
    }

    /** Seconds to process every file on {@code threads} threads. */
    private static double run(List<Path> files, int threads, Consumer<Path> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < files.size()) {
                    work.accept(files.get(i));
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e9;
    }

}
