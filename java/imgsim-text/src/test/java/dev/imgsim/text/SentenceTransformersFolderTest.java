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
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.imgsim.ModelLoadException;
import dev.imgsim.Vectors;

/**
 * A sentence-transformers folder as Hugging Face exports it (onnx/model.onnx returning token
 * embeddings; pooling, token limit and prompts in the folder's configuration) gives the vectors
 * sentence-transformers computes with the same model ({@code python/st_fixture.py}: a tiny random
 * BERT, CLS pooling, prompts "query: " and "passage: ", 48 tokens).
 */
public class SentenceTransformersFolderTest {
    private static final Path FOLDER = Paths.get(System.getProperty("imgsim.test.stFolder"));
    private static JsonObject golden;
    private static List<String> texts;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @BeforeClass
    public static void load() throws IOException {
        golden = JsonParser.parseString(new String(Files.readAllBytes(Paths.get(System.getProperty("imgsim.test.stGolden"))),
                StandardCharsets.UTF_8)).getAsJsonObject();
        texts = new ArrayList<>();
        for (JsonElement e : golden.getAsJsonArray("texts")) {
            texts.add(e.getAsString());
        }
    }

    private static void assertSame(String what, JsonArray expected, float[][] actual) {
        assertEquals(expected.size(), actual.length);
        for (int i = 0; i < actual.length; i++) {
            JsonArray row = expected.get(i).getAsJsonArray();
            float[] e = new float[row.size()];
            for (int j = 0; j < e.length; j++) {
                e[j] = row.get(j).getAsFloat();
            }
            double cos = Vectors.cosine(e, actual[i]);
            assertTrue(what + " text " + i + ": cosine " + cos + " to sentence-transformers", cos >= 0.9999);
            assertEquals(what + " text " + i + " is unit length", 1.0, Vectors.dot(actual[i], actual[i]), 1e-4);
        }
    }

    @Test
    public void theFolderSaysHowToPoolAndWhatToPutBeforeQueriesAndDocuments() {
        try (TextEmbedder t = TextEmbedder.create(FOLDER)) {
            assertEquals(Pooling.CLS, t.pooling());
            assertEquals("query: ", t.queryPrefix());
            assertEquals("passage: ", t.documentPrefix());
            assertEquals(48, t.maxTokens());
            assertEquals(32, t.embeddingSize());
            assertSame("cls", golden.getAsJsonArray("cls"), t.embedAll(texts));
            assertSame("query", golden.getAsJsonArray("query"), texts.stream().map(t::embedQuery).toArray(float[][]::new));
            assertSame("document", golden.getAsJsonArray("document"), t.embedDocuments(texts));
            // the longest text was cut at the folder's max_seq_length
            assertEquals(48, t.tokenCounts(texts.get(texts.size() - 1))[0]);
        }
    }

    @Test
    public void everyPoolingMatchesSentenceTransformers() {
        for (Pooling p : Arrays.asList(Pooling.MEAN, Pooling.MAX, Pooling.LAST_TOKEN, Pooling.CLS)) {
            try (TextEmbedder t = TextEmbedder.builder().model(FOLDER.resolve("onnx/model.onnx")).pooling(p).batchSize(3).build()) {
                assertEquals(p, t.pooling());
                assertSame(p.toString(), golden.getAsJsonArray(p.nativeName), t.embedAll(texts));
            }
        }
    }

    @Test
    public void prefixesCanBeChosenAndTheBundledModelHasNone() {
        try (TextEmbedder t = TextEmbedder.builder().model(FOLDER).queryPrefix("").documentPrefix("").build()) {
            assertEquals("", t.queryPrefix());
            assertTrue(Arrays.equals(t.embed("a cat"), t.embedQuery("a cat")));
        }
        try (TextEmbedder t = TextEmbedder.create()) {
            assertEquals(Pooling.IN_MODEL, t.pooling());
            assertEquals("", t.queryPrefix());
            assertTrue(Arrays.equals(t.embed("a cat"), t.embedQuery("a cat")));
            assertTrue(Arrays.equals(t.embed("a cat"), t.embedDocuments(Arrays.asList("a cat"))[0]));
        }
        try {
            TextEmbedder.builder().pooling(Pooling.CLS).build().close();
            fail("a model that pools in its graph takes no pooling");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("pools in its graph"));
        }
        try {
            TextEmbedder.builder().pooling(Pooling.IN_MODEL);
            fail("IN_MODEL is not a choice");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("IN_MODEL"));
        }
    }

    /** A copy of the folder, to break. */
    private Path copy() throws IOException {
        Path dst = tmp.newFolder().toPath();
        try (Stream<Path> all = Files.walk(FOLDER)) {
            for (Path p : all.collect(Collectors.toList())) {
                Path q = dst.resolve(FOLDER.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
        return dst;
    }

    private static void expectLoadError(Path folder, String words) {
        try {
            TextEmbedder.create(folder).close();
            fail("expected a ModelLoadException naming " + words);
        } catch (ModelLoadException e) {
            assertTrue(e.getMessage(), e.getMessage().contains(words));
        }
    }

    @Test
    public void aFolderWithoutPoolingOrWithAnUnsupportedOneIsRefusedByName() throws IOException {
        Path noPooling = copy();
        Files.delete(noPooling.resolve("1_Pooling/config.json"));
        expectLoadError(noPooling, "1_Pooling/config.json");
        Path sqrt = copy();
        Files.write(sqrt.resolve("1_Pooling/config.json"),
                "{\"word_embedding_dimension\": 32, \"pooling_mode_mean_sqrt_len_tokens\": true}".getBytes(StandardCharsets.UTF_8));
        expectLoadError(sqrt, "pooling_mode_mean_sqrt_len_tokens");
        Path broken = copy();
        Files.write(broken.resolve("config_sentence_transformers.json"), "{\"prompts\": ".getBytes(StandardCharsets.UTF_8));
        expectLoadError(broken, "not usable");
        Path noTokenizer = copy();
        Files.delete(noTokenizer.resolve("tokenizer.json"));
        expectLoadError(noTokenizer, "tokenizer.json");
    }
}
