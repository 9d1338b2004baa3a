package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import org.junit.Test;

/**
 * The library reproduces the embeddings that onnxruntime (Python) computed for the fixture
 * images with the reference preprocessing (models/fixtures/golden.json, written by export.py).
 */
public class GoldenFixturesTest {
    /** A tiny reader for golden.json's flat structure: file names and their onnxruntime vectors. */
    static List<Object[]> fixtures() throws IOException {
        String json = new String(Files.readAllBytes(TestImages.fixtures().resolve("golden.json")), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"file\":\\s*\"([^\"]+)\".*?\"onnxruntime\":\\s*\\[([^\\]]*)\\]", Pattern.DOTALL)
                .matcher(json);
        List<Object[]> out = new ArrayList<>();
        while (m.find()) {
            String[] parts = m.group(2).split(",");
            float[] v = new float[parts.length];
            for (int i = 0; i < parts.length; i++) {
                v[i] = Float.parseFloat(parts[i].trim());
            }
            out.add(new Object[] {m.group(1), v});
        }
        return out;
    }

    @Test
    public void embeddingsMatchOnnxRuntimeReference() throws IOException {
        List<Object[]> fx = fixtures();
        assertTrue("golden.json lists fixtures", fx.size() >= 3);
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            for (Object[] f : fx) {
                Path file = TestImages.fixtures().resolve((String) f[0]);
                float[] expected = (float[]) f[1];
                float[] fromFile = sim.embed(file);
                float[] fromImage = sim.embed(ImageIO.read(file.toFile()));
                assertEquals(expected.length, fromFile.length);
                double d1 = TestImages.maxAbsDiff(expected, fromFile);
                double d2 = TestImages.maxAbsDiff(expected, fromImage);
                if (file.getFileName().toString().contains("_224x224")) {
                    // at the model's input size nothing is resized: the same tensor, the same numbers
                    assertTrue(f[0] + " embed(Path): max abs diff " + d1, d1 <= 1e-4);
                    assertTrue(f[0] + " embed(BufferedImage): max abs diff " + d2, d2 <= 1e-4);
                } else {
                    // resized: fast_image_resize and Pillow round some pixels differently (by at most 1/255)
                    assertTrue(f[0] + " cosine " + ImageSimilarity.cosine(expected, fromFile),
                            ImageSimilarity.cosine(expected, fromFile) >= 0.999);
                    assertTrue(f[0] + " max abs diff " + d1, d1 <= 1e-2);
                    assertTrue(f[0] + " file vs BufferedImage " + TestImages.maxAbsDiff(fromFile, fromImage),
                            TestImages.maxAbsDiff(fromFile, fromImage) <= 1e-5);
                }
            }
        }
    }
}
