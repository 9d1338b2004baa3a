package dev.imgsim.examples.service;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationContextInitializedEvent;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline;
import org.springframework.context.ApplicationListener;
import org.springframework.core.metrics.StartupStep;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The example service, started as an application (embedded Tomcat on a random local port) and
 * called over HTTP, as a user would with curl.
 */
public class ServiceTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static final Path SAMPLES = Paths.get(System.getProperty("imgsim.root", ".")).resolve("samples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ConfigurableApplicationContext app;
    private static String base;
    private static Path data;

    @BeforeClass
    public static void start() throws Exception {
        data = tmp.newFolder("data").toPath();
        long t0 = System.nanoTime();
        long[] contextStart = new long[1];
        SpringApplication application = new SpringApplication(ImageSearchApplication.class);
        BufferingApplicationStartup steps = new BufferingApplicationStartup(20_000);
        application.setApplicationStartup(steps);
        application.addListeners((ApplicationListener<ApplicationContextInitializedEvent>) e -> contextStart[0] = System.nanoTime());
        app = application.run("--server.port=0", "--imgsim.index.directory=" + data.resolve("images"),
                "--imgsim.text.index.directory=" + data.resolve("texts"), "--logging.level.root=WARN");
        double startS = (System.nanoTime() - t0) / 1e9;
        double contextS = (System.nanoTime() - contextStart[0]) / 1e9;
        double imgsimS = 0;
        for (StartupTimeline.TimelineEvent e : steps.getBufferedTimeline().getEvents()) {
            if (e.getStartupStep().getName().equals("spring.beans.instantiate")) {
                for (StartupStep.Tag tag : e.getStartupStep().getTags()) {
                    if (tag.getKey().equals("beanName") && java.util.Set.of("imageSimilarity", "imageIndex", "textEmbedder",
                            "textIndex").contains(tag.getValue())) {
                        imgsimS += e.getDuration().toNanos() / 1e9;
                    }
                }
            }
        }
        base = "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
        long f0 = System.nanoTime();
        HttpResponse<String> first = post("/images/embedding", Files.readAllBytes(SAMPLES.resolve("coffee.jpg")));
        double firstMs = (System.nanoTime() - f0) / 1e6;
        assertEquals(first.body(), 200, first.statusCode());
        // docs/SPRING.md quotes this line
        System.out.printf(java.util.Locale.ROOT, "service ready: SpringApplication.run %.2f s in a fresh JVM; from the context's"
                + " start %.2f s, of which imgsim's beans (both models, both indexes) %.2f s; first request %.0f ms%n", startS,
                contextS, imgsimS, firstMs);
        for (String f : new String[] {"astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"}) {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/images/" + f))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(SAMPLES.resolve(f)))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(r.body(), 200, r.statusCode());
        }
    }

    @AfterClass
    public static void stop() {
        if (app != null) {
            app.close();
        }
    }

    private static HttpResponse<String> post(String path, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String path) throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    public void anUploadGetsItsNeighboursAndCopies() throws Exception {
        HttpResponse<String> r = post("/images/search?k=3", Files.readAllBytes(SAMPLES.resolve("chelsea-cropped-brighter.jpg")));
        assertEquals(r.body(), 200, r.statusCode());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("chelsea.jpg", body.path("neighbours").get(0).path("id").asText());
        assertEquals(3, body.path("neighbours").size());
        assertEquals("chelsea.jpg", body.path("copies").get(0).path("id").asText());
        HttpResponse<String> bad = post("/images/search", "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body(), bad.body().contains("error"));
    }

    @Test
    public void sixteenConcurrentClientsGetTheVectorsOfOne() throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (String f : new String[] {"astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"}) {
            images.add(Files.readAllBytes(SAMPLES.resolve(f)));
        }
        List<float[]> alone = new ArrayList<>();
        for (byte[] img : images) {
            alone.add(JSON.readValue(post("/images/embedding", img).body(), float[].class));
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                byte[] img = images.get(i % images.size());
                futures.add(pool.submit(() -> JSON.readValue(post("/images/embedding", img).body(), float[].class)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals("request " + i, alone.get(i % images.size()), futures.get(i).get(), 0f);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void textsAreSearchedByMeaningAndWords() throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/texts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"lucene\": \"Lucene is a full-text search library\","
                        + " \"cats\": \"Cats are small domesticated pets\", \"spark\": \"Spark processes data on clusters\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(r.body(), 200, r.statusCode());
        assertEquals("cats", get("/texts/search?q=animals%20kept%20at%20home&k=1").get(0).path("id").asText());
        assertEquals("lucene", get("/texts/search?q=search%20engine&k=1").get(0).path("id").asText());
    }

    @Test
    public void metricsCountTheCallsAndHealthFollowsTheIndex() throws Exception {
        double before = get("/actuator/metrics/imgsim.embed?tag=kind:image").path("measurements").get(0).path("value").asDouble();
        for (int i = 0; i < 3; i++) {
            post("/images/embedding", Files.readAllBytes(SAMPLES.resolve("rocket.jpg")));
        }
        double after = get("/actuator/metrics/imgsim.embed?tag=kind:image").path("measurements").get(0).path("value").asDouble();
        assertEquals("COUNT of imgsim.embed", before + 3, after, 0);
        JsonNode health = get("/actuator/health");
        assertEquals(health.toString(), "UP", health.path("status").asText());
        assertEquals("UP", health.path("components").path("imgsim").path("status").asText());
        // the index directory disappears under the running service: DOWN, with the reason
        Path images = data.resolve("images");
        Path moved = data.resolve("images-moved");
        Files.move(images, moved);
        try {
            JsonNode down = get("/actuator/health");
            assertEquals(down.toString(), "DOWN", down.path("status").asText());
            assertTrue(down.toString(), down.path("components").path("imgsim").path("details").path("reason").asText()
                    .contains("missing"));
        } finally {
            Files.move(moved, images);
        }
        assertEquals("UP", get("/actuator/health").path("status").asText());
    }

    static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
