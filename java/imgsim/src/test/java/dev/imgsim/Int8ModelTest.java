package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.Test;

/**
 * The bundled INT8 model loads without a path and agrees with FP32 on the golden fixtures: each
 * cosine at least 0.98 and their mean at least 0.99 (the target; docs/EDGE.md).
 */
public class Int8ModelTest {
    @Test
    public void int8AgreesWithFp32OnGoldenFixtures() throws IOException {
        try (ImageSimilarity fp32 = ImageSimilarity.create();
                ImageSimilarity int8 = ImageSimilarity.builder().model(ImageSimilarity.BundledModel.INT8).build()) {
            assertEquals(fp32.embeddingSize(), int8.embeddingSize());
            assertEquals(fp32.inputWidth(), int8.inputWidth());
            assertTrue(int8.modelMetadata().get("imgsim.quantization").contains("int8"));
            List<Object[]> fx = GoldenFixturesTest.fixtures();
            double sum = 0;
            for (Object[] f : fx) {
                Path file = TestImages.fixtures().resolve((String) f[0]);
                double c = ImageSimilarity.cosine(fp32.embed(file), int8.embed(file));
                System.out.printf("%s: cosine(FP32, INT8) %.4f%n", f[0], c);
                assertTrue(f[0] + ": cosine(FP32, INT8) " + c, c >= 0.98);
                sum += c;
            }
            assertTrue("mean cosine(FP32, INT8) " + sum / fx.size(), sum / fx.size() >= 0.99);
        }
    }
}
