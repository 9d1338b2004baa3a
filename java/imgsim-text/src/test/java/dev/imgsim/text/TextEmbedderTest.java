package dev.imgsim.text;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

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

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.imgsim.ModelLoadException;

/** TextEmbedder through its public API, against the jars (bundled model, native library). */
public class TextEmbedderTest {
    static TextEmbedder text;
    static List<String> texts = new ArrayList<>();
    static List<float[]> sentenceTransformers = new ArrayList<>();
    static List<float[]> pythonInt8 = new ArrayList<>();

    @BeforeClass
    public static void setUp() throws Exception {
        text = TextEmbedder.create();
        JsonObject g = JsonParser.parseString(new String(Files.readAllBytes(Paths.get(System.getProperty("imgsim.test.fixtures"))),
                StandardCharsets.UTF_8)).getAsJsonObject();
        for (JsonElement e : g.getAsJsonArray("texts")) {
            JsonObject o = e.getAsJsonObject();
            texts.add(o.get("text").getAsString());
            sentenceTransformers.add(floats(o.getAsJsonArray("sentence_transformers")));
            pythonInt8.add(floats(o.getAsJsonArray("int8")));
        }
    }

    @AfterClass
    public static void tearDown() {
        text.close();
    }

    static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    static void unit(float[] e, String what) {
        assertEquals(what, 384, e.length);
        double n = Math.sqrt(dot(e, e));
        assertEquals(what + ": norm", 1.0, n, 1e-3);
    }

    @Test
    public void fixturesMatchPythonAndSentenceTransformers() {
        assertEquals(384, text.embeddingSize());
        assertEquals(256, text.maxTokens());
        assertEquals("text", text.modelMetadata().get("imgsim.kind"));
        for (int i = 0; i < texts.size(); i++) {
            float[] e = text.embed(texts.get(i));
            unit(e, texts.get(i));
            // ONNX Runtime 1.32 (Python) and 1.26 (the jar) may differ a little in int8 kernels, and
            // x86-64 without AVX-512 VNNI runs others: down to 0.9787 on an AVX2-only AMD EPYC (tests/text_golden.rs)
            assertTrue(texts.get(i) + ": " + dot(e, pythonInt8.get(i)), dot(e, pythonInt8.get(i)) >= 0.97);
            // INT8 vs sentence-transformers' FP32: the one-letter fixture is the weakest (0.984)
            assertTrue(texts.get(i) + ": " + dot(e, sentenceTransformers.get(i)), dot(e, sentenceTransformers.get(i)) >= 0.98);
        }
    }

    @Test
    public void aTextsEmbeddingDoesNotDependOnItsBatch() {
        float[][] all = text.embedAll(texts);
        List<String> reversed = new ArrayList<>(texts);
        Collections.reverse(reversed);
        float[][] rev = text.embedAll(reversed);
        for (int i = 0; i < texts.size(); i++) {
            float[] alone = text.embed(texts.get(i));
            assertTrue(texts.get(i), dot(alone, all[i]) >= 0.9999);
            assertTrue(texts.get(i), dot(alone, rev[texts.size() - 1 - i]) >= 0.9999);
        }
        assertEquals(0, text.embedAll(Collections.<String>emptyList()).length);
    }

    @Test
    public void meaningDecidesSimilarity() {
        double close = text.similarity("A man is eating food.", "A man is eating a piece of bread.");
        double far = text.similarity("A man is eating food.", "The new movie is awesome.");
        assertTrue(close + " vs " + far, close > far + 0.3);
        assertEquals(1.0, text.similarity("same text", "same text"), 1e-5);
    }

    @Test
    public void oddTextsGiveDefinedResults() {
        StringBuilder mb = new StringBuilder();
        while (mb.length() < 1 << 20) {
            mb.append("one megabyte of text, ");
        }
        String[] odd = {"", "   \t\n", "a\u0000b", "\u0000", "\uD800lone high", "lone low \uDC00", "😀🍕👍", "猫は外に座っている。",
            "القطة تجلس في الخارج", "שלום עולם", mb.toString()};
        for (String s : odd) {
            unit(text.embed(s), s.length() > 20 ? s.substring(0, 20) : s);
        }
        // a lone surrogate is encoded as '?', as String.getBytes(UTF_8) does
        assertTrue(dot(text.embed("\uD800lone high"), text.embed("?lone high")) >= 0.99999);
        assertArrayEquals(new int[] {256}, text.tokenCounts(mb.toString()));
        assertArrayEquals(new int[] {2}, text.tokenCounts(""));
    }

