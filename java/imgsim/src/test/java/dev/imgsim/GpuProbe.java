package dev.imgsim;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * `gradle :imgsim:gpuProbe` (docs/PLATFORMS.md): asks for CUDA with whatever ONNX Runtime is on
 * the classpath (the task puts {@code onnxruntime_gpu} there) and prints what happened: on a
 * machine without CUDA the documented exception; on a GPU machine every golden fixture embedded on
 * the GPU next to ONNX Runtime Python's reference and the CPU result, then W1 (224x224
 * {@code TYPE_INT_RGB}), W3 (a 12 MP JPEG file) and a batch of 64 timed on the CPU and the GPU in
 * the same JVM (medians). Exit status 0 when the behaviour is one of those two and the GPU's
 * embeddings match (cosine above 0.999 to the reference).
 */
public final class GpuProbe {
    private GpuProbe() {
    }

    public static void main(String[] args) throws Exception {
        List<Object[]> fixtures = GoldenFixturesTest.fixtures();
        Path first = TestImages.fixtures().resolve((String) fixtures.get(0)[0]);
        try (ImageSimilarity cpu = ImageSimilarity.create()) {
            System.out.println("CPU: ONNX Runtime " + ImageSimilarity.onnxRuntimeVersion() + ", embedded " + first.getFileName());
            ImageSimilarity gpu;
            try {
                gpu = ImageSimilarity.builder().executionProvider(ExecutionProvider.CUDA).build();
            } catch (ImageSimilarityException e) {
                System.out.println("CUDA refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                System.exit(e.getMessage().contains("CUDA was requested") ? 0 : 1);
                return;
            }
            try {
                boolean ok = true;
                for (Object[] f : fixtures) {
                    Path file = TestImages.fixtures().resolve((String) f[0]);
                    float[] reference = (float[]) f[1];
                    float[] c = cpu.embed(file);
                    float[] g = gpu.embed(file);
                    double toRef = ImageSimilarity.cosine(reference, g);
                    ok &= toRef > 0.999;
                    System.out.printf("CUDA: %-28s cosine to ONNX Runtime Python %.6f, to the CPU %.6f, max abs diff to the CPU %.2e%n",
                            f[0], toRef, ImageSimilarity.cosine(c, g), TestImages.maxAbsDiff(c, g));
                }
                if (args.length > 0 && args[0].equals("--bench")) {
                    bench(cpu, gpu, first);
                }
                System.exit(ok ? 0 : 1);
            } finally {
                gpu.close();
            }
        }
    }

    /** W1, W3 and a batch of 64 on the CPU and the GPU: medians of timed calls after warm-up calls. */
    private static void bench(ImageSimilarity cpu, ImageSimilarity gpu, Path fixture) throws Exception {
        BufferedImage w1 = TestImages.convert(ImageIO.read(fixture.toFile()), BufferedImage.TYPE_INT_RGB);
        Path w3 = Files.createTempFile("imgsim-w3-", ".jpg");
        ImageIO.write(TestImages.picture(4000, 3000, 3), "jpg", w3.toFile());
        List<BufferedImage> batch = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            batch.add(TestImages.picture(224, 224, i));
        }
        System.out.println("workload                      CPU ms (median)   CUDA ms (median)   CPU/CUDA");
        row("W1 224x224 INT_RGB", median(() -> cpu.embed(w1), 20, 60), median(() -> gpu.embed(w1), 20, 60));
        row("W3 12 MP JPEG file", median(() -> cpu.embed(w3), 5, 15), median(() -> gpu.embed(w3), 5, 15));
        row("64 x 224x224, embedAll", median(() -> cpu.embedAll(batch), 2, 7), median(() -> gpu.embedAll(batch), 2, 7));
        Files.deleteIfExists(w3);
    }

    private static void row(String name, double c, double g) {
        System.out.printf("%-28s %14.2f %18.2f %10.2f%n", name, c, g, c / g);
    }

    private static double median(ThrowingRunnable r, int warmup, int n) throws Exception {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
