package dev.imgsim.bench;

import java.awt.image.BufferedImage;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.imgsim.ImageSimilarity;

/**
 * The thread-policy benchmark (issue: defaults as fast as the best fixed setting): imgsim's
 * defaults, {@code intraOpThreads(1)} and {@code intraOpThreads(2)}, ORT Java with 1 and default
 * threads, and the floor (ORT Java on a ready tensor), on W1 (224x224 INT_RGB) and W2 (1920x1080
 * 3BYTE_BGR), in two patterns, in one JVM:
 * <ul>
 * <li><b>sequential</b>: each contender timed alone (warm-up, then many calls in a row);
 * <li><b>interleaved</b>: contenders take turns in rounds of 20 calls, 15 rounds, the order rotated
 * each round ({@code --fixed-order}: always the same order); a contender's figure is the median of
 * its per-round medians (what a service sees when other work runs between its calls).
 * </ul>
 * Part of {@code gradle bench}; {@code gradle threadsBench} runs it alone ({@code --quick}: fewer calls).
 * {@code --separate} also times each contender sequentially in a JVM of its own (no other
 * contender's thread pool in the process); {@code --only NAME,NAME} runs only the contenders named.
 */
public final class ThreadsBench {
    final PrintStream out = System.out;
    final int warm;
    final int calls;
    final int rounds;
    final int perRound;
    final Map<String, Object> results;
    /** ORT Java sessions without spinning workers (--ort-no-spin), to see how spinning pools interfere. */
    boolean ortSpin = true;
    /** Interleaved rounds always in the same order (default: rotated each round). */
    boolean fixedOrder;
    /** Contenders to run (all when null). */
    List<String> only;
    /** In a child JVM of --separate: print results as machine-readable lines. */
    boolean child;
    /** Per-workload sequential times from separate JVMs. */
    final Map<String, Map<String, Double>> separate = new LinkedHashMap<>();
    static final String[] CONTENDERS = {"imgsim defaults", "imgsim intraOpThreads(1)", "imgsim intraOpThreads(2)",
        "ORT Java 1 thread", "ORT Java default threads", "floor 1 thread", "floor default threads"};

    ThreadsBench(boolean quick, Map<String, Object> results) {
        this.warm = quick ? 10 : 30;
        this.calls = quick ? 60 : 200;
        this.rounds = quick ? 6 : 15;
        this.perRound = 20;
        this.results = results;
    }

