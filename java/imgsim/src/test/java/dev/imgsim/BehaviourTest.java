package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The public API's contract: results, argument checks and error reporting. */
public class BehaviourTest {
    private static ImageSimilarity sim;

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @BeforeClass
    public static void open() {
        sim = ImageSimilarity.create();
    }

    @AfterClass
    public static void close() {
        sim.close();
    }

    @Test
    public void defaultModelDescribesItself() {
        assertEquals(224, sim.inputWidth());
        assertEquals(224, sim.inputHeight());
        assertTrue(sim.embeddingSize() > 0 && sim.embeddingSize() <= 1024);
        assertTrue(ImageSimilarity.onnxRuntimeVersion().matches("\\d+\\.\\d+.*"));
    }

    @Test
    public void pngFileEqualsDecodedImage() throws IOException {
        BufferedImage img = TestImages.picture(150, 110, 11);
        Path png = tmp.newFile("p.png").toPath();
        ImageIO.write(img, "png", png.toFile());
        double d = TestImages.maxAbsDiff(sim.embed(ImageIO.read(png.toFile())), sim.embed(png));
        assertTrue("file vs BufferedImage: " + d, d <= 1e-5);
    }

    @Test
    public void grayPngFileEqualsDecodedGrayImage() throws IOException {
        BufferedImage gray = TestImages.convert(TestImages.picture(90, 70, 5), BufferedImage.TYPE_BYTE_GRAY);
        Path png = tmp.newFile("g.png").toPath();
        ImageIO.write(gray, "png", png.toFile());
        double d = TestImages.maxAbsDiff(sim.embed(ImageIO.read(png.toFile())), sim.embed(png));
        assertTrue("gray file vs BufferedImage: " + d, d <= 1e-5);
    }

    @Test
    public void jpegFileIsCloseToImageIoDecode() throws IOException {
        Path jpg = TestImages.root().resolve("samples").resolve("chelsea.jpg");
        double c = ImageSimilarity.cosine(sim.embed(jpg), sim.embed(ImageIO.read(jpg.toFile())));
        assertTrue("JPEG decoders differ slightly, not more: " + c, c > 0.995);
    }

    @Test
    public void embedAllEqualsOneByOne() {
        List<BufferedImage> imgs = new ArrayList<>();
        for (int i = 0; i < 19; i++) { // more than one batch, mixed sizes and types
            BufferedImage p = TestImages.picture(60 + i * 9, 40 + i * 5, 100 + i);
            imgs.add(i % 3 == 0 ? TestImages.convert(p, BufferedImage.TYPE_3BYTE_BGR) : p);
        }
        float[][] all = sim.embedAll(imgs);
        assertEquals(imgs.size(), all.length);
        for (int i = 0; i < imgs.size(); i++) {
            double d = TestImages.maxAbsDiff(sim.embed(imgs.get(i)), all[i]);
            assertTrue("image " + i + ": " + d, d <= 1e-5);
        }
        assertEquals(0, sim.embedAll(Collections.emptyList()).length);
    }

    @Test
    public void identicalImagesAreSimilarAndDifferentOnesLess() {
        BufferedImage a = TestImages.picture(200, 150, 1);
        BufferedImage copy = TestImages.convert(a, BufferedImage.TYPE_INT_RGB);
        assertTrue(sim.similarity(a, copy) >= 0.9999);
        double other = sim.similarity(a, TestImages.picture(200, 150, 999));
        assertTrue("different picture: " + other, other < 0.9999);
    }

    @Test
    public void samplesRankTheirNearDuplicateFirst() {
        Path s = TestImages.root().resolve("samples");
        float[] cat = sim.embed(s.resolve("chelsea.jpg"));
        double dup = ImageSimilarity.cosine(cat, sim.embed(s.resolve("chelsea-cropped-brighter.jpg")));
        for (String other : Arrays.asList("coffee.jpg", "astronaut.jpg", "rocket.jpg")) {
            double o = ImageSimilarity.cosine(cat, sim.embed(s.resolve(other)));
            assertTrue(other + " " + o + " vs near-duplicate " + dup, dup > o);
        }
    }

    @Test
    public void cosineIsCheckedAndBounded() {
        assertEquals(1.0, ImageSimilarity.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-12);
        assertEquals(-1.0, ImageSimilarity.cosine(new float[] {1, 0}, new float[] {-3, 0}), 1e-12);
        assertEquals(0.0, ImageSimilarity.cosine(new float[] {0, 0}, new float[] {1, 0}), 0);
        expect(IllegalArgumentException.class, () -> ImageSimilarity.cosine(new float[] {1}, new float[] {1, 2}));
        expect(IllegalArgumentException.class, () -> ImageSimilarity.cosine(new float[0], new float[0]));
        expect(NullPointerException.class, () -> ImageSimilarity.cosine(null, new float[] {1}));
    }

    @Test
    public void nullsThrowNullPointerException() {
        expect(NullPointerException.class, () -> sim.embed((BufferedImage) null));
        expect(NullPointerException.class, () -> sim.embed((Path) null));
        expect(NullPointerException.class, () -> sim.embedAll(null));
        expect(NullPointerException.class, () -> sim.embedAll(Arrays.asList(TestImages.picture(10, 10, 1), null)));
        expect(NullPointerException.class, () -> sim.similarity(null, TestImages.picture(10, 10, 1)));
        expect(NullPointerException.class, () -> ImageSimilarity.create(null));
    }

