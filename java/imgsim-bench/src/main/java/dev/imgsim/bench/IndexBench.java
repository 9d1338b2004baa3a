package dev.imgsim.bench;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.Vectors;
import dev.imgsim.index.DuplicateGroup;
import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.IndexOptions;
import dev.imgsim.index.VectorIndex;
import dev.imgsim.index.IndexReport;

/**
 * {@code gradle indexBench}: ingestion of real photo folders (imgsim's addAll against ORT Java +
 * ImageIO + Graphics2D in a thread pool), search at scale (float and int8 HNSW against exact
 * search), and duplicates (graph against the exact all-pairs scan). Prints tables and writes
 * build/bench/index-results.json. Options: --quick, --only ingest|search|dupes,
 * --sizes 100000,1000000.
 */
public final class IndexBench {
    static final int DIM = 512;
    static final PrintStream OUT = System.out;
    static final int CORES = Runtime.getRuntime().availableProcessors();

    final boolean quick;
    final Map<String, Object> results = new LinkedHashMap<>();

    IndexBench(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        boolean quick = a.contains("--quick");
        String only = a.contains("--only") ? a.get(a.indexOf("--only") + 1) : "all";
        List<Integer> sizes = new ArrayList<>();
        if (a.contains("--sizes")) {
            for (String s : a.get(a.indexOf("--sizes") + 1).split(",")) {
                sizes.add(Integer.parseInt(s.trim()));
            }
        } else {
            sizes.add(100_000);
            if (!quick) {
                sizes.add(1_000_000);
            }
        }
        IndexBench b = new IndexBench(quick);
        b.results.put("machine", Bench.cpuName() + ", " + CORES + " cores");
        b.results.put("quick", quick);
        OUT.printf(Locale.ROOT, "imgsim index benchmark on %s, %d cores, JDK %s%n", Bench.cpuName(), CORES,
                System.getProperty("java.version"));
        if (only.equals("all") || only.equals("ingest")) {
            b.ingest();
        }
        if (only.equals("all") || only.equals("search")) {
            for (int n : sizes) {
                b.search(n);
            }
        }
        if (only.equals("all") || only.equals("dupes")) {
            b.dupes(quick ? 20_000 : 100_000, quick ? 5_000 : 20_000);
        }
        String suffix = only.equals("all") ? "" : "-" + only + (only.equals("search") ? "-" + sizes.stream()
                .map(String::valueOf).collect(Collectors.joining("-")) : "");
        Path json = Paths.get("build/bench/index-results" + suffix + ".json");
        Files.createDirectories(json.getParent());
        Files.write(json, Bench.toJson(b.results).getBytes(StandardCharsets.UTF_8));
        OUT.println("wrote " + json);
    }

    // ---------------------------------------------------------------- ingestion

    void ingest() throws Exception {
        Path src = Paths.get(".cache/bench/src");
        if (!Files.isDirectory(src)) {
            OUT.println("ingestion: no photos; run java/imgsim-bench/fetch-photos.sh first");
            return;
        }
        int per = quick ? 60 : 260;
        Path large = prepare(src, Paths.get("build/bench/photos/large-8-12mp"), per, 8e6, 12e6, 1);
        Path small = prepare(src, Paths.get("build/bench/photos/small-2-3mp"), per, 2e6, 3e6, 2);
        OUT.println();
        OUT.println("Ingestion: images/s into a new index, median of " + (quick ? 1 : 3) + " rounds; limit = cores / (decode + resize + inference"
                + " time per image on one thread)");
        OUT.println("| folder | files | imgsim addAll | ORT Java + ImageIO pool | ratio | 1-thread ms/image | limit | efficiency |"
                + " addAll, copyFeatures(false) | its ratio | its efficiency |");
        OUT.println("|---|---|---|---|---|---|---|---|---|---|---|");
        Map<String, Object> r = new LinkedHashMap<>();
        for (Path folder : List.of(large, small)) {
            r.put(folder.getFileName().toString(), ingestFolder(folder));
        }
        results.put("ingestion", r);
    }

