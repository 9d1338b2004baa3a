package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;

/**
 * The few things that must hold on every platform the jar supports; also the suite run on an
 * emulated arm64 JVM (`gradle :imgsim:arm64JvmTest`, docs/PLATFORMS.md): load, embed a fixture as
 * the reference did, refuse bad input with the documented exception, close.
 */
public class PlatformSmokeTest {
    @Test
    public void embedsAFixtureRefusesJunkAndCloses() throws IOException {
        System.out.println("platform smoke test on " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                + ", ONNX Runtime " + ImageSimilarity.onnxRuntimeVersion());
        Object[] first = GoldenFixturesTest.fixtures().get(0);
        Path file = TestImages.fixtures().resolve((String) first[0]);
        ImageSimilarity sim = ImageSimilarity.create();
        float[] expected = (float[]) first[1];
        float[] got = sim.embed(file);
        assertEquals(expected.length, got.length);
        assertTrue("cosine to the reference", ImageSimilarity.cosine(expected, got) > 0.999);
        try {
            sim.embed("not an image".getBytes("UTF-8"), "junk.txt");
            fail("junk accepted");
        } catch (ImageDecodeException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("junk.txt"));
        }
        Path missing = Files.createTempDirectory("imgsim-smoke").resolve("missing.png");
        try {
            sim.embed(missing);
            fail("a missing file was embedded");
        } catch (ImageDecodeException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("does not exist"));
        }
        sim.close();
        try {
            sim.embed(file);
            fail("embed after close");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("closed"));
        }
    }
}
