package dev.imgsim.spring;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.TextEncoder;
import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.TextIndex;
import dev.imgsim.text.TextEmbedder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The auto-configuration in real application contexts (no web server: see the example service's tests). */
public class ImgsimAutoConfigurationTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static final Path SAMPLES = Paths.get(System.getProperty("imgsim.root", ".")).resolve("samples");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ImgsimAutoConfiguration.class));

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnModel {
        static final ImageSimilarity MINE = ImageSimilarity.create();

        @Bean
        ImageSimilarity mySimilarity() {
            return MINE;
        }
    }

    @Test
    public void defaultsGiveTheBundledModelsAndNoIndexAndCloseThem() {
        ImageSimilarity[] sim = new ImageSimilarity[1];
        runner.run(ctx -> {
            assertNull(String.valueOf(ctx.getStartupFailure()), ctx.getStartupFailure());
            sim[0] = ctx.getBean(ImageSimilarity.class);
            assertEquals(512, sim[0].embeddingSize());
            assertTrue("imgsim-text is on the classpath", ctx.getBeanNamesForType(TextEncoder.class).length == 1);
            assertEquals(0, ctx.getBeanNamesForType(ImageIndex.class).length);
            assertEquals(0, ctx.getBeanNamesForType(TextIndex.class).length);
            assertEquals(1, ctx.getBeanNamesForType(ImgsimHealthIndicator.class).length);
            ImgsimTemplate t = ctx.getBean(ImgsimTemplate.class);
            assertEquals(sim[0].embed(SAMPLES.resolve("coffee.jpg"))[3], t.embed(SAMPLES.resolve("coffee.jpg"))[3], 0f);
        });
        assertTrue("closed with the context", sim[0].isClosed());
        runner.withPropertyValues("imgsim.text.enabled=false")
                .run(ctx -> assertEquals(0, ctx.getBeanNamesForType(TextEncoder.class).length));
    }

    @Test
    public void theApplicationsOwnBeanWins() {
        runner.withUserConfiguration(OwnModel.class).run(ctx -> {
            assertSame(OwnModel.MINE, ctx.getBean(ImageSimilarity.class));
            assertSame(OwnModel.MINE, ctx.getBean(ImgsimTemplate.class).images());
        });
    }

    @Test
    public void indexesAreOpenedFromThePropertiesAndEveryCallIsMetered() throws Exception {
        Path images = tmp.newFolder().toPath().resolve("images");
        Path texts = tmp.newFolder().toPath().resolve("texts");
        runner.withUserConfiguration(Registry.class)
                .withPropertyValues("imgsim.index.directory=" + images, "imgsim.text.index.directory=" + texts,
                        "imgsim.session-pool-size=2")
                .run(ctx -> {
                    ImgsimTemplate t = ctx.getBean(ImgsimTemplate.class);
                    for (String f : new String[] {"astronaut.jpg", "chelsea.jpg", "coffee.jpg"}) {
                        t.add(f, Files.readAllBytes(SAMPLES.resolve(f)), f, Collections.singletonMap("file", f));
                    }
                    List<Hit> hits = t.search(Files.readAllBytes(SAMPLES.resolve("chelsea-cropped-brighter.jpg")), "q.jpg", 2);
                    assertEquals("chelsea.jpg", hits.get(0).id());
                    assertEquals("chelsea.jpg", t.searchCopies(Files.readAllBytes(SAMPLES.resolve("chelsea.jpg")), "q.jpg", 1)
                            .get(0).id());
                    t.addText("lucene", "Lucene is a full-text search library");
                    t.addText("cats", "Cats are small pets");
                    assertEquals("cats", t.searchText("pet animals", 1).get(0).id());
                    try {
                        t.embed("not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8), "upload.txt");
                    } catch (dev.imgsim.ImageDecodeException expected) {
                        assertTrue(expected.getMessage(), expected.getMessage().contains("upload.txt"));
                    }
                    MeterRegistry r = ctx.getBean(MeterRegistry.class);
                    assertEquals(3, r.get("imgsim.add").tag("kind", "image").timer().count());
                    assertEquals(2, r.get("imgsim.search").tag("kind", "image").timer().count());
                    assertEquals(1, r.get("imgsim.embed").tag("kind", "image").timer().count());
                    assertEquals(2, r.get("imgsim.add").tag("kind", "text").timer().count());
                    assertEquals(1, r.get("imgsim.search").tag("kind", "text").timer().count());
                    assertEquals(1.0, r.get("imgsim.decode.failures").counter().count(), 0);
                    assertEquals(3.0, r.get("imgsim.index.size").tag("kind", "image").gauge().value(), 0);
                    assertEquals(2.0, r.get("imgsim.index.size").tag("kind", "text").gauge().value(), 0);
                    assertEquals(0.0, r.get("imgsim.inference.active").tag("kind", "image").gauge().value(), 0);

                    ImgsimHealthIndicator health = ctx.getBean(ImgsimHealthIndicator.class);
                    Health up = health.health();
                    assertEquals(up.toString(), Status.UP, up.getStatus());
                    assertEquals(3L, ((Map<?, ?>) up.getDetails().get("imageIndex")).get("documents"));
                    deleteTree(images);
                    Health down = health.health();
                    assertEquals(Status.DOWN, down.getStatus());
                    assertTrue(down.toString(), String.valueOf(down.getDetails().get("reason")).contains("missing"));
                });
    }

    @Test
    public void misconfigurationStopsTheStartNamingTheProperty() throws Exception {
        expectFailure(runner.withPropertyValues("imgsim.model=/nowhere/model.onnx"), "imgsim.model", "no model file");
        expectFailure(runner.withPropertyValues("imgsim.text.model=/nowhere/minilm"), "imgsim.text.model", "no text model");
        Path file = tmp.newFile("not-a-directory").toPath();
        expectFailure(runner.withPropertyValues("imgsim.index.directory=" + file.resolve("index")), "imgsim.index.directory",
                "cannot create the index directory");
        Path shared = tmp.newFolder("shared").toPath();
        runner.withPropertyValues("imgsim.index.directory=" + shared).run(first -> {
            assertTrue(first.getStartupFailure() == null);
            expectFailure(runner.withPropertyValues("imgsim.index.directory=" + shared), "imgsim.index.directory",
                    "already open for writing");
            runner.withPropertyValues("imgsim.index.directory=" + shared, "imgsim.index.read-only=true")
                    .run(reader -> assertEquals(0, reader.getBean(ImageIndex.class).size()));
        });
    }

    private static void expectFailure(ApplicationContextRunner r, String property, String text) {
        r.run(ctx -> {
            Throwable failure = ctx.getStartupFailure();
            assertNotNull("started with a bad " + property, failure);
            ImgsimConfigurationException cause = null;
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof ImgsimConfigurationException) {
                    cause = (ImgsimConfigurationException) t;
                }
            }
            assertNotNull(failure.toString(), cause);
            assertEquals(property, cause.property());
            assertTrue(cause.getMessage(), cause.getMessage().contains(text));
            FailureAnalysis report = new ImgsimFailureAnalyzer().analyze(failure);
            assertTrue(report.getAction(), report.getAction().contains("'" + property + "'"));
            assertFalse(report.getDescription().isEmpty());
        });
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Test
    public void theConfigurationMetadataIsGenerated() throws Exception {
        try (java.io.InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertNotNull("spring-configuration-metadata.json is in the jar", in);
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            for (String p : new String[] {"imgsim.model", "imgsim.session-pool-size", "imgsim.index.directory",
                    "imgsim.index.read-only", "imgsim.text.index.directory", "imgsim.health.min-free-disk"}) {
                assertTrue(p + " in the metadata", json.contains("\"" + p + "\""));
            }
        }
        assertTrue(TextEmbedder.class.getName().startsWith("dev.imgsim"));
    }
}
