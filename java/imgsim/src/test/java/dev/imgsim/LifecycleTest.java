package dev.imgsim;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.awt.image.BufferedImage;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.Test;

/** close(), use after close, the Cleaner, and concurrent use of one instance. */
public class LifecycleTest {
    private static final BufferedImage IMG = TestImages.picture(120, 90, 3);

    @Test
    public void closeIsIdempotentAndLaterCallsThrow() {
        ImageSimilarity sim = ImageSimilarity.create();
        sim.embed(IMG);
        sim.close();
        sim.close();
        assertTrue(sim.isClosed());
        try {
            sim.embed(IMG);
            fail("embed after close");
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("closed"));
        }
        try {
            sim.embed(Paths.get("x.png"));
            fail("embed(Path) after close");
        } catch (IllegalStateException expected) {
            // ok
        }
        try {
            sim.embedAll(Collections.singletonList(IMG));
            fail("embedAll after close");
        } catch (IllegalStateException expected) {
            // ok
        }
        // metadata stays readable
        assertTrue(sim.embeddingSize() > 0);
    }

    @Test
    public void fourThreadsGiveTheSameResultsAsOne() throws Exception {
        List<BufferedImage> imgs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            imgs.add(TestImages.picture(100 + i * 7, 80 + i * 5, i));
        }
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            float[][] expected = new float[imgs.size()][];
            for (int i = 0; i < imgs.size(); i++) {
                expected[i] = sim.embed(imgs.get(i));
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Void>> fs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    fs.add(pool.submit(() -> {
                        for (int round = 0; round < 3; round++) {
                            for (int i = 0; i < imgs.size(); i++) {
                                assertArrayEquals(expected[i], sim.embed(imgs.get(i)), 0f);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<Void> f : fs) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    public void closeWaitsForInFlightEmbeds() throws Exception {
        ImageSimilarity sim = ImageSimilarity.create();
        int threads = 4;
        CountDownLatch started = new CountDownLatch(threads);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger closedAfter = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                started.countDown();
                for (int i = 0; i < 50; i++) {
                    try {
                        if (sim.embed(IMG).length == sim.embeddingSize()) {
                            ok.incrementAndGet();
                        }
                    } catch (IllegalStateException e) {
                        closedAfter.incrementAndGet();
                    } catch (Throwable e) {
                        other.incrementAndGet();
                    }
                }
            });
        }
        started.await();
        Thread.sleep(50);
        sim.close();
        pool.shutdown();
        assertTrue(pool.awaitTermination(120, TimeUnit.SECONDS));
        assertEquals("unexpected failures", 0, other.get());
        assertEquals(threads * 50, ok.get() + closedAfter.get());
        assertTrue("some calls ran before close", ok.get() > 0);
    }

    @Test
    public void cleanerFreesInstancesThatWereNeverClosed() throws Exception {
        System.gc();
        long before = ImageSimilarity.liveNativeModels();
        List<ImageSimilarity> leaked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leaked.add(ImageSimilarity.create()); // never closed
            leaked.get(i).embed(IMG);
        }
        assertTrue(ImageSimilarity.liveNativeModels() >= before + 3);
        leaked = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ImageSimilarity.liveNativeModels() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue("native models left: " + ImageSimilarity.liveNativeModels() + " > " + before,
                ImageSimilarity.liveNativeModels() <= before);
    }

    @Test
    public void closedInstancesAreFreedAtOnce() {
        long before = ImageSimilarity.liveNativeModels();
        ImageSimilarity sim = ImageSimilarity.create();
        assertEquals(before + 1, ImageSimilarity.liveNativeModels());
        sim.close();
        assertEquals(before, ImageSimilarity.liveNativeModels());
    }
}
