package dev.imgsim;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.Test;

/** The shipped ONNX file: names, dynamic axes and the metadata the library reads. */
public class ModelFileTest {
    private static final Path MODEL = TestImages.root().resolve("models").resolve("image-similarity.onnx");

    @Test
    public void inputAndOutputAreNamedAndDynamic() {
        try (ImageSimilarity sim = ImageSimilarity.create(MODEL)) {
            assertEquals("input", sim.inputName());
            assertEquals("output", sim.outputName());
            assertArrayEquals(new long[] {-1, 3, -1, -1}, sim.inputShape());
        }
    }

    @Test
    public void twoInputSizesGiveTheSameEmbeddingLength() {
        try (ImageSimilarity a = ImageSimilarity.builder().model(MODEL).inputSize(224, 224).build();
                ImageSimilarity b = ImageSimilarity.builder().model(MODEL).inputSize(131, 97).build()) {
            float[] ea = a.embed(TestImages.picture(300, 200, 9));
            float[] eb = b.embed(TestImages.picture(300, 200, 9));
            assertEquals(ea.length, eb.length);
            assertTrue(ea.length <= 1024);
        }
    }

    @Test
    public void metadataCarriesThePreprocessing() {
        try (ImageSimilarity sim = ImageSimilarity.create(MODEL)) {
            Map<String, String> m = sim.modelMetadata();
            assertEquals("224", m.get("imgsim.input_width"));
            assertEquals("224", m.get("imgsim.input_height"));
            assertEquals("RGB", m.get("imgsim.channel_order"));
            assertEquals(3, m.get("imgsim.mean").split(",").length);
            assertEquals(3, m.get("imgsim.std").split(",").length);
            assertEquals(String.valueOf(sim.embeddingSize()), m.get("imgsim.embedding_size"));
            assertTrue(m.get("imgsim.model_name").startsWith("imgsim-"));
            assertTrue(m.containsKey("imgsim.model_version"));
            assertTrue(m.get("imgsim.training_data").contains("mate-backgrounds"));
        }
    }

    @Test
    public void bundledModelIsTheShippedFile() {
        try (ImageSimilarity bundled = ImageSimilarity.create(); ImageSimilarity file = ImageSimilarity.create(MODEL)) {
            java.awt.image.BufferedImage img = TestImages.picture(64, 64, 77);
            assertArrayEquals(bundled.embed(img), file.embed(img), 0f);
        }
    }
}
