package dev.imgsim.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.ImageSimilarity;

/**
 * EmbedImagesJob's work on a real Spark standalone cluster (a master and two workers, each a JVM,
 * executors launched by the workers): the same embeddings as {@code embed(Path)}, then one worker
 * killed with SIGKILL (with its executor) while tasks run: the job completes by retrying, every
 * input is in the Parquet output exactly once, error rows intact. Runs with
 * {@code gradle :imgsim-spark:clusterTest} (about 3 minutes; not in {@code gradle test}); prints the
 * timings docs/RELIABILITY.md quotes and writes them to build/cluster-test.txt.
 */
public class SparkClusterTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static final int IMAGES = Integer.getInteger("imgsim.clusterImages", 960);
    private static final int PARTITIONS = 24;
    private static Path images;
    private static Map<String, float[]> expected = new HashMap<>();
    private static Set<String> broken = new HashSet<>(Arrays.asList("notes.txt", "truncated.jpg"));
    private static final List<String> report = new ArrayList<>();

    @BeforeClass
    public static void images() throws IOException {
        images = tmp.newFolder("images").toPath();
        Random r = new Random(7);
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            for (int i = 0; i < IMAGES; i++) {
                BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(new Color(r.nextInt(0xFFFFFF)));
                g.fillRect(0, 0, 640, 480);
                for (int k = 0; k < 30; k++) {
                    g.setColor(new Color(r.nextInt(0xFFFFFF)));
                    int x = r.nextInt(600);
                    int y = r.nextInt(440);
                    if (r.nextBoolean()) {
                        g.fillOval(x, y, 20 + r.nextInt(200), 20 + r.nextInt(200));
                    } else {
                        g.fillRect(x, y, 20 + r.nextInt(200), 20 + r.nextInt(200));
                    }
                }
                g.dispose();
                Path f = images.resolve(String.format(Locale.ROOT, "img-%04d.jpg", i));
                ImageIO.write(img, "jpg", f.toFile());
                expected.put(f.getFileName().toString(), sim.embed(f));
            }
        }
        Files.write(images.resolve("notes.txt"), "not an image".getBytes("UTF-8"));
        byte[] some = Files.readAllBytes(images.resolve("img-0000.jpg"));
        Files.write(images.resolve("truncated.jpg"), Arrays.copyOf(some, 600));
    }

    @AfterClass
    public static void writeReport() throws IOException {
        Path out = Paths.get(System.getProperty("imgsim.clusterReport", "build/cluster-test.txt"));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, report);
    }

    private static void note(String line) {
        System.out.println(line);
        report.add(line);
    }

    private static SparkSession session(String master) {
        return SparkSession.builder().master(master).appName("imgsim-cluster-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "768m")
                .config("spark.executor.cores", "1")
                .config("spark.cores.max", "2")
                .config("spark.task.maxFailures", "4")
                .config("spark.executor.extraClassPath", SparkCluster.folders())
                // what EmbedImagesJob sets: the v1 committer renames each task's files into place once
                .config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "1")
                .getOrCreate();
    }

    /** Embeds the folder into Parquet at {@code out}; returns seconds. */
    private static double run(SparkSession spark, Path out) {
        long t0 = System.nanoTime();
        ImageEmbeddings.builder().threadsPerTask(1).build()
                .transform(spark.read().format("binaryFile").load(images.toString()).repartition(PARTITIONS))
                .write().parquet(out.toString());
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Every input exactly once, embeddings equal to embed(Path), the broken files as error rows. */
    private static void check(SparkSession spark, Path out, String what) {
        List<Row> rows = spark.read().parquet(out.toString()).select("path", "embedding", "error").collectAsList();
        Map<String, Integer> seen = new HashMap<>();
        for (Row r : rows) {
            String path = r.getString(0);
            String name = path.substring(path.lastIndexOf('/') + 1);
            seen.merge(name, 1, Integer::sum);
            if (broken.contains(name)) {
                assertTrue(what + ": " + name + " is an error row", r.isNullAt(1));
                assertNotNull(what + ": " + name + " has its error", r.getString(2));
                continue;
            }
            float[] got = ImageDuplicates.floats(r.getList(1));
            float[] want = expected.get(name);
            double diff = 0;
            for (int i = 0; i < want.length; i++) {
                diff = Math.max(diff, Math.abs(want[i] - got[i]));
            }
            assertTrue(what + ": " + name + " differs from embed(Path) by " + diff, diff <= 1e-5);
        }
        assertEquals(what + ": rows", IMAGES + broken.size(), rows.size());
        for (Map.Entry<String, Integer> e : seen.entrySet()) {
            assertEquals(what + ": " + e.getKey() + " exactly once", 1, e.getValue().intValue());
        }
        assertEquals(what + ": every input", IMAGES + broken.size(), seen.size());
    }

    @Test
    public void aWorkerKilledMidJobLosesAndDuplicatesNothing() throws Exception {
        // local mode on the same two cores, for the throughput comparison
        double local;
        SparkSession spark = session("local[2]");
        try {
            run(spark, tmp.getRoot().toPath().resolve("warm.parquet"));
            local = run(spark, tmp.getRoot().toPath().resolve("local.parquet"));
            check(spark, tmp.getRoot().toPath().resolve("local.parquet"), "local[2]");
        } finally {
            spark.stop();
        }
        try (SparkCluster cluster = new SparkCluster(tmp.newFolder("cluster").toPath(), 2, 1, "1g")) {
            // spark-submit of the all-jar (what users ship): executors get imgsim, its native library
            // and model from that jar alone
            String allJar = System.getProperty("imgsim.allJar");
            if (allJar != null) {
                Path submitted = tmp.getRoot().toPath().resolve("submitted.parquet");
                long t0 = System.nanoTime();
                int code = cluster.submit("dev.imgsim.spark.EmbedImagesJob", Paths.get(allJar),
                        Arrays.asList("spark.cores.max=2", "spark.executor.cores=1", "spark.executor.memory=768m",
                                "spark.driver.host=127.0.0.1", "spark.ui.enabled=false"),
                        "--input", images.toString(), "--output", submitted.toString(), "--partitions", Integer.toString(PARTITIONS));
                double took = (System.nanoTime() - t0) / 1e9;
                assertEquals("spark-submit failed:\n" + cluster.log("submit"), 0, code);
                SparkSession reader = session("local[1]");
                try {
                    check(reader, submitted, "spark-submit");
                } finally {
                    reader.stop();
                }
                note(String.format(Locale.ROOT, "spark-submit --master spark://... of %s (client mode, 2 workers x 1 core): %.1f s"
                        + " including the JVMs' start and the model's load on each executor; output equal to embed(Path), every"
                        + " input once", Paths.get(allJar).getFileName(), took));
            }
            spark = session(cluster.masterUrl());
            try {
                AtomicInteger done = new AtomicInteger();
                AtomicInteger failed = new AtomicInteger();
                AtomicInteger lost = new AtomicInteger();
                spark.sparkContext().addSparkListener(new SparkListener() {
                    @Override
                    public void onTaskEnd(SparkListenerTaskEnd e) {
                        if (e.taskInfo().successful()) {
                            done.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    }

                    @Override
                    public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                        lost.incrementAndGet();
                    }
                });
                // executors start (and load the model) on the first job: warm them as local mode was
                run(spark, tmp.getRoot().toPath().resolve("cluster-warm.parquet"));
                double clean = run(spark, tmp.getRoot().toPath().resolve("cluster.parquet"));
                check(spark, tmp.getRoot().toPath().resolve("cluster.parquet"), "cluster");
                note(String.format(Locale.ROOT, "%d images (640x480 JPEG) in %d partitions, 2 cores: local[2] %.1f s (%.1f images/s),"
                        + " standalone 2 workers x 1 core %.1f s (%.1f images/s): %.0f %% of local mode", IMAGES, PARTITIONS,
                        local, IMAGES / local, clean, IMAGES / clean, 100 * local / clean));
                // the same job; worker 1 and its executor killed with SIGKILL once a few tasks are done
                int before = done.get();
                Path faulty = tmp.getRoot().toPath().resolve("killed.parquet");
                double[] took = new double[1];
                Throwable[] error = new Throwable[1];
                SparkSession s = spark;
                Thread job = new Thread(() -> {
                    try {
                        took[0] = run(s, faulty);
                    } catch (Throwable t) {
                        error[0] = t;
                    }
                });
                job.start();
                long t0 = System.nanoTime();
                while (done.get() < before + 4 && job.isAlive()) {
                    Thread.sleep(20);
                }
                long executorsOnWorker = cluster.executors(1);
                int tasksAtKill = done.get() - before;
                int killed = cluster.kill(1);
                double at = (System.nanoTime() - t0) / 1e9;
                job.join();
                if (error[0] != null) {
                    throw new AssertionError("the job failed after the kill:\n" + cluster.log("worker-0"), error[0]);
                }
                check(spark, faulty, "worker killed");
                note(String.format(Locale.ROOT, "worker 1 killed (SIGKILL, %d processes: the worker and %d executor) %.1f s into"
                        + " the job, after %d tasks: job completed in %.1f s (%.2fx the clean run), %d tasks failed and were"
                        + " retried, %d executor lost; output: every input exactly once, embeddings equal to embed(Path),"
                        + " error rows intact", killed, executorsOnWorker, at, tasksAtKill, took[0],
                        took[0] / clean, failed.get(), lost.get()));
                assertTrue("the worker had an executor", executorsOnWorker >= 1);
                assertTrue("an executor was lost", lost.get() >= 1);
            } finally {
                spark.stop();
            }
        }
    }
}
