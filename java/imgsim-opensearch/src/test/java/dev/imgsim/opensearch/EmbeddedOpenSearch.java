package dev.imgsim.opensearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * A real single-node OpenSearch 2.19 cluster (HTTP on 127.0.0.1, the k-NN plugin loaded) inside
 * this JVM, for tests and benchmarks. Started in about 15 s on 2 cores; {@link #close()} stops it
 * and deletes its data.
 */
public final class EmbeddedOpenSearch implements AutoCloseable {
    private final Node node;
    private final Path home;
    private final String url;

    /** Node's constructor with plugins is protected: the test framework's MockNode does the same. */
    private static final class TestNode extends Node {
        TestNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
            super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "imgsim-test"), plugins, true);
        }
    }

    private EmbeddedOpenSearch(Node node, Path home, String url) {
        this.node = node;
        this.home = home;
        this.url = url;
    }

    /**
     * Starts a node with its data under {@code home} (deleted first) and waits for it to be green.
     *
     * @param home a scratch directory
     * @return the running node
     * @throws Exception if it cannot start
     */
    public static EmbeddedOpenSearch start(Path home) throws Exception {
        delete(home);
        Settings settings = Settings.builder()
                .put("node.name", "imgsim-test")
                .put("cluster.name", "imgsim-test-" + ProcessHandle.current().pid())
                .put("http.port", "19200-19299")
                .put("transport.port", "19300-19399")
                .put("discovery.type", "single-node")
                .build();
        EmbeddedOpenSearch n = start(home, settings);
        n.node.client().admin().cluster().prepareHealth().setWaitForGreenStatus().get();
        return n;
    }

    /**
     * Starts a node with {@code settings} (name, cluster, ports, discovery) and its data under
     * {@code home}, kept if there (a restarted node), without waiting for the cluster's health.
     */
    @SuppressWarnings("unchecked")
    static EmbeddedOpenSearch start(Path home, Settings settings) throws Exception {
        Files.createDirectories(home);
        Settings all = Settings.builder()
                .put("path.home", home.toString())
                .put("network.host", "127.0.0.1")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .put(settings)
                .build();
        Class<? extends Plugin> knn = (Class<? extends Plugin>) Class.forName("org.opensearch.knn.plugin.KNNPlugin");
        Node node = new TestNode(all, Arrays.asList(Netty4Plugin.class, knn));
        node.start();
        TransportAddress http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
        return new EmbeddedOpenSearch(node, home, "http://127.0.0.1:" + http.getPort());
    }

    /** Starts a node under {@code imgsim.test.nodeHome} (the build sets it) or a temporary folder. */
    static EmbeddedOpenSearch start() throws Exception {
        String home = System.getProperty("imgsim.test.nodeHome");
        return start(home != null ? Paths.get(home) : Files.createTempDirectory("imgsim-opensearch"));
    }

    /** @return the node's HTTP address, e.g. {@code http://127.0.0.1:19200} */
    public String url() {
        return url;
    }

    @Override
    public void close() throws IOException {
        try {
            node.close();
            node.awaitClose(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            delete(home);
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