    Map<String, Object> ingestFolder(Path folder) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.sorted().collect(Collectors.toList());
        }
        int rounds = quick ? 1 : 3;
        // stage time: decode + resize + inference of one image on one core, imgsim's own path
        double oneThreadMs;
        try (ImageSimilarity one = ImageSimilarity.builder().intraOpThreads(1).sessionPoolSize(1).build()) {
            for (int i = 0; i < 3; i++) {
                one.embed(files.get(i));
            }
            int n = Math.min(files.size(), quick ? 20 : 40);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                one.embed(files.get(i));
            }
            oneThreadMs = (System.nanoTime() - t0) / 1e6 / n;
        }
        List<Double> mine = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        List<Double> theirs = new ArrayList<>();
        try (ImageSimilarity sim = ImageSimilarity.create(); Bench.OrtJava ort = new Bench.OrtJava(1)) {
            for (int i = 0; i < 4; i++) {
                sim.embed(files.get(i));
                ort.embedFile(files.get(i));
            }
            for (int round = 0; round < rounds; round++) {
                theirs.add(baseline(ort, files));
                mine.add(ingest(sim, files, IndexOptions.defaults()));
                // for "more like this" only: the embedding alone, as the baseline computes it
                plain.add(ingest(sim, files, IndexOptions.builder().copyFeatures(false).build()));
            }
        }
        double m = median(mine);
        double p = median(plain);
        double t = median(theirs);
        double limit = CORES * 1000.0 / oneThreadMs;
        OUT.printf(Locale.ROOT, "| %s | %d | %.1f images/s | %.1f images/s | %.2fx | %.1f | %.1f images/s | %.0f %% | %.1f images/s | %.2fx | %.0f %% |%n",
                folder.getFileName(), files.size(), m, t, m / t, oneThreadMs, limit, 100 * m / limit, p, p / t, 100 * p / limit);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("files", files.size());
        r.put("imgsim_images_per_s", mine);
        r.put("imgsim_without_copy_features_images_per_s", plain);
        r.put("baseline_images_per_s", theirs);
        r.put("ratio", m / t);
        r.put("one_thread_ms_per_image", oneThreadMs);
        r.put("limit_images_per_s", limit);
        r.put("efficiency", m / limit);
        return r;
    }

    /** {@code addAll} of the files into a new index under {@code options}: images/s. */
    static double ingest(ImageSimilarity sim, List<Path> files, IndexOptions options) throws Exception {
        Path dir = Files.createTempDirectory("imgsim-bench-index");
        try (ImageIndex index = ImageIndex.open(dir, sim, options)) {
            IndexReport rep = index.addAll(files, null);
            if (!rep.failures().isEmpty()) {
                throw new IllegalStateException("ingestion failed: " + rep.failures());
            }
            return rep.imagesPerSecond();
        } finally {
            deleteTree(dir);
        }
    }

    /** ORT Java the usual way: ImageIO.read + Graphics2D resize + one session, a pool of one thread per core. */
    static double baseline(Bench.OrtJava ort, List<Path> files) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CORES);
        Map<Path, float[]> out = new ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (Path f : files) {
            fs.add(pool.submit(() -> {
                out.put(f, ort.embedFile(f));
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        if (out.size() != files.size()) {
            throw new IllegalStateException("baseline lost images");
        }
        return files.size() / s;
    }

    /**
     * A folder of {@code count} JPEGs (quality 90) of {@code minPixels..maxPixels}, each a random
     * crop (70-100 % of the area) of a real photo, resized: as many distinct files as a test
     * needs from the few dozen photos Debian packages hold.
     */
    static Path prepare(Path src, Path dst, int count, double minPixels, double maxPixels, long seed) throws Exception {
        if (Files.isDirectory(dst)) {
            try (Stream<Path> s = Files.list(dst)) {
                if (s.count() == count) {
                    return dst;
                }
            }
            deleteTree(dst);
        }
        Files.createDirectories(dst);
        List<Path> sources;
        try (Stream<Path> s = Files.list(src)) {
            sources = s.filter(p -> p.toString().toLowerCase(Locale.ROOT).endsWith(".jpg")).sorted().collect(Collectors.toList());
        }
        OUT.printf(Locale.ROOT, "preparing %d JPEGs of %.0f-%.0f MP from %d photos in %s%n", count, minPixels / 1e6,
                maxPixels / 1e6, sources.size(), src);
        inParallel(sources.size(), i -> {
            BufferedImage photo = ImageIO.read(sources.get(i).toFile());
            if (photo == null) {
                return;
            }
            Random rnd = new Random(seed * 7919 + i);
            for (int k = i; k < count; k += sources.size()) {
                double area = 0.7 + 0.3 * rnd.nextDouble();
                int cw = (int) (photo.getWidth() * Math.sqrt(area));
                int ch = (int) (photo.getHeight() * Math.sqrt(area));
                int x = rnd.nextInt(photo.getWidth() - cw + 1);
                int y = rnd.nextInt(photo.getHeight() - ch + 1);
                double pixels = minPixels + (maxPixels - minPixels) * rnd.nextDouble();
                double s = Math.sqrt(pixels / ((double) cw * ch));
                int w2 = (int) Math.round(cw * s);
                int h2 = (int) Math.round(ch * s);
                BufferedImage out = new BufferedImage(w2, h2, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = out.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g.drawImage(photo.getSubimage(x, y, cw, ch), 0, 0, w2, h2, null);
                g.dispose();
                writeJpeg(out, dst.resolve(String.format(Locale.ROOT, "photo-%04d.jpg", k)), 0.9f);
            }
        });
        return dst;
    }

    static void writeJpeg(BufferedImage img, Path file, float quality) throws IOException {
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpg").next();
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(out);
            w.write(null, new IIOImage(img, null, null), p);
        } finally {
            w.dispose();
        }
    }

    // ---------------------------------------------------------------- search at scale

    /**
     * Synthetic embeddings: a mixture of {@code clusters} Gaussian clusters in {@value #DIM}
     * dimensions with a decaying spectrum (variance of dimension j proportional to 1 / (1 + j / 16),
     * as in PCA-reduced image embeddings), cluster spread 0.6 of the centres' (same-cluster
     * cosine about 0.7), L2-normalised. Vector i depends only on (seed, i), so any thread can make any.
     */
    static final class Mixture {
        final float[][] centres;
        final float[] scale = new float[DIM];
        final long seed;

        Mixture(long seed, int clusters) {
            this.seed = seed;
            for (int j = 0; j < DIM; j++) {
                scale[j] = (float) (1 / Math.sqrt(1 + j / 16.0));
            }
            centres = new float[clusters][DIM];
            Random rnd = new Random(seed);
            for (float[] c : centres) {
                for (int j = 0; j < DIM; j++) {
                    c[j] = (float) (rnd.nextGaussian() * scale[j]);
                }
            }
        }

        float[] vector(long i) {
            SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            float[] c = centres[rnd.nextInt(centres.length)];
            float[] v = new float[DIM];
            for (int j = 0; j < DIM; j++) {
                v[j] = (float) (c[j] + 0.6 * gaussian(rnd) * scale[j]);
            }
            return Vectors.normalise(v);
        }
    }

    static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    void search(int n) throws Exception {
        Mixture data = new Mixture(42, 1000);

        int nq = quick ? 100 : n >= 1_000_000 ? 200 : 500;
        float[][] q = new float[nq][];
        for (int i = 0; i < nq; i++) {
            q[i] = data.vector(-1 - i); // the same clusters, points not in the index
        }
        OUT.println();
        OUT.printf(Locale.ROOT, "Search at %,d vectors of %d dimensions (Gaussian mixture, 1,000 clusters), %d queries, k = 10%n", n, DIM, nq);
        Map<String, Object> r = new LinkedHashMap<>();
        List<List<String>> truth = null;
        List<String[]> rows = new ArrayList<>();
        List<String[]> tradeoff = new ArrayList<>();
        for (IndexOptions.Encoding enc : IndexOptions.Encoding.values()) {
            Path dir = Paths.get("build/bench/vectors-" + n + "-" + enc.name().toLowerCase(Locale.ROOT));
            deleteTree(dir);
            IndexOptions opts = IndexOptions.builder().encoding(enc).mergeThreads(CORES).ramBufferMB(1024).build();
            System.gc();
            long t0 = System.nanoTime();
            double addS;
            try (VectorIndex index = VectorIndex.open(dir, "synthetic-mixture-42", DIM, opts)) {
                inParallel(n, i -> index.add("v" + i, data.vector(i), Collections.emptyMap()));
                index.commit();
                addS = (System.nanoTime() - t0) / 1e9;
                index.optimize();
            }
            double buildS = (System.nanoTime() - t0) / 1e9;
            long disk = treeSize(dir);
            try (VectorIndex index = VectorIndex.open(dir, "synthetic-mixture-42", DIM, opts)) {
                if (truth == null) {
                    truth = exactTruth(index, q, rows, n);
                }
                // warm the page cache and the JIT
                for (float[] x : q) {
                    index.search(x, 10);
                }
                for (int cand : quick ? new int[] {10, 50, 100} : new int[] {10, 20, 50, 100, 200, 400}) {
                    double[] lat = new double[nq];
                    double recall = 0;
                    for (int i = 0; i < nq; i++) {
                        long s0 = System.nanoTime();
                        List<Hit> hits = index.search(q[i], 10, cand);
                        lat[i] = (System.nanoTime() - s0) / 1e6;
                        recall += recall(truth.get(i), hits);
                    }
                    recall /= nq;
                    Arrays.sort(lat);
                    tradeoff.add(new String[] {enc.name(), Integer.toString(cand), f3(recall), f2(lat[nq / 2]), f2(lat[(int) (nq * 0.99)])});
                    if (cand == opts.searchCandidates()) {
                        double qps = throughput(index, q);
                        System.gc();
                        long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
                        rows.add(new String[] {enc == IndexOptions.Encoding.FLOAT32 ? "HNSW float32" : "HNSW int8", f3(recall),
                            f2(lat[nq / 2]), f2(lat[(int) (nq * 0.99)]), String.format(Locale.ROOT, "%.0f", qps),
                            String.format(Locale.ROOT, "%.0f s (add %.0f s + merge %.0f s)", buildS, addS, buildS - addS),
                            String.format(Locale.ROOT, "%.0f MB", disk / 1e6), String.format(Locale.ROOT, "%.0f MB", heap / 1e6),
                            String.format(Locale.ROOT, "%.0f MB", Bench.rssKb() / 1024.0)});
                    }
                }
            }
        }
        OUT.println("| mode | recall@10 | median ms/query (1 thread) | p99 ms | queries/s (" + CORES + " threads) | build | on disk | heap | RSS |");
        OUT.println("|---|---|---|---|---|---|---|---|---|");
        for (String[] row : rows) {
            OUT.println("| " + String.join(" | ", row) + " |");
        }
        OUT.println();
        OUT.println("HNSW candidates explored per query (ef_search) against recall and latency, M = 16, beam width 100:");
        OUT.println("| encoding | candidates | recall@10 | median ms | p99 ms |");
        OUT.println("|---|---|---|---|---|");
        for (String[] row : tradeoff) {
            OUT.println("| " + String.join(" | ", row) + " |");
        }
        r.put("queries", nq);
        r.put("table", rows);
        r.put("candidates_tradeoff", tradeoff);
        results.put("search_" + n, r);
    }

    static List<List<String>> exactTruth(VectorIndex index, float[][] q, List<String[]> rows, int n) {
        List<List<String>> truth = new ArrayList<>();
        double[] lat = new double[q.length];
        for (int i = 0; i < q.length; i++) {
            long s0 = System.nanoTime();
            truth.add(index.searchExact(q[i], 10).stream().map(Hit::id).collect(Collectors.toList()));
            lat[i] = (System.nanoTime() - s0) / 1e6;
        }
        Arrays.sort(lat);
        rows.add(new String[] {"exact scan", "1.000", f2(lat[q.length / 2]), f2(lat[(int) (q.length * 0.99)]), "", "", "", "", ""});
        return truth;
    }

    static double recall(List<String> truth, List<Hit> hits) {
        Set<String> t = new HashSet<>(truth);
        int found = 0;
        for (Hit h : hits) {
            if (t.contains(h.id())) {
                found++;
            }
        }
        return (double) found / truth.size();
    }

    static double throughput(VectorIndex index, float[][] q) throws Exception {
        int reps = 3;
        long t0 = System.nanoTime();
        inParallel(q.length * reps, i -> index.search(q[i % q.length], 10));
        return q.length * reps / ((System.nanoTime() - t0) / 1e9);
    }

    // ---------------------------------------------------------------- duplicates

    /**
     * The duplicates data set: {@code n} mixture vectors (seed 7) in which every 20th vector has
     * 1-3 near copies (noise of norm 0.2: cosine about 0.98 to the original), ids {@code v<i>}
     * and {@code v<i>-copy<c>}. Also used by the Spark benchmark.
     */
    static void plantedDuplicates(int n, List<float[]> vs, List<String> ids) {
        Mixture data = new Mixture(7, 1000);
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; vs.size() < n; i++) {
            float[] v = data.vector(i);
            vs.add(v);
            ids.add("v" + i);
            if (i % 20 == 0) {
                int copies = 1 + rnd.nextInt(3);
                for (int c = 0; c < copies && vs.size() < n; c++) {
                    float[] x = v.clone();
                    float[] noise = new float[DIM];
                    for (int j = 0; j < DIM; j++) {
                        noise[j] = (float) gaussian(rnd);
                    }
                    noise = Vectors.normalise(noise);
                    for (int j = 0; j < DIM; j++) {
                        x[j] += 0.2f * noise[j];
                    }
                    vs.add(Vectors.normalise(x));
                    ids.add("v" + i + "-copy" + c);
                }
            }
        }
    }

    /**
     * Duplicates over {@code n} mixture vectors in which every 20th vector has 1-3 near copies
     * (noise of norm 0.2: cosine about 0.98 to the original); threshold 0.95. The exact all-pairs
     * scan runs on the first {@code subset} vectors, where it is affordable, and is the reference.
     */
    void dupes(int n, int subset) throws Exception {
        OUT.println();
        OUT.printf(Locale.ROOT, "Duplicates at cosine >= 0.95: %,d vectors with planted near copies; exact reference on %,d%n", n, subset);
        Map<String, Object> r = new LinkedHashMap<>();
        List<float[]> vs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        plantedDuplicates(n, vs, ids);
        IndexOptions opts = IndexOptions.builder().mergeThreads(CORES).build();
        for (int size : new int[] {subset, n}) {
            Path dir = Paths.get("build/bench/dupes-" + size);
            deleteTree(dir);
            try (VectorIndex index = VectorIndex.open(dir, "synthetic-dupes-7", DIM, opts)) {
                for (int i = 0; i < size; i++) {
                    index.add(ids.get(i), vs.get(i), Collections.emptyMap());
                }
                index.optimize();
                long t0 = System.nanoTime();
                List<DuplicateGroup> approx = index.duplicates(0.95);
                double approxS = (System.nanoTime() - t0) / 1e9;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("vectors", size);
                row.put("graph_seconds", approxS);
                row.put("graph_groups", approx.size());
                if (size == subset) {
                    long t1 = System.nanoTime();
                    List<DuplicateGroup> exact = index.duplicatesExact(0.95);
                    double exactS = (System.nanoTime() - t1) / 1e9;
                    // an exact pair counts as found when the graph method put both in one group
                    Map<String, Integer> groupOf = new HashMap<>();
                    for (int g = 0; g < approx.size(); g++) {
                        for (String id : approx.get(g).ids()) {
                            groupOf.put(id, g);
                        }
                    }
                    long pairs = 0;
                    long found = 0;
                    for (int i = 0; i < size; i++) {
                        for (int j = i + 1; j < size; j++) {
                            if (Vectors.dot(vs.get(i), vs.get(j)) >= 0.95) {
                                pairs++;
                                Integer a = groupOf.get(ids.get(i));
                                if (a != null && a.equals(groupOf.get(ids.get(j)))) {
                                    found++;
                                }
                            }
                        }
                    }
                    row.put("exact_seconds", exactS);
                    row.put("exact_groups", exact.size());
                    row.put("exact_pairs", pairs);
                    row.put("pair_recall", (double) found / pairs);
                    row.put("same_groups", approx.equals(exact));
                    OUT.printf(Locale.ROOT, "%,d vectors: graph %.1f s, %d groups; exact all-pairs scan %.1f s, %d groups, %d pairs;"
                            + " pairs found by the graph method %.4f; identical groups: %s%n", size, approxS, approx.size(), exactS,
                            exact.size(), pairs, (double) found / pairs, approx.equals(exact));
                } else {
                    OUT.printf(Locale.ROOT, "%,d vectors: graph %.1f s, %d groups (an exact scan would take about %.0f s: %.0fx the %,d-vector scan)%n",
                            size, approxS, approx.size(), ((Number) ((Map<?, ?>) r.get("subset")).get("exact_seconds")).doubleValue()
                                    * Math.pow((double) size / subset, 2), Math.pow((double) size / subset, 2), subset);
                }
                r.put(size == subset ? "subset" : "full", row);
            }
        }
        results.put("duplicates", r);
    }

    // ---------------------------------------------------------------- helpers

    static void inParallel(int n, Stats.Task task) throws Exception {
        Stats.inParallel(n, CORES, task);
    }

    static double median(List<Double> xs) {
        return Stats.median(xs);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static long treeSize(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
