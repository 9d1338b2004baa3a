package dev.imgsim;

/**
 * Run in a fresh JVM by {@link RuntimeLibraryTest} (ONNX Runtime is loaded once per process):
 * creates an instance twice with whatever {@code imgsim.onnxruntime.path} says and prints
 * one line per attempt, {@code OK} or the exception's class and message.
 */
public final class RuntimeProbe {
    private RuntimeProbe() {
    }

    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (ImageSimilarity sim = ImageSimilarity.create()) {
                System.out.println("OK " + sim.embeddingSize());
            } catch (RuntimeException e) {
                System.out.println(e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }
}
