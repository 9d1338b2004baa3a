package dev.imgsim;

import java.nio.file.Path;

/**
 * `gradle :imgsim:gpuProbe` (docs/PLATFORMS.md): asks for CUDA with whatever ONNX Runtime is on
 * the classpath (the task puts {@code onnxruntime_gpu} there) and prints what happened: on a
 * machine without CUDA the documented exception, on a GPU machine the fixture embedded on the GPU
 * and its cosine to the CPU result. Exit status 0 when the behaviour is one of those two.
 */
public final class GpuProbe {
    private GpuProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path fixture = TestImages.fixtures().resolve((String) GoldenFixturesTest.fixtures().get(0)[0]);
        float[] cpu;
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            cpu = sim.embed(fixture);
            System.out.println("CPU: ONNX Runtime " + ImageSimilarity.onnxRuntimeVersion() + ", embedded " + fixture.getFileName());
        }
        try (ImageSimilarity gpu = ImageSimilarity.builder().executionProvider(ExecutionProvider.CUDA).build()) {
            float[] v = gpu.embed(fixture);
            System.out.printf("CUDA: embedded on the GPU, cosine to the CPU result %.6f%n", ImageSimilarity.cosine(cpu, v));
            System.exit(ImageSimilarity.cosine(cpu, v) > 0.999 ? 0 : 1);
        } catch (ImageSimilarityException e) {
            System.out.println("CUDA refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            System.exit(e.getMessage().contains("CUDA was requested") ? 0 : 1);
        }
    }
}
