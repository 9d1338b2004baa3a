package dev.imgsim.elasticsearch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.transport.TransportAddress;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.ClasspathPluginsNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A real single-node Elasticsearch 8.18 cluster (HTTP on 127.0.0.1 through the Netty4 transport)
 * inside this JVM, for tests and benchmarks: the server's own {@link Node}, started the way
 * Elasticsearch's plugin tests start theirs (the test framework's {@code MockNode}: a Node whose
 * plugins come from the classpath; see {@link ClasspathPluginsNode}), with the {@code english}
 * analyzer of the distribution's analysis-common module ({@link EnglishAnalysisPlugin}).
 * {@link #close()} stops it and deletes its data.
 */
public final class EmbeddedElasticsearch implements AutoCloseable {
    private final Node node;
    private final Path home;
    private final String url;

    private EmbeddedElasticsearch(Node node, Path home, String url) {
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
    public static EmbeddedElasticsearch start(Path home) throws Exception {
        delete(home);
        Files.createDirectories(home);
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("node.name", "imgsim-test")
                .put("cluster.name", "imgsim-es-test-" + ProcessHandle.current().pid())
                .put("network.host", "127.0.0.1")
                .put("http.port", "19400-19499")
                .put("transport.port", "19500-19599")
                .put("discovery.type", "single-node")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                .build();
        Node node = new ClasspathPluginsNode(settings, Arrays.asList(Netty4Plugin.class, EnglishAnalysisPlugin.class));
        node.start();
        TransportAddress http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
        String url = "http://127.0.0.1:" + http.getPort();
        node.client().admin().cluster().prepareHealth(org.elasticsearch.core.TimeValue.timeValueSeconds(30))
                .setWaitForGreenStatus().get();
        return new EmbeddedElasticsearch(node, home, url);
    }

    /** Starts a node under {@code imgsim.test.nodeHome} (the build sets it) or a temporary folder. */
    static EmbeddedElasticsearch start() throws Exception {
        String home = System.getProperty("imgsim.test.nodeHome");
        return start(home != null ? Paths.get(home) : Files.createTempDirectory("imgsim-elasticsearch"));
    }

    /** @return the node's HTTP address, e.g. {@code http://127.0.0.1:19400} */
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
