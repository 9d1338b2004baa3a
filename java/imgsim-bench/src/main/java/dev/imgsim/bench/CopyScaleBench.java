package dev.imgsim.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.CopyGroup;
import dev.imgsim.index.CopyHit;
import dev.imgsim.index.ImageIndex;

/**
 * Copy detection over a built index (e.g. the 100,000 images of {@code python/dupes_scale.py
 * --prepare}, docs/SCALE.md): the verified copy search per query on one thread (the query's
 * analysis timed apart), then the verified duplicates of the whole index ({@code copies()}, what
 * {@code imgsim dupes} runs) on the index's default threads. Queries: image files under QUERY_DIR
 * whose names start with PREFIX (the planted copies, {@code copy-}), the first N in name order.
 *
 * <pre>gradle copyScaleBench -PbenchArgs="INDEX_DIR QUERY_DIR [--prefix copy-] [--queries 200] [--no-duplicates]"</pre>
 */
public final class CopyScaleBench {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: INDEX_DIR QUERY_DIR [--prefix copy-] [--queries 200] [--no-duplicates]");
            System.exit(2);
        }
        Path dir = Paths.get(args[0]);
        Path queries = Paths.get(args[1]);
        List<String> rest = Arrays.asList(args).subList(2, args.length);
        String prefix = option(rest, "--prefix", "copy-");
        int n = Integer.parseInt(option(rest, "--queries", "200"));
        List<Path> files;
        try (Stream<Path> s = Files.walk(queries)) {
            files = s.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> p.toString().toLowerCase(Locale.ROOT).matches(".*\\.(jpe?g|png|webp)"))
                    .sorted(java.util.Comparator.comparing(p -> p.getFileName().toString())).limit(n).collect(Collectors.toList());
        }
        try (ImageSimilarity sim = ImageSimilarity.builder().build(); ImageIndex index = ImageIndex.openReadOnly(dir, sim)) {
            System.out.printf(Locale.ROOT, "index %s: %,d images; %d queries (%s*) from %s; %d cores%n", dir, index.size(), files.size(),
                    prefix, queries, Runtime.getRuntime().availableProcessors());
            double[] analyze = new double[files.size()];
            List<CopyFeatures> feats = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                long t = System.nanoTime();
                feats.add(sim.analyze(files.get(i)));
                analyze[i] = (System.nanoTime() - t) / 1e6;
            }
            for (int i = 0; i < Math.min(20, feats.size()); i++) {
                index.searchCopies(feats.get(i), 10, CopyCalibration.defaults()); // warm-up
            }
            double[] search = new double[feats.size()];
            int copyFirst = 0;
            for (int i = 0; i < feats.size(); i++) {
                long t = System.nanoTime();
                List<CopyHit> hits = index.searchCopies(feats.get(i), 10, CopyCalibration.defaults());
                search[i] = (System.nanoTime() - t) / 1e6;
                copyFirst += !hits.isEmpty() && hits.get(0).match().isCopy() ? 1 : 0;
            }
            System.out.printf(Locale.ROOT, "query analysis (both embeddings + fingerprint), 1 thread: median %.1f ms, p90 %.1f ms%n",
                    Stats.median(analyze), percentile(analyze, 0.9));
            System.out.printf(Locale.ROOT, "verified copy search (k = 10), 1 thread: median %.1f ms, p90 %.1f ms, p99 %.1f ms; "
                    + "a copy at rank 1 for %d of %d queries%n", Stats.median(search), percentile(search, 0.9), percentile(search, 0.99),
                    copyFirst, feats.size());
            if (!rest.contains("--no-duplicates")) {
                long t = System.nanoTime();
                List<CopyGroup> groups = index.copies();
                double s = (System.nanoTime() - t) / 1e9;
                int images = groups.stream().mapToInt(g -> g.ids().size()).sum();
                System.out.printf(Locale.ROOT, "verified duplicates (copies()): %.1f s, %,d groups of %,d images%n", s, groups.size(), images);
            }
        }
    }

    private static String option(List<String> args, String name, String otherwise) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : otherwise;
    }

    private static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)];
    }
}