    @Test
    public void badFilesThrowImageDecodeException() throws IOException {
        Path missing = tmp.getRoot().toPath().resolve("missing.jpg");
        assertMessage(ImageDecodeException.class, () -> sim.embed(missing), "does not exist");
        Path empty = tmp.newFile("empty.png").toPath();
        expect(ImageDecodeException.class, () -> sim.embed(empty));
        Path junk = tmp.newFile("junk.jpg").toPath();
        Files.write(junk, "this is not an image".getBytes("UTF-8"));
        expect(ImageDecodeException.class, () -> sim.embed(junk));
        Path png = tmp.newFile("t.png").toPath();
        ImageIO.write(TestImages.picture(64, 64, 2), "png", png.toFile());
        byte[] bytes = Files.readAllBytes(png);
        Files.write(png, Arrays.copyOf(bytes, bytes.length / 2));
        expect(ImageDecodeException.class, () -> sim.embed(png));
        expect(ImageDecodeException.class, () -> sim.embed(tmp.getRoot().toPath()));
    }

    @Test
    public void encodedBytesEqualTheFile() throws IOException {
        Path jpg = TestImages.root().resolve("samples").resolve("chelsea.jpg");
        byte[] bytes = Files.readAllBytes(jpg);
        assertEquals(0.0, TestImages.maxAbsDiff(sim.embed(jpg), sim.embed(bytes)), 0.0);
        Path png = tmp.newFile("e.png").toPath();
        ImageIO.write(TestImages.picture(120, 80, 3), "png", png.toFile());
        assertEquals(0.0, TestImages.maxAbsDiff(sim.embed(png), sim.embed(Files.readAllBytes(png), "e.png")), 0.0);
        assertMessage(ImageDecodeException.class, () -> sim.embed("not an image".getBytes("UTF-8"), "notes.txt"), "notes.txt");
        expect(ImageDecodeException.class, () -> sim.embed(new byte[0]));
        expect(ImageDecodeException.class, () -> sim.embed(Arrays.copyOf(bytes, bytes.length / 3)));
        expect(NullPointerException.class, () -> sim.embed((byte[]) null));
        try (ImageSimilarity small = ImageSimilarity.builder().maxPixels(1000).build()) {
            assertMessage(ImageTooLargeException.class, () -> small.embed(bytes), "limit");
        }
    }

    @Test
    public void cudaWhereItCannotRunIsAClearErrorNotACpuRun() {
        // the test classpath has ONNX Runtime's CPU build: its CUDA provider does not exist
        Throwable t = expect(ImageSimilarityException.class,
                () -> ImageSimilarity.builder().executionProvider(ExecutionProvider.CUDA).build().close());
        assertTrue(t.getMessage(), t.getMessage().contains("CUDA was requested (device 0)"));
        assertTrue("says what to install: " + t.getMessage(), t.getMessage().contains("com.microsoft.onnxruntime:onnxruntime_gpu")
                && t.getMessage().contains("cuDNN"));
        expect(IllegalArgumentException.class, () -> ImageSimilarity.builder().deviceId(-1));
        try (ImageSimilarity cpu = ImageSimilarity.builder().executionProvider(ExecutionProvider.CPU).build()) {
            assertEquals(sim.embeddingSize(), cpu.embed(TestImages.picture(40, 30, 1)).length);
        }
    }

    @Test
    public void pixelLimitIsEnforced() throws IOException {
        try (ImageSimilarity small = ImageSimilarity.builder().maxPixels(1000).build()) {
            BufferedImage big = TestImages.picture(50, 50, 1);
            assertMessage(ImageTooLargeException.class, () -> small.embed(big), "2500");
            Path png = tmp.newFile("big.png").toPath();
            ImageIO.write(big, "png", png.toFile());
            assertMessage(ImageTooLargeException.class, () -> small.embed(png), "50x50");
            assertEquals(small.embeddingSize(), small.embed(TestImages.picture(30, 30, 1)).length);
        }
    }

    @Test
    public void badModelsThrowModelLoadException() throws IOException {
        Path missing = tmp.getRoot().toPath().resolve("none.onnx");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(missing), "does not exist");
        Path empty = tmp.newFile("empty.onnx").toPath();
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(empty), "empty");
        Path junk = tmp.newFile("junk.onnx").toPath();
        byte[] noise = new byte[4096];
        new java.util.Random(1).nextBytes(noise);
        Files.write(junk, noise);
        expect(ModelLoadException.class, () -> ImageSimilarity.create(junk));
    }

    @Test
    public void builderRejectsBadSettings() {
        expect(IllegalArgumentException.class, () -> ImageSimilarity.builder().inputSize(0, 10));
        expect(IllegalArgumentException.class, () -> ImageSimilarity.builder().sessionPoolSize(0));
        expect(IllegalArgumentException.class, () -> ImageSimilarity.builder().maxPixels(0));
        expect(IllegalArgumentException.class,
                () -> ImageSimilarity.builder().normalization(new float[] {0, 0, 0}, new float[] {1, 0, 1}));
        expect(IllegalArgumentException.class,
                () -> ImageSimilarity.builder().normalization(new float[] {0, 0}, new float[] {1, 1}));
    }

    @Test
    public void otherInputSizeGivesSameEmbeddingLength() {
        try (ImageSimilarity s160 = ImageSimilarity.builder().inputSize(160, 128).sessionPoolSize(1).build()) {
            assertEquals(160, s160.inputWidth());
            assertEquals(128, s160.inputHeight());
            assertEquals(sim.embeddingSize(), s160.embed(TestImages.picture(300, 200, 4)).length);
        }
    }

    interface Call {
        void run() throws Exception;
    }

    static <T extends Throwable> T expect(Class<T> type, Call c) {
        try {
            c.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + t, t);
        }
        fail("expected " + type.getSimpleName());
        return null;
    }

    static void assertMessage(Class<? extends Throwable> type, Call c, String fragment) {
        Throwable t = expect(type, c);
        assertTrue("message should mention '" + fragment + "': " + t.getMessage(), t.getMessage().contains(fragment));
    }
}
