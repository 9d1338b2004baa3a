package dev.imgsim;

/**
 * Where ONNX Runtime runs a model ({@link ImageSimilarity.Builder#executionProvider}).
 */
public enum ExecutionProvider {
    /** The CPU (default): ONNX Runtime's CPU provider, with imgsim's thread policy. */
    CPU,
    /**
     * An NVIDIA GPU through ONNX Runtime's CUDA provider. Needs
     * {@code com.microsoft.onnxruntime:onnxruntime_gpu} in place of {@code onnxruntime} (its jar
     * holds the CUDA provider library beside ONNX Runtime), an NVIDIA driver, and the CUDA
     * and cuDNN 9 libraries that build was made for (CUDA 12 for 1.26, CUDA 13 for 1.31) on the
     * library path. If any is missing, building the instance fails
     * with a message naming it; it never falls back to the CPU silently.
     */
    CUDA
}
