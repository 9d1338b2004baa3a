package dev.imgsim.index;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The embedded index under concurrent load and repeated kill -9 (issue 28): a writer process
 * adds, removes and commits from four threads in generations (each generation's final content is
 * a function of its number, so any committed state can be checked entry by entry), merges every
 * fifth generation, and logs each commit after it returns; a second, read-only process searches
 * all along. This process kills the writer with SIGKILL at random moments, then reopens the index
 * and checks it holds exactly the last logged generation or the one being committed when it died,
 * every entry whole (its stored vector exact, itself its nearest neighbour), and restarts the
 * writer from there. A last writer runs unkilled and reports RSS and open file handles per
 * generation.
 *
 * <pre>
 * gradle :imgsim-index:killSoak -PbenchArgs="--kills 50 --minutes 10"   # the soak
 * </pre>
 *
 * KillSoakTest runs a short one in {@code gradle test}.
 */
public final class KillSoak {
    static final int DIM = 64;
    static final int PER_GEN = 400;
    static final String MODEL = "kill-soak";

    private KillSoak() {
    }

    /** The vector of an id: deterministic, so a reopened index can be checked value by value. */
    static float[] vector(String id) {
        SplittableRandom r = new SplittableRandom(id.hashCode() * 0x9E3779B97F4A7C15L);
        float[] v = new float[DIM];
        double n = 0;
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
            n += v[i] * v[i];
        }
        for (int i = 0; i < DIM; i++) {
            v[i] /= (float) Math.sqrt(n);
        }
        return v;
    }

    static String id(int gen, int i) {
        return "g" + gen + "-" + i;
    }

    /** An entry of generation h is removed by generation h + 1 when i % 7 == 0. */
    static boolean present(int gen, int h, int i) {
        return h <= gen && !(h < gen && i % 7 == 0);
    }

    static long expectedSize(int gen) {
        long removedPerGen = (PER_GEN + 6) / 7;
        return gen <= 0 ? 0 : (long) gen * PER_GEN - (long) (gen - 1) * removedPerGen;
    }

    /** The writer: generations from {@code start} on, until killed (or {@code seconds} pass). */
    static void writer(Path dir, int start, double seconds) throws Exception {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        IndexOptions opts = IndexOptions.builder().mergeThreads(2).ramBufferMB(16).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (VectorIndex index = VectorIndex.open(dir, MODEL, DIM, opts)) {
            for (int gen = start; System.nanoTime() < end; gen++) {
                int g = gen;
                List<Future<?>> parts = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int from = t * PER_GEN / 4;
                    int to = (t + 1) * PER_GEN / 4;
                    parts.add(pool.submit(() -> {
                        for (int i = from; i < to; i++) {
                            index.add(id(g, i), vector(id(g, i)), Collections.singletonMap("gen", Integer.toString(g)));
                            if (i % 50 == 0) {
                                index.search(vector(id(g, i)), 5); // searches beside the writes
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : parts) {
                    f.get();
                }
                if (g > 1) {
                    for (int i = 0; i < PER_GEN; i += 7) {
                        index.remove(id(g - 1, i));
                    }
                }
                System.out.println("committing " + g);
                if (g % 5 == 0) {
                    index.optimize(); // forceMerge(1) + commit: kills land in merges too
                } else {
                    index.commit();
                }
                System.out.printf(Locale.ROOT, "committed %d rss_kb=%d fds=%d%n", g, rssKb(), fds());
                System.out.flush();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The read-only process: searches until killed; prints each failure (there must be none). */
    static void reader(Path dir) throws Exception {
        while (!Files.exists(dir.resolve("segments_1")) && !hasSegments(dir)) {
            Thread.sleep(50);
        }
        Random r = new Random(1);
        long searches = 0;
        try (VectorIndex index = VectorIndex.openReadOnly(dir, MODEL, DIM)) {
            while (true) {
                try {
                    index.search(vector("q" + r.nextInt()), 10);
                    if (++searches % 500 == 0) {
                        System.out.println("searches " + searches + " size " + index.size());
                    }
                } catch (RuntimeException e) {
                    System.out.println("FAILED " + e);
                }
                Thread.sleep(2);
            }
        }
    }

    private static boolean hasSegments(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("segments_"));
        }
    }

    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    static long fds() throws IOException {
        try (Stream<Path> s = Files.list(Paths.get("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** What one soak found. */
    static final class Result {
        int kills;
        int killedInCommit;
        int killedInMerge;
        int generations;
        final List<String> problems = new ArrayList<>();
        final List<long[]> resources = new ArrayList<>();
        long readerSearches;
    }

    static Process start(String mode, Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator
                + "java", "-Xmx256m", "-cp", System.getProperty("imgsim.test.classpath", System.getProperty("java.class.path")),
                KillSoak.class.getName(), mode, dir.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /**
     * Runs the soak: {@code kills} writers killed at random moments, then one writer left to run
     * for {@code lastSeconds}.
     */
    static Result run(Path dir, int kills, double lastSeconds, long seed) throws Exception {
        Result res = new Result();
        Random rnd = new Random(seed);
        Process reader = start("reader", dir);
        AtomicLong readerFailures = new AtomicLong();
        AtomicLong readerSearches = new AtomicLong();
        Thread readerOut = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(reader.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null;) {
                    if (line.startsWith("FAILED")) {
                        readerFailures.incrementAndGet();
                        synchronized (res.problems) {
                            res.problems.add("reader: " + line);
                        }
                    } else if (line.startsWith("searches ")) {
                        readerSearches.set(Long.parseLong(line.split(" ")[1]));
                    }
                }
            } catch (IOException ignored) {
                // the reader was stopped
            }
        });
        readerOut.start();
        int gen = 1;
        try {
            for (int k = 0; k <= kills; k++) {
                boolean last = k == kills;
                Process w = start("writer", dir, Integer.toString(gen), last ? Double.toString(lastSeconds) : "1e9");
                BufferedReader out = new BufferedReader(new InputStreamReader(w.getInputStream(), StandardCharsets.UTF_8));
                int logged = gen - 1;
                boolean inCommit = false;
                // kill after a random number of output lines (a commit begun or done), at a random delay
                int linesBeforeKill = 1 + rnd.nextInt(6);
                long killDelayMs = rnd.nextInt(150);
                int lines = 0;
                for (String line; (line = out.readLine()) != null;) {
                    if (line.startsWith("committed ")) {
                        String[] p = line.split(" ");
                        logged = Integer.parseInt(p[1]);
                        inCommit = false;
                        if (last) {
                            res.resources.add(new long[] {logged, Long.parseLong(p[2].split("=")[1]),
                                    Long.parseLong(p[3].split("=")[1])});
                        }
                    } else if (line.startsWith("committing ")) {
                        inCommit = true;
                    } else {
                        res.problems.add("writer " + k + ": " + line);
                    }
                    if (!last && ++lines >= linesBeforeKill) {
                        Thread.sleep(killDelayMs);
                        break;
                    }
                }
                if (!last) {
                    w.destroyForcibly(); // SIGKILL: no close, no shutdown hooks
                    res.kills++;
                    if (inCommit) {
                        res.killedInCommit++;
                        if ((logged + 1) % 5 == 0) {
                            res.killedInMerge++;
                        }
                    }
                }
                w.waitFor(60, TimeUnit.SECONDS);
                // the committed state is the last logged generation, or the next one if its commit completed
                try (VectorIndex index = VectorIndex.open(dir, MODEL, DIM, IndexOptions.defaults())) {
                    long size = index.size();
                    int found = size == expectedSize(logged) ? logged : size == expectedSize(logged + 1) ? logged + 1 : -1;
                    if (found < 0) {
                        res.problems.add("after kill " + k + ": size " + size + ", expected " + expectedSize(logged)
                                + " (generation " + logged + ") or " + expectedSize(logged + 1));
                        break;
                    }
                    String bad = check(index, found, rnd);
                    if (bad != null) {
                        res.problems.add("after kill " + k + ", generation " + found + ": " + bad);
                        break;
                    }
                    gen = found + 1;
                    res.generations = found;
                }
            }
        } finally {
            reader.destroyForcibly();
            reader.waitFor(30, TimeUnit.SECONDS);
            readerOut.join(10_000);
        }
        res.readerSearches = readerSearches.get();
        return res;
    }

    /** Every expected entry there with its exact vector, nothing else; a sample is its own nearest neighbour. */
    static String check(VectorIndex index, int gen, Random rnd) {
        for (int h = 1; h <= gen + 1; h++) {
            for (int i = 0; i < PER_GEN; i++) {
                boolean want = h <= gen && present(gen, h, i);
                java.util.Optional<float[]> v = index.embedding(id(h, i));
                if (v.isPresent() != want) {
                    return id(h, i) + (want ? " is missing" : " should not be there");
                }
                if (want && (rnd.nextInt(20) == 0)) {
                    float[] expected = dev.imgsim.Vectors.normalise(vector(id(h, i)));
                    if (!java.util.Arrays.equals(expected, v.get())) {
                        return id(h, i) + " holds another vector";
                    }
                    List<Hit> top = index.search(expected, 1);
                    if (top.isEmpty() || !top.get(0).id().equals(id(h, i))) {
                        return id(h, i) + " is not its own nearest neighbour: " + top;
                    }
                }
            }
        }
        return null;
    }

    /**
     * {@code writer DIR START SECONDS}, {@code reader DIR}, or the soak:
     * {@code [--kills N] [--minutes M] [--dir D]}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("writer")) {
            writer(Paths.get(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]));
            return;
        }
        if (args.length > 0 && args[0].equals("reader")) {
            reader(Paths.get(args[1]));
            return;
        }
        int kills = 50;
        double minutes = 10;
        Path dir = Paths.get("build/kill-soak");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--kills":
                    kills = Integer.parseInt(args[++i]);
                    break;
                case "--minutes":
                    minutes = Double.parseDouble(args[++i]);
                    break;
                case "--dir":
                    dir = Paths.get(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        deleteTree(dir);
        long t0 = System.nanoTime();
        Result r = run(dir, kills, minutes * 60, 7);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%d kills (%d during a commit, %d of them during a merge + commit), %d generations"
                + " (%d entries), reader: %d searches, %.0f s; problems: %d%n", r.kills, r.killedInCommit, r.killedInMerge,
                r.generations, expectedSize(r.generations), r.readerSearches, s, r.problems.size());
        for (String p : r.problems) {
            System.out.println("  " + p);
        }
        if (!r.resources.isEmpty()) {
            long[] first = r.resources.get(Math.min(r.resources.size() - 1, r.resources.size() / 4));
            long[] lastRes = r.resources.get(r.resources.size() - 1);
            long maxFd = r.resources.stream().mapToLong(x -> x[2]).max().getAsLong();
            long minFd = r.resources.stream().mapToLong(x -> x[2]).min().getAsLong();
            System.out.printf(Locale.ROOT, "unkilled writer: %d generations; RSS %.1f MB after a quarter, %.1f MB at the end"
                    + " (%+.1f %%); open files %d-%d (first %d, last %d)%n", r.resources.size(), first[1] / 1024.0,
                    lastRes[1] / 1024.0, 100.0 * (lastRes[1] - first[1]) / first[1], minFd, maxFd, r.resources.get(0)[2],
                    lastRes[2]);
        }
        System.exit(r.problems.isEmpty() ? 0 : 1);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