    public static void main(String[] args) throws Exception {
        Map<String, Object> results = new LinkedHashMap<>();
        ThreadsBench b = new ThreadsBench(Arrays.asList(args).contains("--quick"), results);
        List<String> a = Arrays.asList(args);
        b.ortSpin = !a.contains("--ort-no-spin");
        b.fixedOrder = a.contains("--fixed-order");
        int o = a.indexOf("--only");
        if (o >= 0) {
            b.only = Arrays.asList(a.get(o + 1).split(","));
        }
        if (a.contains("--child")) {
            b.child = true;
            b.run();
            return;
        }
        if (a.contains("--separate")) {
            b.runSeparate(a.contains("--quick"));
        }
        b.run();
        java.nio.file.Path json = java.nio.file.Paths.get("build/bench/threads-results.json");
        java.nio.file.Files.createDirectories(json.getParent());
        java.nio.file.Files.write(json, Bench.toJson(results).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        System.out.println("wrote " + json);
    }

    void run() throws Exception {
        if (!child) {
            out.printf(Locale.ROOT, "thread policy: %s, %d cores; sequential: %d calls after %d; interleaved: %d rounds of %d calls, %s order;"
                + " ORT Java spinning %s%n", Bench.cpuName(), Runtime.getRuntime().availableProcessors(), calls, warm, rounds, perRound,
                fixedOrder ? "fixed" : "rotated",
                ortSpin ? "on (its default)" : "off");
        }
        Map<String, BufferedImage> workloads = new LinkedHashMap<>();
        workloads.put("W1 224x224 INT_RGB", Bench.photo(Bench.SIZE, Bench.SIZE, BufferedImage.TYPE_INT_RGB));
        workloads.put("W2 1920x1080 3BYTE_BGR", Bench.photo(1920, 1080, BufferedImage.TYPE_3BYTE_BGR));
        FloatBuffer ready = ByteBuffer.allocateDirect(3 * Bench.SIZE * Bench.SIZE * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < 3 * Bench.SIZE * Bench.SIZE; i++) {
            ready.put(i, (float) Math.sin(i));
        }
        try (ImageSimilarity defaults = ImageSimilarity.create();
                ImageSimilarity one = ImageSimilarity.builder().intraOpThreads(1).build();
                ImageSimilarity two = ImageSimilarity.builder().intraOpThreads(2).build();
                Bench.OrtJava ort1 = new Bench.OrtJava(1, ortSpin);
                Bench.OrtJava ortD = new Bench.OrtJava(0, ortSpin)) {
            for (Map.Entry<String, BufferedImage> w : workloads.entrySet()) {
                BufferedImage img = w.getValue();
                Map<String, Bench.Call> c = new LinkedHashMap<>();
                c.put("imgsim defaults", () -> defaults.embed(img));
                c.put("imgsim intraOpThreads(1)", () -> one.embed(img));
                c.put("imgsim intraOpThreads(2)", () -> two.embed(img));
                c.put("ORT Java 1 thread", () -> ort1.embedImage(img));
                c.put("ORT Java default threads", () -> ortD.embedImage(img));
                c.put("floor 1 thread", () -> ort1.run(ready));
                c.put("floor default threads", () -> ortD.run(ready));
                if (only != null) {
                    c.keySet().retainAll(only);
                }
                if (child) {
                    for (Map.Entry<String, Bench.Call> e : c.entrySet()) {
                        out.printf(Locale.ROOT, "@@%s|%s|%.4f%n", w.getKey(), e.getKey(), sequential(e.getValue()));
                    }
                    continue;
                }
                Map<String, Double> seq = new LinkedHashMap<>();
                for (Map.Entry<String, Bench.Call> e : c.entrySet()) {
                    seq.put(e.getKey(), sequential(e.getValue()));
                }
                Map<String, Double> inter = interleaved(c);
                report(w.getKey(), "sequential", seq);
                report(w.getKey(), "interleaved", inter);
            }
        }
    }

    /** Times each contender sequentially in a JVM of its own, one after another. */
    void runSeparate(boolean quick) throws Exception {
        String javaBin = java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        for (String name : CONTENDERS) {
            List<String> cmd = new ArrayList<>(Arrays.asList(javaBin, "-Xmx1g", "-cp", System.getProperty("java.class.path")));
            for (String p : new String[] {"imgsim.library.path", "imgsim.onnxruntime.path"}) {
                if (System.getProperty(p) != null) {
                    cmd.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            cmd.addAll(Arrays.asList(ThreadsBench.class.getName(), "--child", "--only", name));
            if (quick) {
                cmd.add("--quick");
            }
            if (!ortSpin) {
                cmd.add("--ort-no-spin");
            }
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (java.io.BufferedReader r = new java.io.BufferedReader(
                    new java.io.InputStreamReader(p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (line.startsWith("@@")) {
                        String[] f = line.substring(2).split("\\|");
                        separate.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], Double.parseDouble(f[2]));
                    }
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("the child JVM for " + name + " failed with exit code " + p.exitValue());
            }
        }
        for (Map.Entry<String, Map<String, Double>> e : separate.entrySet()) {
            report(e.getKey(), "sequential, each contender in a JVM of its own", e.getValue());
        }
    }

    double sequential(Bench.Call call) throws Exception {
        for (int i = 0; i < warm; i++) {
            call.run();
        }
        double[] t = new double[calls];
        for (int i = 0; i < calls; i++) {
            long s = System.nanoTime();
            call.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        return Stats.median(t);
    }

    Map<String, Double> interleaved(Map<String, Bench.Call> contenders) throws Exception {
        Map<String, List<Double>> perRoundMedians = new LinkedHashMap<>();
        for (String k : contenders.keySet()) {
            perRoundMedians.put(k, new ArrayList<>());
        }
        for (Bench.Call c : contenders.values()) {
            for (int i = 0; i < warm; i++) {
                c.run();
            }
        }
        List<Map.Entry<String, Bench.Call>> order = new ArrayList<>(contenders.entrySet());
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < order.size(); k++) {
                // rotated: each contender starts a round after each other one (a pool that spins
                // after its round slows whoever comes next for a few calls)
                Map.Entry<String, Bench.Call> e = order.get(fixedOrder ? k : (k + r) % order.size());
                double[] t = new double[perRound];
                for (int i = 0; i < perRound; i++) {
                    long s = System.nanoTime();
                    e.getValue().run();
                    t[i] = (System.nanoTime() - s) / 1e6;
                }
                perRoundMedians.get(e.getKey()).add(Stats.median(t));
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : perRoundMedians.entrySet()) {
            out.put(e.getKey(), Stats.median(e.getValue().stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return out;
    }

    void report(String workload, String pattern, Map<String, Double> ms) {
        double floor = Math.min(ms.getOrDefault("floor 1 thread", Double.NaN), ms.getOrDefault("floor default threads", Double.NaN));
        double ortBest = Math.min(ms.getOrDefault("ORT Java 1 thread", Double.NaN), ms.getOrDefault("ORT Java default threads", Double.NaN));
        double fixedBest = Math.min(ms.getOrDefault("imgsim intraOpThreads(1)", Double.NaN),
                ms.getOrDefault("imgsim intraOpThreads(2)", Double.NaN));
        out.printf(Locale.ROOT, "%n%s, %s (median ms; floor = best ORT run on a ready tensor)%n", workload, pattern);
        out.println("| contender | ms | x floor | x ORT Java best | x best fixed imgsim |");
        out.println("|---|---|---|---|---|");
        Map<String, Object> r = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : ms.entrySet()) {
            double v = e.getValue();
            out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %s |%n", e.getKey(), v, v / floor, v / ortBest,
                    e.getKey().startsWith("imgsim") ? String.format(Locale.ROOT, "%.2f", v / fixedBest) : "");
            r.put(e.getKey(), v);
        }
        results.put(workload + " / " + pattern, r);
    }

}
