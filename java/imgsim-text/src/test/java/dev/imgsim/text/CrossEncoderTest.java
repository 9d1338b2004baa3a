package dev.imgsim.text;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.imgsim.ModelLoadException;

/**
 * {@link CrossEncoder} gives sentence-transformers' own {@code CrossEncoder} scores
 * ({@code python/ce_fixture.py}: a tiny random BERT sequence classifier, 48 tokens), whatever the
 * other texts of a call and the thread, and refuses what it cannot use by name.
 */
public class CrossEncoderTest {
    private static final Path FOLDER = Paths.get(System.getProperty("imgsim.test.ceFolder"));
    private static JsonObject golden;
    private static List<String[]> pairs;
    private static double[] expected;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @BeforeClass
    public static void load() throws IOException {
        golden = JsonParser.parseString(new String(Files.readAllBytes(Paths.get(System.getProperty("imgsim.test.ceGolden"))),
                StandardCharsets.UTF_8)).getAsJsonObject();
        pairs = new ArrayList<>();
        for (var e : golden.getAsJsonArray("pairs")) {
            JsonArray p = e.getAsJsonArray();
            pairs.add(new String[] {p.get(0).getAsString(), p.get(1).getAsString()});
        }
        JsonArray s = golden.getAsJsonArray("scores");
        expected = new double[s.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = s.get(i).getAsDouble();
        }
    }

    private static void near(String what, double want, double got) {
        assertEquals(what, want, got, 1e-3 * Math.max(1, Math.abs(want)));
    }

    @Test
    public void scoresAreSentenceTransformersOwn() {
        try (CrossEncoder ce = CrossEncoder.create(FOLDER)) {
            assertEquals(48, ce.maxTokens());
            for (int i = 0; i < pairs.size(); i++) {
                String[] p = pairs.get(i);
                near("pair " + i, expected[i], ce.score(p[0], p[1]));
                assertEquals("tokens of pair " + i, golden.getAsJsonArray("tokens").get(i).getAsInt(), ce.tokenCount(p[0], p[1]));
            }
            // one call, many texts: each text's own score, in order
            String q = pairs.get(0)[0];
            List<String> texts = new ArrayList<>();
            for (String[] p : pairs) {
                if (p[0].equals(q)) {
                    texts.add(p[1]);
                }
            }
            double[] all = ce.score(q, texts);
            assertEquals(texts.size(), all.length);
            for (int i = 0; i < all.length; i++) {
                near("text " + i + " among others", expected[i], all[i]);
            }
            assertEquals(0, ce.score(q, Collections.emptyList()).length);
            // odd strings are defined: a lone surrogate, NUL, a very long text (cut to the limit)
            double[] odd = ce.score("\ud800 query", Arrays.asList("a\u0000b", "word ".repeat(5000)));
            assertTrue(Double.isFinite(odd[0]) && Double.isFinite(odd[1]));
            assertEquals(48, ce.tokenCount("q", "word ".repeat(5000)));
        }
    }

    @Test
    public void threadsShareOneInstanceAndGetTheSameScores() throws Exception {
        try (CrossEncoder ce = CrossEncoder.builder().model(FOLDER).sessionPoolSize(2).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<double[]>> runs = new ArrayList<>();
                for (int r = 0; r < 8; r++) {
                    runs.add(pool.submit(() -> {
                        double[] s = new double[pairs.size()];
                        for (int i = 0; i < s.length; i++) {
                            s[i] = ce.score(pairs.get(i)[0], pairs.get(i)[1]);
                        }
                        return s;
                    }));
                }
                for (Future<double[]> f : runs) {
                    double[] s = f.get();
                    for (int i = 0; i < s.length; i++) {
                        near("pair " + i + " from a thread", expected[i], s[i]);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    public void whatCannotBeUsedIsRefusedByName() throws IOException {
        // a text-embedding model returns token embeddings, not one logit per pair
        try (CrossEncoder ce = CrossEncoder.create(Paths.get(System.getProperty("imgsim.test.stFolder")))) {
            fail("an embedding model was taken for a cross-encoder: " + ce);
        } catch (ModelLoadException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("one relevance logit"));
        }
        Path lone = tmp.newFolder("lone").toPath();
        Files.copy(FOLDER.resolve("model.onnx"), lone.resolve("model.onnx"));
        try (CrossEncoder ce = CrossEncoder.create(lone)) {
            fail("opened without a tokenizer: " + ce);
        } catch (ModelLoadException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("tokenizer.json"));
        }
        try (CrossEncoder ce = CrossEncoder.builder().model(FOLDER).maxTokens(49).build()) {
            fail("a limit over the model's was taken: " + ce);
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("48"));
        }
        Path broken = tmp.newFolder("broken").toPath();
        Files.copy(FOLDER.resolve("tokenizer.json"), broken.resolve("tokenizer.json"));
        Files.write(broken.resolve("model.onnx"), new byte[] {1, 2, 3, 4});
        try (CrossEncoder ce = CrossEncoder.create(broken)) {
            fail("a broken model was opened: " + ce);
        } catch (ModelLoadException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("model.onnx"));
        }
        try {
            CrossEncoder.builder().build();
            fail("no model");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("model"));
        }
    }

    @Test
    public void closedIsClosedAndNothingLeaks() {
        long before = CrossEncoder.liveNativeModels();
        CrossEncoder ce = CrossEncoder.create(FOLDER);
        assertEquals(before + 1, CrossEncoder.liveNativeModels());
        ce.close();
        ce.close();
        assertTrue(ce.isClosed());
        try {
            ce.score("q", "t");
            fail("a closed cross-encoder scored");
        } catch (IllegalStateException expected) {
            // named: closed
        }
        assertEquals(before, CrossEncoder.liveNativeModels());
        try {
            ce.score(null, "t");
            fail("null query");
        } catch (NullPointerException expected) {
            // ok
        }
    }
}
