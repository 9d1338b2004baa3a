package dev.imgsim.opensearch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.index.Hit;

/**
 * A two-node OpenSearch cluster, each node its own JVM (one cluster manager + data, one data
 * node), an index with one replica: a bulk load with the data node killed (SIGKILL) a third of the
 * way through and started again on its data; the load finishes (the client goes to the live node
 * and retries what the cluster could not take), the index holds every document exactly once and
 * searches as well as after a clean load. Runs with {@code gradle :imgsim-opensearch:clusterTest}
 * ({@code -PclusterVectors=100000}; not in {@code gradle test}); writes its figures to
 * docs/results/opensearch-cluster.txt.
 */
public class OpenSearchClusterTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static final int VECTORS = Integer.getInteger("imgsim.clusterVectors", 20_000);
    private static final int DIM = Integer.getInteger("imgsim.clusterDim", 128);
    private static final List<String> report = new ArrayList<>();
    private static final Process[] nodes = new Process[2];
    private static final String[] urls = new String[2];
    private static Path[] homes = new Path[2];
    private static int[] http = new int[2];
    private static int[] transport = new int[2];
    private static String cluster;
    private static float[][] vectors;

    @BeforeClass
    public static void startCluster() throws Exception {
        cluster = "imgsim-two-" + ProcessHandle.current().pid();
        for (int i = 0; i < 2; i++) {
            homes[i] = tmp.newFolder("node-" + i).toPath();
            http[i] = freePort();
            transport[i] = freePort();
        }
        for (int i = 0; i < 2; i++) {
            start(i);
        }
        for (int i = 0; i < 2; i++) {
            urls[i] = awaitReady(i);
        }
        health("wait_for_nodes=2&wait_for_status=green", Duration.ofSeconds(120));
        // clustered, as embeddings are (random Gaussian vectors are HNSW's worst case: recall varies
        // by several points from one graph to the next): 1,000 centres, each vector a centre + noise
        Random r = new Random(11);
        float[][] centres = new float[1000][DIM];
        for (float[] c : centres) {
            for (int k = 0; k < DIM; k++) {
                c[k] = (float) r.nextGaussian();
            }
        }
        vectors = new float[VECTORS][];
        for (int i = 0; i < VECTORS; i++) {
            float[] c = centres[r.nextInt(centres.length)];
            float[] v = new float[DIM];
            for (int k = 0; k < DIM; k++) {
                v[k] = c[k] + 0.5f * (float) r.nextGaussian();
            }
            vectors[i] = v;
        }
    }

    @AfterClass
    public static void stop() throws IOException {
        for (Process p : nodes) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
        Path out = Paths.get(System.getProperty("imgsim.clusterReport", "build/opensearch-cluster.txt"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, report);
    }

    private static void note(String line) {
        System.out.println(line);
        report.add(line);
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void start(int i) throws IOException {
        List<String> cmd = new ArrayList<>(Arrays.asList(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Djava.io.tmpdir=" + homes[i], "-cp", System.getProperty("java.class.path"),
                OpenSearchNodeMain.class.getName(), homes[i].toString(), "n" + i, cluster, Integer.toString(http[i]),
                Integer.toString(transport[i]), transport[0] + "," + transport[1], "n0",
                i == 0 ? "cluster_manager,data,ingest" : "data,ingest"));
        nodes[i] = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Reads the node's output until READY (the rest is drained to a log file). */
    private static String awaitReady(int i) throws Exception {
        Process p = nodes[i];
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> ready = new CompletableFuture<>();
        Path log = homes[i].getParent().resolve("node-" + i + ".log");
        Thread t = new Thread(() -> {
            try (java.io.Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                String line;
                while ((line = in.readLine()) != null) {
                    w.write(line + "\n");
                    if (line.startsWith("READY ")) {
                        ready.complete(line.substring(6).trim());
                    }
                }
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
            ready.completeExceptionally(new IOException("node " + i + " exited before it was ready; see " + log));
        }, "node-" + i + "-output");
        t.setDaemon(true);
        t.start();
        return ready.get(120, TimeUnit.SECONDS);
    }

    private static String health(String query, Duration timeout) throws Exception {
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(urls[0] + "/_cluster/health?" + query
                + "&timeout=" + timeout.getSeconds() + "s")).timeout(timeout.plusSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 200, r.statusCode());
        return r.body();
    }

    private static Iterator<Map.Entry<String, float[]>> entries() {
        return new Iterator<Map.Entry<String, float[]>>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < VECTORS;
            }

            @Override
            public Map.Entry<String, float[]> next() {
                int k = i++;
                return Map.entry("v" + k, vectors[k]);
            }
        };
    }

    private static OpenSearchImageIndex open(String name, AtomicLong processed) {
        return OpenSearchImageIndex.builder(urls[0] + "," + urls[1], name).dimension(DIM).shards(1, 1).bulkSize(500)
                .requestTimeout(Duration.ofSeconds(30)).progress((p, w, s) -> processed.set(p)).open();
    }

    /** recall@10 of the index against the exact ranking, over 50 of the vectors as queries. */
    private static double recall(OpenSearchImageIndex index) {
        double found = 0;
        for (int q = 0; q < 50; q++) {
            float[] query = vectors[q * (VECTORS / 50)];
            double[] sims = new double[VECTORS];
            for (int i = 0; i < VECTORS; i++) {
                sims[i] = dev.imgsim.Vectors.cosine(query, vectors[i]);
            }
            Integer[] order = new Integer[VECTORS];
            for (int i = 0; i < VECTORS; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(sims[b], sims[a]));
            java.util.Set<String> truth = new java.util.HashSet<>();
            for (int i = 0; i < 10; i++) {
                truth.add("v" + order[i]);
            }
            for (Hit h : index.search(query, 10)) {
                if (truth.contains(h.id())) {
                    found++;
                }
            }
        }
        return found / 500;
    }

    @Test
    public void aNodeKilledAndRestartedDuringABulkLoadLosesAndDuplicatesNothing() throws Exception {
        AtomicLong p1 = new AtomicLong();
        double clean;
        double cleanRecall;
        try (OpenSearchImageIndex index = open("clean", p1)) {
            long t0 = System.nanoTime();
            assertEquals(VECTORS, index.bulkLoad(entries()));
            clean = (System.nanoTime() - t0) / 1e9;
            assertEquals(VECTORS, index.count());
            cleanRecall = recall(index);
            note(String.format(Locale.ROOT, "%d vectors of %d floats, 1 shard + 1 replica on 2 nodes (separate JVMs): clean load"
                    + " %.1f s (%.0f vectors/s), recall@10 %.3f", VECTORS, DIM, clean, VECTORS / clean, cleanRecall));
        }
        health("wait_for_status=green", Duration.ofSeconds(120));
        AtomicLong processed = new AtomicLong();
        try (OpenSearchImageIndex index = open("faulty", processed)) {
            long t0 = System.nanoTime();
            AtomicLong finished = new AtomicLong();
            CompletableFuture<Long> load = CompletableFuture.supplyAsync(() -> {
                long n = index.bulkLoad(entries());
                finished.set(System.nanoTime());
                return n;
            });
            while (processed.get() < VECTORS / 3 && !load.isDone()) {
                Thread.sleep(10);
            }
            long at = processed.get();
            nodes[1].destroyForcibly();
            nodes[1].waitFor(30, TimeUnit.SECONDS);
            double killedAt = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(5000);
            start(1);
            urls[1] = awaitReady(1);
            double back = (System.nanoTime() - t0) / 1e9;
            long loaded = load.get(15, TimeUnit.MINUTES);
            double took = (finished.get() - t0) / 1e9;
            assertEquals(VECTORS, loaded);
            String green = health("wait_for_status=green&wait_for_nodes=2", Duration.ofSeconds(180));
            assertTrue(green, green.contains("\"status\":\"green\""));
            index.refresh();
            assertEquals("every document exactly once", VECTORS, index.count());
            double r = recall(index);
            note(String.format(Locale.ROOT, "data node killed (SIGKILL) at %d of %d documents (%.1f s), started again on its"
                    + " data, up at %.1f s: load finished in %.1f s (%.2fx the clean load), %d requests retried; afterwards"
                    + " green, %d documents (every one exactly once), recall@10 %.3f (clean %.3f)", at, VECTORS, killedAt, back,
                    took, took / clean, index.lastLoadRetries(), index.count(), r, cleanRecall));
            assertTrue("recall " + r + " vs " + cleanRecall, r >= cleanRecall - 0.02);
        }
    }
}
