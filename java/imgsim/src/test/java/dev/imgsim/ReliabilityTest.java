package dev.imgsim;

import static dev.imgsim.BehaviourTest.assertMessage;
import static dev.imgsim.BehaviourTest.expect;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import javax.imageio.ImageIO;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The bad-input matrix of docs/RELIABILITY.md: every case a clear exception, never a crash. */
public class ReliabilityTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    static Path testModel(String name) {
        return TestImages.root().resolve("java/imgsim/src/test/resources/models").resolve(name + ".onnx");
    }

    @Test
    public void modelsThatAreNotImageEmbeddersAreRefused() {
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("rank3-input")), "[N, 3, H, W]");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("one-channel")), "3 channels");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("int64-input")), "float32");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("output-4d")), "[N, D]");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("tiny-no-size")), "input size");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("bad-metadata")), "imgsim.input_width");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("bad-std")), "std");
        assertMessage(ModelLoadException.class, () -> ImageSimilarity.create(testModel("bad-channel-order")), "RGB");
    }

    @Test
    public void dynamicModelWithoutMetadataWorksOnceASizeIsGiven() {
        try (ImageSimilarity s = ImageSimilarity.builder().model(testModel("tiny-no-size")).inputSize(20, 10).build()) {
            assertEquals(16, s.embed(TestImages.picture(50, 40, 1)).length);
            assertEquals(20, s.inputWidth());
        }
    }

    @Test
    public void fixedSizeBatchOneModelWorksAndRefusesOtherSizes() {
        try (ImageSimilarity s = ImageSimilarity.create(testModel("tiny-fixed"))) {
            assertEquals(32, s.inputWidth());
            List<BufferedImage> imgs = Arrays.asList(TestImages.picture(40, 30, 1), TestImages.picture(70, 20, 2),
                    TestImages.picture(32, 32, 3));
            float[][] all = s.embedAll(imgs); // the model takes one image per run: embedAll runs them one by one
            for (int i = 0; i < imgs.size(); i++) {
                assertArrayEquals(s.embed(imgs.get(i)), all[i], 1e-6f);
            }
        }
        expect(IllegalArgumentException.class,
                () -> ImageSimilarity.builder().model(testModel("tiny-fixed")).inputSize(64, 64).build());
    }

    @Test
    public void extremeShapesEmbed() {
        try (ImageSimilarity s = ImageSimilarity.create()) {
            int[][] shapes = {{1, 1}, {1, 20000}, {20000, 1}, {3, 7}};
            for (int[] wh : shapes) {
                float[] e = s.embed(TestImages.picture(wh[0], wh[1], 5));
                for (float v : e) {
                    assertTrue(wh[0] + "x" + wh[1] + " gives finite values", Float.isFinite(v));
                }
            }
        }
    }

    @Test
    public void hundredMegapixelsAreAcceptedAtTheDefaultLimitAndRefusedAbove() {
        try (ImageSimilarity s = ImageSimilarity.create(testModel("tiny"))) {
            BufferedImage huge = new BufferedImage(10_000, 10_000, BufferedImage.TYPE_BYTE_GRAY);
            assertEquals(16, s.embed(huge).length);
        }
        try (ImageSimilarity s = ImageSimilarity.builder().model(testModel("tiny")).maxPixels(99_999_999).build()) {
            BufferedImage huge = new BufferedImage(10_000, 10_000, BufferedImage.TYPE_BYTE_BINARY);
            assertMessage(ImageTooLargeException.class, () -> s.embed(huge), "100000000");
        }
    }

    /** A 60000x60000 PNG header followed by nothing: refused from the header, nothing allocated. */
    @Test
    public void decompressionBombIsRefusedFromItsHeader() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        byte[] ihdr = new byte[17];
        System.arraycopy("IHDR".getBytes("US-ASCII"), 0, ihdr, 0, 4);
        writeInt(ihdr, 4, 60000);
        writeInt(ihdr, 8, 60000);
        ihdr[12] = 8; // bit depth
        ihdr[13] = 2; // RGB
        d.writeInt(13);
        d.write(ihdr);
        CRC32 crc = new CRC32();
        crc.update(ihdr);
        d.writeInt((int) crc.getValue());
        // a first IDAT of 4 KB of compressed zeros (a real bomb would carry ~10 MB for 10 GB of pixels)
        java.util.zip.Deflater z = new java.util.zip.Deflater(9);
        z.setInput(new byte[1 << 20]);
        z.finish();
        byte[] buf = new byte[1 << 16];
        int n = z.deflate(buf);
        byte[] idat = new byte[4 + n];
        System.arraycopy("IDAT".getBytes("US-ASCII"), 0, idat, 0, 4);
        System.arraycopy(buf, 0, idat, 4, n);
        d.writeInt(n);
        d.write(idat);
        crc.reset();
        crc.update(idat);
        d.writeInt((int) crc.getValue());
        Path bomb = tmp.newFile("bomb.png").toPath();
        Files.write(bomb, b.toByteArray());
        try (ImageSimilarity s = ImageSimilarity.create(testModel("tiny"))) {
            assertMessage(ImageTooLargeException.class, () -> s.embed(bomb), "60000x60000");
        }
    }

    private static void writeInt(byte[] a, int off, int v) {
        a[off] = (byte) (v >>> 24);
        a[off + 1] = (byte) (v >>> 16);
        a[off + 2] = (byte) (v >>> 8);
        a[off + 3] = (byte) v;
    }

    @Test
    public void truncatedJpegAndUnsupportedFormatsThrow() throws IOException {
        Path jpg = tmp.newFile("t.jpg").toPath();
        ImageIO.write(TestImages.picture(300, 200, 3), "jpg", jpg.toFile());
        byte[] bytes = Files.readAllBytes(jpg);
        Files.write(jpg, Arrays.copyOf(bytes, bytes.length / 2));
        // an AVIF header (ISO-BMFF 'ftyp' box, brand avif) and nothing after it: recognised as AVIF, cut short
        Path avif = tmp.newFile("t.avif").toPath();
        Files.write(avif, new byte[] {0, 0, 0, 0x1C, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f', 0, 0, 0, 0, 'a', 'v', 'i', 'f', 'm', 'i',
            'f', '1', 'm', 'i', 'a', 'f', 0, 0, 0, 0});
        try (ImageSimilarity s = ImageSimilarity.create(testModel("tiny"))) {
            expect(ImageDecodeException.class, () -> s.embed(jpg));
            assertMessage(ImageDecodeException.class, () -> s.embed(avif), "AVIF");
            // a Photoshop file: no decoder, and the message lists the formats there are
            Path psd = tmp.newFile("t.psd").toPath();
            Files.write(psd, new byte[] {'8', 'B', 'P', 'S', 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 64, 0, 0, 0, 64, 0, 8, 0, 3});
            assertMessage(ImageDecodeException.class, () -> s.embed(psd), "supported format");
        }
    }

    @Test
    public void interruptedThreadsStillEmbedAndKeepTheirFlag() {
        try (ImageSimilarity s = ImageSimilarity.create(testModel("tiny"))) {
            Thread.currentThread().interrupt();
            try {
                assertEquals(16, s.embed(TestImages.picture(30, 30, 1)).length);
                assertTrue(Thread.currentThread().isInterrupted());
            } finally {
                Thread.interrupted();
            }
        }
    }

    /** 8 threads x 2,000 embeds on one instance with a pool of 2: bit-identical to sequential, no deadlock. */
    @Test
    public void eightThreadsMatchSequentialBitForBit() throws Exception {
        List<BufferedImage> imgs = new ArrayList<>();
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_GRAY,
            BufferedImage.TYPE_INT_ARGB};
        for (int i = 0; i < 8; i++) {
            imgs.add(TestImages.convert(TestImages.picture(40 + i, 30 + i, i), types[i % types.length]));
        }
        try (ImageSimilarity s = ImageSimilarity.builder().model(testModel("tiny")).sessionPoolSize(2).build()) {
            float[][] expected = new float[imgs.size()][];
            for (int i = 0; i < imgs.size(); i++) {
                expected[i] = s.embed(imgs.get(i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int seed = t;
                    fs.add(pool.submit(() -> {
                        int mismatches = 0;
                        for (int k = 0; k < 2000; k++) {
                            int i = (k * 7 + seed) % imgs.size();
                            if (!Arrays.equals(expected[i], s.embed(imgs.get(i)))) {
                                mismatches++;
                            }
                        }
                        return mismatches;
                    }));
                }
                for (Future<Integer> f : fs) {
                    assertEquals(Integer.valueOf(0), f.get(300, TimeUnit.SECONDS));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