    @Test
    public void longTextsCanBeChunked() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            sb.append("Sentence number ").append(i).append(" is about searching images and texts. ");
        }
        String longText = sb.toString();
        try (TextEmbedder chunked = TextEmbedder.builder().truncation(TextEmbedder.Truncation.CHUNK).chunkOverlap(16).build()) {
            int[] windows = chunked.tokenCounts(longText);
            assertTrue(Arrays.toString(windows), windows.length > 3);
            for (int w : windows) {
                assertTrue(w <= 256);
            }
            float[] e = chunked.embed(longText);
            unit(e, "chunked");
            assertTrue(dot(e, text.embed(longText)) > 0.8);
            // short texts are unaffected
            assertTrue(dot(chunked.embed("a short text"), text.embed("a short text")) >= 0.9999);
        }
        try (TextEmbedder small = TextEmbedder.builder().maxTokens(16).build()) {
            assertEquals(16, small.maxTokens());
            assertArrayEquals(new int[] {16}, small.tokenCounts(longText));
        }
    }

    @Test
    public void fourThreadsGiveWhatOneThreadGives() throws Exception {
        List<String> work = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            work.add(texts.get(i % texts.size()));
        }
        float[][] expected = text.embedAll(work);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (String w : work) {
                futures.add(pool.submit(() -> text.embed(w)));
            }
            for (int i = 0; i < work.size(); i++) {
                assertTrue(dot(futures.get(i).get(), expected[i]) >= 0.9999);
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    public void closeAndCleanerRules() throws Exception {
        TextEmbedder t = TextEmbedder.create();
        t.embed("x");
        t.close();
        t.close();
        assertTrue(t.isClosed());
        try {
            t.embed("x");
            fail("closed");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage().contains("closed"));
        }
        long before = TextEmbedder.liveNativeModels();
        for (int i = 0; i < 2; i++) {
            TextEmbedder.create().embed("left to the Cleaner");
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (TextEmbedder.liveNativeModels() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue("unreachable instances freed", TextEmbedder.liveNativeModels() <= before);
    }

    @Test
    public void badArgumentsAndModelsAreClearExceptions() throws Exception {
        try {
            text.embed(null);
            fail();
        } catch (NullPointerException expected) {
        }
        try {
            text.embedAll(Arrays.asList("a", null));
            fail();
        } catch (NullPointerException expected) {
            assertTrue(expected.getMessage().contains("texts[1]"));
        }
        try {
            TextEmbedder.builder().maxTokens(300).build();
            fail();
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("256"));
        }
        try {
            TextEmbedder.create(Paths.get("/nonexistent/model.onnx"));
            fail();
        } catch (ModelLoadException expected) {
            assertTrue(expected.getMessage().contains("/nonexistent"));
        }
        Path dir = Files.createTempDirectory("imgsim-text");
        try {
            Path modelDir = Paths.get(System.getProperty("imgsim.test.modelDir"));
            Path m = Files.copy(modelDir.resolve("minilm-l6-v2-int8.onnx"), dir.resolve("m.onnx"));
            try {
                TextEmbedder.create(dir);
                fail();
            } catch (ModelLoadException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("tokenizer.json"));
            }
            Files.write(dir.resolve("tokenizer.json"), "{\"not\": \"a tokenizer\"}".getBytes(StandardCharsets.UTF_8));
            try {
                TextEmbedder.create(m);
                fail();
            } catch (ModelLoadException expected) {
                assertTrue(expected.getMessage(), expected.getMessage().contains("SHA-256"));
            }
            Files.copy(modelDir.resolve("tokenizer.json"), dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            try (TextEmbedder fromDir = TextEmbedder.create(dir)) {
                assertTrue(dot(fromDir.embed("hello"), text.embed("hello")) >= 0.99999);
            }
            Files.write(m, new byte[] {1, 2, 3});
            try {
                TextEmbedder.create(m);
                fail();
            } catch (ModelLoadException expected) {
                // a corrupt model is refused
            }
        } finally {
            for (Path p : Files.list(dir).toArray(Path[]::new)) {
                Files.delete(p);
            }
            Files.delete(dir);
        }
    }
}
