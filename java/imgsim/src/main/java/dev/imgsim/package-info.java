/**
 * Image similarity in-process: {@link dev.imgsim.ImageSimilarity} turns images into embeddings
 * with an ONNX model run by ONNX Runtime through imgsim's native library, and compares them by
 * cosine similarity.
 *
 * <h2>Loading</h2>
 * The first {@code ImageSimilarity} loads two native libraries, once per process:
 * <ol>
 * <li>{@code libimgsim.so}: from the system property {@code imgsim.library.path} if set, else from
 * the jar's resource {@code native/linux-x86_64/libimgsim.so} (copied into a fresh temporary
 * directory, loaded, and deleted, so several class loaders and JVMs can load it at once), else
 * {@code System.loadLibrary("imgsim")}.</li>
 * <li>ONNX Runtime ({@code libonnxruntime.so}, version 1.22 or newer): from the system property
 * {@code imgsim.onnxruntime.path} if set, else from the environment variable
 * {@code ORT_DYLIB_PATH}, else from the {@code com.microsoft.onnxruntime:onnxruntime} jar on the
 * classpath (a dependency of imgsim; swap in {@code onnxruntime_gpu} for
 * {@link dev.imgsim.ExecutionProvider#CUDA}: its provider libraries are copied beside it).</li>
 * </ol>
 * Loading steps are logged to the {@link System.Logger} {@code dev.imgsim} at level
 * {@code DEBUG}. The native side's records (ONNX Runtime's included) go to {@code System.Logger}s
 * named {@code dev.imgsim.native.<Rust module>}: see {@link dev.imgsim.NativeLogging}.
 *
 * <h2>System properties</h2>
 * <ul>
 * <li>{@code imgsim.library.path}: absolute path of {@code libimgsim.so} to load instead of the bundled one.</li>
 * <li>{@code imgsim.onnxruntime.path}: absolute path of the ONNX Runtime library to use.</li>
 * </ul>
 *
 * <h2>Models</h2>
 * The bundled default model ({@link dev.imgsim.ImageSimilarity#create()}) is an EfficientNet-Lite0
 * encoder with GeM pooling and a 512-value L2-normalised embedding at 224x224 input; see
 * {@code models/README.md}. Any ONNX model with a float input {@code [N, 3, H, W]} and a float
 * output {@code [N, D]} works; its preprocessing is read from the model's {@code metadata_props}
 * ({@code imgsim.input_width}, {@code imgsim.input_height}, {@code imgsim.mean}, {@code imgsim.std},
 * {@code imgsim.channel_order}) or set with {@link dev.imgsim.ImageSimilarity.Builder}.
 */
package dev.imgsim;
