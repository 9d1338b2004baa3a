package dev.imgsim.opensearch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * What a bulk load does when the cluster answers "not now": a scripted HTTP server stands in for
 * a busy cluster (HTTP 429 for a whole request, 429 for single documents, a permanent rejection),
 * since a real node rarely answers 429 on cue.
 */
public class OpenSearchRetryTest {
    private HttpServer server;
    private String url;
    /** Scripted answers to the bulk requests, in order: {status, body}. */
    private final Deque<Object[]> bulkAnswers = new ConcurrentLinkedDeque<>();
    private final List<String> bulkBodies = Collections.synchronizedList(new ArrayList<>());

    private static final String OK_SHARDS = "\"_shards\":{\"total\":1,\"successful\":1,\"failed\":0}";

    static String created(String id) {
        return "{\"index\":{\"_index\":\"t\",\"_id\":\"" + id + "\",\"_version\":1,\"result\":\"created\",\"status\":201,"
                + "\"_seq_no\":0,\"_primary_term\":1," + OK_SHARDS + "}}";
    }

    static String rejected(String id, int status, String type) {
        return "{\"index\":{\"_index\":\"t\",\"_id\":\"" + id + "\",\"status\":" + status + ",\"error\":{\"type\":\"" + type
                + "\",\"reason\":\"scripted\"}}}";
    }

    static Object[] items(String... items) {
        boolean errors = false;
        for (String i : items) {
            errors |= i.contains("\"error\"");
        }
        return new Object[] {200, "{\"took\":1,\"errors\":" + errors + ",\"items\":[" + String.join(",", items) + "]}"};
    }

    @Before
    public void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::answer);
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @After
    public void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        byte[] in = x.getRequestBody().readAllBytes();
        int status = 200;
        String body;
        if (path.endsWith("/_mapping")) {
            body = "{\"t\":{\"mappings\":{\"properties\":{\"embedding\":{\"type\":\"knn_vector\",\"dimension\":4}}}}}";
        } else if (path.endsWith("/_mget")) {
            body = "{\"docs\":[]}";
        } else if (path.endsWith("/_bulk")) {
            bulkBodies.add(new String(in, StandardCharsets.UTF_8));
            Object[] a = bulkAnswers.poll();
            status = (Integer) a[0];
            body = (String) a[1];
        } else if (path.endsWith("/_refresh")) {
            body = "{" + OK_SHARDS + "}";
        } else {
            body = "{}"; // HEAD /t: the index exists
        }
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        if ("HEAD".equals(x.getRequestMethod())) {
            x.sendResponseHeaders(status, -1);
        } else {
            x.sendResponseHeaders(status, out.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(out);
            }
        }
        x.close();
    }

    private static Map<String, float[]> docs(String... ids) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (String id : ids) {
            m.put(id, new float[] {1, 0, 0, 0});
        }
        return m;
    }

    @Test
    public void whatTheClusterCannotTakeForNowIsSentAgainWithBackoff() {
        bulkAnswers.add(new Object[] {429, "{\"error\":{\"type\":\"es_rejected_execution_exception\",\"reason\":\"queue full\"},"
                + "\"status\":429}"});
        bulkAnswers.add(items(rejected("a", 429, "es_rejected_execution_exception"), created("b")));
        bulkAnswers.add(items(created("a")));
        try (OpenSearchImageIndex index = OpenSearchImageIndex.builder(url, "t").dimension(4).open()) {
            long t0 = System.nanoTime();
            assertEquals(2, index.bulkLoad(docs("a", "b").entrySet().iterator()));
            double ms = (System.nanoTime() - t0) / 1e6;
            assertEquals(3, bulkBodies.size());
            assertTrue(bulkBodies.get(2), bulkBodies.get(2).contains("\"a\"") && !bulkBodies.get(2).contains("\"b\""));
            assertEquals(2, index.lastLoadRetries());
            assertTrue("backoff 100 + 200 ms: " + ms, ms >= 300);
        }
    }

    @Test
    public void aPermanentRejectionIsReportedAtOnceAndTheRestWritten() {
        bulkAnswers.add(items(rejected("a", 400, "mapper_parsing_exception"), created("b")));
        try (OpenSearchImageIndex index = OpenSearchImageIndex.builder(url, "t").dimension(4).open()) {
            OpenSearchBulkException e = assertThrows(OpenSearchBulkException.class,
                    () -> index.bulkLoad(docs("a", "b").entrySet().iterator()));
            assertEquals(1, bulkBodies.size());
            assertTrue(e.failures().toString(), e.failures().get("a").startsWith("mapper_parsing_exception"));
            assertEquals(1, e.failures().size());
        }
    }

    @Test
    public void withoutRetriesABusyClusterIsAClearError() {
        bulkAnswers.add(new Object[] {429, "{\"error\":{\"type\":\"es_rejected_execution_exception\",\"reason\":\"queue full\"},"
                + "\"status\":429}"});
        try (OpenSearchImageIndex index = OpenSearchImageIndex.builder(url, "t").dimension(4).retryFor(Duration.ZERO).open()) {
            OpenSearchIndexException e = assertThrows(OpenSearchIndexException.class,
                    () -> index.bulkLoad(docs("a").entrySet().iterator()));
            assertTrue(e.getMessage(), e.getMessage().contains("queue full"));
            // documents still pending when the time is up are reported, not dropped
            bulkAnswers.add(items(rejected("a", 429, "es_rejected_execution_exception")));
            OpenSearchBulkException pending = assertThrows(OpenSearchBulkException.class,
                    () -> index.bulkLoad(docs("a").entrySet().iterator()));
            assertTrue(pending.failures().toString(), pending.failures().containsKey("a"));
        }
    }
}
