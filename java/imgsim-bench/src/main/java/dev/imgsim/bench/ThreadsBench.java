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
 * <li><b>interleaved</b>: contenders take turns in rounds of 20 calls, 15 rounds; a contender's
 * figure is the median of its per-round medians (what a service sees when other work runs
 * between its calls).
 * </ul>
 * Part of {@code gradle bench}; {@code gradle threadsBench} runs it alone ({@code --quick}: fewer calls).
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
        b.ortSpin = !Arrays.asList(args).contains("--ort-no-spin");
        b.run();
        java.nio.file.Path json = java.nio.file.Paths.get("build/bench/threads-results.json");
        java.nio.file.Files.createDirectories(json.getParent());
        java.nio.file.Files.write(json, Bench.toJson(results).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        System.out.println("wrote " + json);
    }

    void run() throws Exception {
        out.printf(Locale.ROOT, "thread policy: %s, %d cores; sequential: %d calls after %d; interleaved: %d rounds of %d calls;"
                + " ORT Java spinning %s%n", Bench.cpuName(), Runtime.getRuntime().availableProcessors(), calls, warm, rounds, perRound,
                ortSpin ? "on (its default)" : "off");
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
        return median(t);
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
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Bench.Call> e : contenders.entrySet()) {
                double[] t = new double[perRound];
                for (int i = 0; i < perRound; i++) {
                    long s = System.nanoTime();
                    e.getValue().run();
                    t[i] = (System.nanoTime() - s) / 1e6;
                }
                perRoundMedians.get(e.getKey()).add(median(t));
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Double>> e : perRoundMedians.entrySet()) {
            out.put(e.getKey(), median(e.getValue().stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return out;
    }

    void report(String workload, String pattern, Map<String, Double> ms) {
        double floor = Math.min(ms.get("floor 1 thread"), ms.get("floor default threads"));
        double ortBest = Math.min(ms.get("ORT Java 1 thread"), ms.get("ORT Java default threads"));
        double fixedBest = Math.min(ms.get("imgsim intraOpThreads(1)"), ms.get("imgsim intraOpThreads(2)"));
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

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
