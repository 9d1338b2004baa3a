package dev.imgsim;

import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** TIFF and JPEG XL files are decoded natively and embed like the same pixels in PNG. */
public class FormatsTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void jpegXlAndTiffEmbedLikeThePngOfTheSamePixels() throws Exception {
        Path png = TestImages.fixtures().resolve("rocket_131x97.png");
        Path jxl = TestImages.fixtures().resolve("rocket_131x97.jxl"); // cjxl -d 0 (lossless) of the PNG
        BufferedImage img = ImageIO.read(png.toFile());
        Path tiff = tmp.getRoot().toPath().resolve("rocket.tiff");
        assertTrue("the JDK writes TIFF", ImageIO.write(TestImages.convert(img, BufferedImage.TYPE_INT_RGB), "tiff", tiff.toFile()));
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            float[] reference = sim.embed(png);
            for (Path p : new Path[] {jxl, tiff}) {
                float[] v = sim.embed(p);
                assertTrue(p + ": max abs diff " + TestImages.maxAbsDiff(reference, v), TestImages.maxAbsDiff(reference, v) <= 1e-5);
                assertTrue(p + ": bytes", TestImages.maxAbsDiff(reference, sim.embed(Files.readAllBytes(p))) <= 1e-5);
                assertTrue(p + ": copy features", sim.analyze(p).embedding().length == reference.length);
            }
            byte[] cut = Files.readAllBytes(jxl);
            ImageDecodeException e = assertThrows(ImageDecodeException.class,
                    () -> sim.embed(java.util.Arrays.copyOf(new byte[] {(byte) 0xFF, 0x0A, 1, 2, 3}, 5), "tiny.jxl"));
            assertTrue(e.getMessage(), e.getMessage().contains("tiny.jxl"));
            assertTrue(cut.length > 1000);
        }
    }
}
