package dev.imgsim.spark;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on loopback: a master and workers, each its own JVM started from
 * this JVM's class path, the way {@code sbin/start-master.sh} and {@code start-worker.sh} start
 * them. A worker launches executors as further JVMs from {@code $SPARK_HOME/jars}; since Spark
 * comes from Maven here, not from a distribution, {@code SPARK_HOME} is a folder whose
 * {@code jars/} links to the class path's jars. Workers can be killed with SIGKILL (with their
 * executors, as when a machine is lost).
 */
final class SparkCluster implements AutoCloseable {
    /** What Spark's launcher adds on JDK 17 (as the build's sparkJvmArgs). */
    static final List<String> JVM_OPTIONS = Arrays.asList("-XX:+IgnoreUnrecognizedVMOptions",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false");

    private final Path dir;
    private final Path sparkHome;
    private final int masterPort;
    private final Process master;
    private final List<Process> workers = new ArrayList<>();

    /** Starts a master and {@code workers} workers of {@code cores} cores and {@code memory} (e.g. "1g") each. */
    SparkCluster(Path dir, int workers, int cores, String memory) throws IOException, InterruptedException {
        this.dir = dir;
        this.sparkHome = dir.resolve("spark-home");
        Path jars = Files.createDirectories(sparkHome.resolve("jars"));
        Files.createDirectories(sparkHome.resolve("conf"));
        for (String entry : classPath()) {
            Path p = Paths.get(entry);
            // imgsim's own jars stay out: applications bring them (spark-submit's application jar)
            if (entry.endsWith(".jar") && Files.isRegularFile(p) && !p.getFileName().toString().startsWith("imgsim")) {
                Path link = jars.resolve(p.getFileName());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p.toAbsolutePath());
                }
            }
        }
        masterPort = freePort();
        master = start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                Integer.toString(masterPort), "--webui-port", Integer.toString(freePort()));
        awaitPort(masterPort, master, "master");
        for (int i = 0; i < workers; i++) {
            Path work = Files.createDirectories(dir.resolve("worker-" + i));
            this.workers.add(start("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
                    "--cores", Integer.toString(cores), "--memory", memory, "--work-dir", work.toString(),
                    "--webui-port", Integer.toString(freePort()), masterUrl()));
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /**
     * The class path entries that are not in {@code $SPARK_HOME/jars}: build output folders and
     * imgsim's jars; executors of a driver in this JVM get them as extraClassPath.
     */
    static String folders() {
        List<String> out = new ArrayList<>();
        for (String entry : classPath()) {
            File f = new File(entry);
            if (!entry.endsWith(".jar") && f.isDirectory() || entry.endsWith(".jar") && f.getName().startsWith("imgsim")) {
                out.add(f.getAbsolutePath());
            }
        }
        return String.join(File.pathSeparator, out);
    }

    private static List<String> classPath() {
        return Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    private Process start(String name, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.add("-Xmx512m");
        cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp-" + name)));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    /**
     * Runs {@code spark-submit} as the script does ({@code org.apache.spark.deploy.SparkSubmit} on
     * {@code $SPARK_HOME/jars}), in client mode against this cluster; waits for it to end.
     *
     * @return its exit code; its output is in the log "submit"
     */
    int submit(String mainClass, Path appJar, List<String> conf, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        cmd.add("-Xmx768m");
        cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp-submit")));
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + File.separator + "*");
        cmd.add("org.apache.spark.deploy.SparkSubmit");
        cmd.addAll(Arrays.asList("--master", masterUrl(), "--deploy-mode", "client", "--class", mainClass));
        for (String c : conf) {
            cmd.add("--conf");
            cmd.add(c);
        }
        cmd.add(appJar.toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("submit.log").toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** The log of a process of the cluster ("master", "worker-0", ...). */
    String log(String name) throws IOException {
        Path p = dir.resolve(name + ".log");
        return Files.exists(p) ? new String(Files.readAllBytes(p), "UTF-8") : "";
    }

    /** Kills worker {@code i} and every process it started (its executors) with SIGKILL; returns how many processes. */
    int kill(int i) throws InterruptedException {
        Process w = workers.get(i);
        List<ProcessHandle> all = new ArrayList<>();
        w.toHandle().descendants().forEach(all::add);
        all.add(w.toHandle());
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        w.waitFor(30, TimeUnit.SECONDS);
        return all.size();
    }

    /** Processes started by worker {@code i} (its executors) that are alive. */
    long executors(int i) {
        return workers.get(i).toHandle().descendants().filter(ProcessHandle::isAlive).count();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void awaitPort(int port, Process p, String what) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IOException(what + " exited with " + p.exitValue());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                if (s.isConnected()) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IOException(what + " did not listen on port " + port + " within 60 s");
    }

    @Override
    public void close() {
        for (Process w : workers) {
            w.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            w.destroyForcibly();
        }
        master.destroyForcibly();
        for (Process p : workers) {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
