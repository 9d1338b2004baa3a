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

/** TIFF, JPEG XL, HEIC, AVIF and camera RAW files are decoded natively and embed like the same pixels in PNG. */
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

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private static BufferedImage quarterTurn(BufferedImage src, boolean clockwise) {
        BufferedImage out = new BufferedImage(src.getHeight(), src.getWidth(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int rgb = src.getRGB(x, y);
                if (clockwise) {
                    out.setRGB(src.getHeight() - 1 - y, x, rgb);
                } else {
                    out.setRGB(y, src.getWidth() - 1 - x, rgb);
                }
            }
        }
        return out;
    }

    @Test
    public void heicAvifAndRawPreviewsEmbedLikeTheUprightPng() throws Exception {
        BufferedImage png = ImageIO.read(TestImages.fixtures().resolve("rocket_131x97.png").toFile());
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            float[] upright = sim.embed(png);
            float[] cw = sim.embed(quarterTurn(png, true));
            float[] ccw = sim.embed(quarterTurn(png, false));
            // at 131x97, lossy compression alone costs up to 0.08 of cosine (the pixels themselves are
            // checked in the Rust tests: AVIF equal to avifdec's within one level, the rest against the PNG);
            // each file must also be nearer its own orientation than the other two by 0.05
            Object[][] cases = {
                {"rocket_131x97.heic", upright}, // heif-enc -q 90
                {"rocket_131x97.avif", upright}, // avifenc, 8 bits
                {"rocket_131x97_10bit.avif", upright},
                {"rocket_preview.dng", upright}, // python/make_raw_fixtures.py: embedded JPEG previews
                {"rocket_preview.nef", upright},
                {"rocket_preview.cr2", cw}, // IFD0 Orientation 6
                {"rocket_preview.arw", ccw}, // IFD0 Orientation 8
            };
            for (Object[] c : cases) {
                Path p = TestImages.fixtures().resolve((String) c[0]);
                float[] v = sim.embed(p);
                double cos = cosine((float[]) c[1], v);
                double wrong = 0;
                for (float[] other : new float[][] {upright, cw, ccw}) {
                    if (other != c[1]) {
                        wrong = Math.max(wrong, cosine(other, v));
                    }
                }
                assertTrue(p + ": cosine to the PNG in its orientation " + cos + ", to another " + wrong,
                        cos >= 0.9 && cos >= wrong + 0.05);
                assertTrue(p + ": bytes", TestImages.maxAbsDiff(v, sim.embed(Files.readAllBytes(p))) <= 1e-5);
            }
            // a damaged file: a named ImageDecodeException, never a crash
            for (String name : new String[] {"rocket_131x97.heic", "rocket_131x97.avif", "rocket_preview.dng"}) {
                byte[] bytes = Files.readAllBytes(TestImages.fixtures().resolve(name));
                byte[] cut = java.util.Arrays.copyOf(bytes, 40);
                ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> sim.embed(cut, "cut-" + name));
                assertTrue(e.getMessage(), e.getMessage().contains("cut-" + name));
            }
        }
    }
}
