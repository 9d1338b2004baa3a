package dev.imgsim;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.imgsim.internal.Checks;
import dev.imgsim.internal.ModelDigest;
import dev.imgsim.internal.ModelInfo;
import dev.imgsim.internal.Native;
import dev.imgsim.internal.NativeHandle;
import dev.imgsim.internal.NativeLoader;
import dev.imgsim.internal.SessionSettings;
import dev.imgsim.internal.RasterAdapter;

/**
 * Compares images by what they show: an ONNX image-embedding model, run in-process by ONNX Runtime
 * through imgsim's native library, turns each image into an embedding vector; two images are as
 * similar as the cosine of their embeddings.
 *
 * <pre>{@code
 * try (ImageSimilarity sim = ImageSimilarity.create()) {
 *     double s = sim.similarity(ImageIO.read(a), ImageIO.read(b));   // in [-1, 1], 1 = same content
 *     float[] e = sim.embed(Paths.get("photo.jpg"));                  // decoded natively
 * }
 * }</pre>
 *
 * <p>Images are converted to RGB (alpha composited onto white, gray {@code g} as {@code (g, g, g)},
 * 16-bit samples scaled linearly), stretched to {@link #inputWidth()} x {@link #inputHeight()} with
 * an antialiased bilinear filter, and normalised with the model's mean and standard deviation.
 *
 * <p><b>Thread safety:</b> an instance is safe to share between threads; up to
 * {@link Builder#sessionPoolSize(int)} calls run at once, further callers wait. {@link #close()}
 * waits for calls in flight; any call after it throws {@link IllegalStateException}. An instance
 * that is never closed is freed by a {@link Cleaner} once unreachable, but closing it (for example
 * with try-with-resources) releases its native memory at a known time.
 *
 * <p><b>Exceptions:</b> null arguments throw {@link NullPointerException}; unusable arguments
 * {@link IllegalArgumentException}; images over the pixel limit {@link ImageTooLargeException};
 * unreadable image files {@link ImageDecodeException}; unusable models {@link ModelLoadException};
 * other runtime failures {@link ImageSimilarityException}.
 */
public final class ImageSimilarity implements AutoCloseable {
    /** The classpath resource of the bundled default model. */
    public static final String DEFAULT_MODEL_RESOURCE = "dev/imgsim/models/image-similarity.onnx";

    /** The models bundled in the jar, selectable without a file path ({@link Builder#model(BundledModel)}). */
    public enum BundledModel {
        /** The default FP32 model (16 MB): EfficientNet-Lite0 encoder, GeM, PCA 512. */
        DEFAULT(DEFAULT_MODEL_RESOURCE),
        /**
         * The same model quantised to INT8 (4.5 MB, 3.6x smaller, about 1.9x faster on an AVX2 CPU),
         * after quantisation-aware fine-tuning toward the FP32 model: its embeddings have a mean
         * cosine of 0.996 (0.9959) to the FP32 ones on held-out photos, on CPUs with AVX-512 VNNI
         * (see docs/EDGE.md).
         */
        INT8("dev/imgsim/models/image-similarity-int8.onnx");

        final String resource;

        BundledModel(String resource) {
            this.resource = resource;
        }
    }
    /** Images are embedded in batches of at most this many by {@link #embedAll}. */
    static final int MAX_BATCH = 16;

    private final NativeHandle handle;
    private final int embeddingSize;
    private final int inputWidth;
    private final int inputHeight;
    private final long maxPixels;
    private final String inputName;
    private final String outputName;
    private final long[] inputShape;
    private final Map<String, String> metadata;
    private final Path modelPath;
    private final String modelResource;
    private final ModelDigest digest;

    private ImageSimilarity(Builder b) {
        NativeLoader.ensureRuntime();
        long h;
        if (b.modelPath != null) {
            if (!Files.isRegularFile(b.modelPath)) {
                throw new ModelLoadException("the ONNX model " + b.modelPath.toAbsolutePath()
                        + (Files.exists(b.modelPath) ? " is not a regular file" : " does not exist"));
            }
            h = Native.open(b.modelPath.toAbsolutePath().toString(), null, b.inputName, b.outputName, b.width,
                    b.height, b.mean, b.std, b.sessions.intraOpThreads, b.sessions.poolSize, b.maxPixels, b.cudaDevice());
        } else {
            h = Native.open(null, bundledModel(b.bundled.resource), b.inputName, b.outputName, b.width, b.height, b.mean, b.std,
                    b.sessions.intraOpThreads, b.sessions.poolSize, b.maxPixels, b.cudaDevice());
        }
        if (h == 0) {
            throw new ModelLoadException("the model could not be opened");
        }
        ModelInfo info = Native.describe(h);
        this.embeddingSize = info.embeddingSize;
        this.inputWidth = info.inputWidth;
        this.inputHeight = info.inputHeight;
        this.maxPixels = b.maxPixels;
        this.inputName = info.inputName;
        this.outputName = info.outputName;
        this.inputShape = info.inputShape();
        this.metadata = info.metadata;
        this.modelPath = b.modelPath == null ? null : b.modelPath.toAbsolutePath();
        this.modelResource = b.modelPath == null ? b.bundled.resource : null;
        Path file = this.modelPath;
        String resource = this.modelResource;
        this.digest = new ModelDigest(() -> {
            try {
                return file != null ? Files.readAllBytes(file) : bundledModel(resource);
            } catch (IOException e) {
                throw new ModelLoadException("cannot read the model " + file + " to hash it: " + e.getMessage());
            }
        });
        this.handle = new NativeHandle(this, h, Native::close, "ImageSimilarity");
    }

    private static byte[] bundledModel(String resource) {
        return NativeHandle.resource(ImageSimilarity.class, resource, "imgsim");
    }

    /**
     * Opens the bundled default model with default settings.
     *
     * @return a new instance; close it when done
     * @throws ImageSimilarityException if the native library or ONNX Runtime cannot be loaded
     */
    public static ImageSimilarity create() {
        return builder().build();
    }

    /**
     * Opens an ONNX image model whose input is a float tensor {@code [N, 3, H, W]} and whose
     * output is a float tensor {@code [N, D]}. Its input size and normalisation come from its
     * metadata (keys {@code imgsim.input_width}, {@code imgsim.input_height}, {@code imgsim.mean},
     * {@code imgsim.std}) or its fixed input shape; use {@link #builder()} to set them otherwise.
     *
     * @param onnxModel path of the {@code .onnx} file
     * @return a new instance; close it when done
     * @throws NullPointerException if {@code onnxModel} is null
     * @throws ModelLoadException if the file is missing or is not a usable image-embedding model
     */
    public static ImageSimilarity create(Path onnxModel) {
        return builder().model(onnxModel).build();
    }

    /** @return a builder for a model and settings of your choice */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Embeds one image.
     *
     * @param image any {@link BufferedImage}; its pixels are read in place where the layout allows
     * @return the embedding, {@link #embeddingSize()} values (the default model's are L2-normalised)
     * @throws NullPointerException if {@code image} is null
     * @throws ImageTooLargeException if the image has more pixels than the limit
     * @throws IllegalStateException if this instance is closed
     */
    public float[] embed(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        checkPixels(image);
        RasterAdapter px = RasterAdapter.of(image);
        return handle.call(this, image, h -> {
            switch (px.kind) {
                case INTS:
                    return Native.embedInts(h, (int[]) px.array, px.desc);
                case BYTES:
                    return Native.embedBytes(h, (byte[]) px.array, px.desc);
                default:
                    return Native.embedShorts(h, (short[]) px.array, px.desc);
            }
        });
    }

    /**
     * Decodes an image file natively (JPEG, PNG, BMP, GIF, WebP, TIFF, JPEG XL, HEIC/HEIF, AVIF, and camera RAW
     * files through their embedded JPEG preview: DNG, CR2, NEF, ARW, RAF and other TIFF-based ones) and embeds
     * it, upright by its EXIF (or RAW, or HEIF) orientation. The result equals
     * {@code embed(ImageIO.read(file))} up to decoder differences (none for PNG).
     *
     * @param imageFile the file
     * @return the embedding
     * @throws NullPointerException if {@code imageFile} is null
     * @throws ImageDecodeException if the file is missing, unreadable, corrupt or in an unsupported format
     * @throws ImageTooLargeException if the file declares more pixels than the limit
     * @throws IllegalStateException if this instance is closed
     */
    public float[] embed(Path imageFile) {
        Objects.requireNonNull(imageFile, "imageFile");
        String path = imageFile.toAbsolutePath().toString();
        return handle.call(this, imageFile, h -> Native.embedFile(h, path));
    }

    /**
     * Decodes an encoded image held in memory (the bytes of a JPEG, PNG, BMP, GIF or WebP file,
     * e.g. from object storage, an upload or Spark's {@code binaryFile} source) natively and
     * embeds it. The result equals {@link #embed(Path)} on a file with these bytes.
     *
     * @param encodedImage the file's bytes; not modified
     * @return the embedding
     * @throws NullPointerException if {@code encodedImage} is null
     * @throws ImageDecodeException if the bytes are empty, corrupt or not an image in a supported format
     * @throws ImageTooLargeException if the image declares more pixels than the limit
     * @throws IllegalStateException if this instance is closed
     */
    public float[] embed(byte[] encodedImage) {
        return embed(encodedImage, null);
    }

    /**
     * Like {@link #embed(byte[])}; {@code name} (a file name or URL, may be null) is named in the
     * exception when the bytes cannot be decoded.
     *
     * @param encodedImage the file's bytes; not modified
     * @param name what to call the image in error messages, or null
     * @return the embedding
     * @throws NullPointerException if {@code encodedImage} is null
     * @throws ImageDecodeException if the bytes are empty, corrupt or not an image in a supported format
     * @throws ImageTooLargeException if the image declares more pixels than the limit
     * @throws IllegalStateException if this instance is closed
     */
    public float[] embed(byte[] encodedImage, String name) {
        Objects.requireNonNull(encodedImage, "encodedImage");
        return handle.call(this, encodedImage, h -> Native.embedEncoded(h, encodedImage, name));
    }

    /**
     * Embeds several images, in batches (one model run per up to 16 images) where the model
     * allows it. Images may have different sizes and types.
     *
     * @param images the images; an empty list gives an empty array
     * @return one embedding per image, in order; equal to calling {@link #embed(BufferedImage)} on each
     * @throws NullPointerException if the list or any element is null
     */
    public float[][] embedAll(List<BufferedImage> images) {
        Objects.requireNonNull(images, "images");
        List<BufferedImage> list = new ArrayList<>(images);
        for (int i = 0; i < list.size(); i++) {
            Objects.requireNonNull(list.get(i), "images[" + i + "]");
            checkPixels(list.get(i));
        }
        float[][] out = new float[list.size()][];
        for (int start = 0; start < list.size(); start += MAX_BATCH) {
            int n = Math.min(MAX_BATCH, list.size() - start);
            int from = start;
            float[][] part = handle.call(this, list, h -> runBatch(h, list.subList(from, from + n)));
            System.arraycopy(part, 0, out, start, n);
        }
        return out;
    }

    /** One batch: prepared natively image by image, run once, freed whatever happens. */
    private static float[][] runBatch(long h, List<BufferedImage> images) {
        long batch = Native.batchNew(h, images.size());
        try {
            for (int i = 0; i < images.size(); i++) {
                RasterAdapter px = RasterAdapter.of(images.get(i));
                switch (px.kind) {
                    case INTS:
                        Native.batchPutInts(h, batch, i, (int[]) px.array, px.desc);
                        break;
                    case BYTES:
                        Native.batchPutBytes(h, batch, i, (byte[]) px.array, px.desc);
                        break;
                    default:
                        Native.batchPutShorts(h, batch, i, (short[]) px.array, px.desc);
                }
            }
            return Native.batchRun(h, batch);
        } finally {
            Native.batchFree(batch);
        }
    }

    /**
     * How similar two images are: the cosine of their embeddings.
     *
     * @return a value in [-1, 1]; 1 for identical content, higher is more similar
     * @throws NullPointerException if either image is null
     */
    public double similarity(BufferedImage a, BufferedImage b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        return cosine(embed(a), embed(b));
    }

    /**
     * Copy-detection features of an image file (decoded once): its embedding, the embedding of
     * the image turned by 90 degrees, that of the picture inside a screenshot or padded copy
     * ({@link CopyFeatures#innerEmbedding()}) and its content fingerprint: store them to verify
     * copies later without the file ({@link #verify(CopyFeatures, CopyFeatures)}).
     *
     * @throws ImageDecodeException if the file is missing, unreadable, corrupt or in an unsupported format
     * @throws ImageTooLargeException if the file declares more pixels than the limit
     * @throws IllegalStateException if this instance is closed
     */
    public CopyFeatures analyze(Path imageFile) {
        Objects.requireNonNull(imageFile, "imageFile");
        String path = imageFile.toAbsolutePath().toString();
        float[] out = new float[CopyFeatures.VIEWS * embeddingSize];
        return handle.call(this, imageFile, h -> CopyFeatures.fromNative(out, Native.analyzeFile(h, path, out)));
    }

    /** {@link #analyze(Path)} of an encoded image held in memory; {@code name} names it in errors. */
    public CopyFeatures analyze(byte[] encodedImage, String name) {
        Objects.requireNonNull(encodedImage, "encodedImage");
        float[] out = new float[CopyFeatures.VIEWS * embeddingSize];
        return handle.call(this, encodedImage, h -> CopyFeatures.fromNative(out, Native.analyzeEncoded(h, encodedImage, name, out)));
    }

    /** {@link #analyze(Path)} of a {@link BufferedImage} (same colour rules as {@link #embed(BufferedImage)}). */
    public CopyFeatures analyze(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        checkPixels(image);
        RasterAdapter px = RasterAdapter.of(image);
        float[] out = new float[CopyFeatures.VIEWS * embeddingSize];
        Object a = px.array;
        byte[] fp = handle.call(this, image, h -> Native.analyzeRaster(h, a instanceof int[] ? (int[]) a : null,
                a instanceof byte[] ? (byte[]) a : null, a instanceof short[] ? (short[]) a : null, px.desc, out));
        return CopyFeatures.fromNative(out, fp);
    }

    /**
     * Is {@code b} a copy of {@code a}? Decodes both files, compares their embeddings and verifies
     * the pair on their content: a copy turned by 90/180/270 degrees, mirrored, cropped (down to
     * about 30 % of the area), padded or screenshotted into other content, recompressed, recoloured
     * or captioned is a copy; two pictures that merely look alike are not.
     *
     * @return the decision, its band and confidence, the embedding similarity and the transform found
     * @throws ImageDecodeException if a file cannot be decoded
     */
    public Match compare(Path a, Path b) {
        return verify(analyze(a), analyze(b));
    }

    /** {@link #compare(Path, Path)} for images in memory. */
    public Match compare(BufferedImage a, BufferedImage b) {
        return verify(analyze(a), analyze(b));
    }

    /**
     * Verifies stored features: the same decision as {@link #compare(Path, Path)}, with no model
     * run (about 0.3 ms for whole pictures, about 4 ms when parts are searched; docs/QUALITY.md).
     * Thread-safe; needs no open instance.
     */
    public static Match verify(CopyFeatures a, CopyFeatures b) {
        return CopyCalibration.defaults().verify(a, b);
    }

    /**
     * Cosine similarity of two vectors, computed in double precision.
     *
     * @return a value in [-1, 1]; 0 if either vector is all zeros
     * @throws NullPointerException if either is null
     * @throws IllegalArgumentException if their lengths differ or they are empty
     */
    public static double cosine(float[] a, float[] b) {
        return Vectors.cosine(a, b);
    }

    /** @return the number of values in an embedding */
    public int embeddingSize() {
        return embeddingSize;
    }

    /** @return the width, in pixels, images are resized to before inference */
    public int inputWidth() {
        return inputWidth;
    }

    /** @return the height, in pixels, images are resized to before inference */
    public int inputHeight() {
        return inputHeight;
    }

    /** @return the name of the model input that receives the image tensor */
    public String inputName() {
        return inputName;
    }

    /** @return the name of the model output that holds the embedding */
    public String outputName() {
        return outputName;
    }

    /** @return the input's declared shape, NCHW, with -1 for dynamic dimensions */
    public long[] inputShape() {
        return inputShape.clone();
    }

    /**
     * @return the model's {@code metadata_props} (for the bundled model: preprocessing, name,
     *     version, training data provenance), sorted by key; unmodifiable
     */
    public Map<String, String> modelMetadata() {
        return metadata;
    }

    /**
     * The SHA-256 of the model file this instance runs, as 64 lowercase hex digits: an identity
     * for the vector space its embeddings live in. Stores of embeddings (such as imgsim-index)
     * record it so that vectors of different models are never mixed. Computed on first use
     * (tens of milliseconds for the default model), then cached.
     *
     * @return the model's SHA-256
     * @throws ModelLoadException if the model file can no longer be read
     */
    public String modelSha256() {
        return digest.get();
    }

    /** @return the version of the ONNX Runtime library in use, such as {@code 1.26.0} */
    public static String onnxRuntimeVersion() {
        return NativeLoader.ensureRuntime();
    }

    /**
     * Frees the native model. Waits for calls in flight; later calls throw
     * {@link IllegalStateException}. Calling it again does nothing.
     */
    @Override
    public void close() {
        handle.close();
    }

    /** @return true once {@link #close()} has run */
    public boolean isClosed() {
        return handle.isClosed();
    }

    private void checkPixels(BufferedImage img) {
        long n = (long) img.getWidth() * img.getHeight();
        if (n > maxPixels) {
            throw new ImageTooLargeException("image has " + img.getWidth() + "x" + img.getHeight() + " = " + n
                    + " pixels, more than the limit of " + maxPixels + "; raise Builder.maxPixels if such images are expected");
        }
    }

    /** Native models alive in this process, for leak checks in tests. */
    static long liveNativeModels() {
        return Native.liveModels();
    }

    /**
     * Settings for {@link ImageSimilarity}. Everything left unset comes from the model: its
     * metadata, else its fixed input shape, else the defaults named below.
     */
    public static final class Builder {
        private Path modelPath;
        private BundledModel bundled = BundledModel.DEFAULT;
        private String inputName;
        private String outputName;
        private int width;
        private int height;
        private float[] mean;
        private float[] std;
        private SessionSettings sessions = SessionSettings.defaults();
        private boolean intraOpThreadsSet;
        private long maxPixels = 100_000_000L;
        private ExecutionProvider provider = ExecutionProvider.CPU;
        private int deviceId;

        private Builder() {}

        /** Uses the ONNX model at {@code path} instead of the bundled default model. */
        public Builder model(Path path) {
            this.modelPath = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Uses one of the models bundled in the jar (default {@link BundledModel#DEFAULT}). */
        public Builder model(BundledModel model) {
            this.bundled = Objects.requireNonNull(model, "model");
            this.modelPath = null;
            return this;
        }

        /** The model input to feed; needed only when the model has several. */
        public Builder inputName(String name) {
            this.inputName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The model output that holds the embedding; needed only when the model has several. */
        public Builder outputName(String name) {
            this.outputName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The size images are resized to; required for a model with a dynamic input size and no metadata. */
        public Builder inputSize(int width, int height) {
            if (width <= 0 || height <= 0 || width > 8192 || height > 8192) {
                throw new IllegalArgumentException("input size must be within 1..8192, got " + width + "x" + height);
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Per-channel normalisation {@code (x / 255 - mean) / std}, RGB order. Default: the model's
         * metadata, else ImageNet's (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225).
         */
        public Builder normalization(float[] mean, float[] std) {
            Objects.requireNonNull(mean, "mean");
            Objects.requireNonNull(std, "std");
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("mean and std need 3 values each (R, G, B)");
            }
            for (int i = 0; i < 3; i++) {
                if (!Float.isFinite(mean[i]) || !Float.isFinite(std[i]) || std[i] <= 0) {
                    throw new IllegalArgumentException("mean must be finite and std positive, channel " + i + ": "
                            + mean[i] + ", " + std[i]);
                }
            }
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        /**
         * ONNX Runtime intra-op threads per inference. Default 0, adaptive: calls that overlap
         * others (or did so within the last 200 ms) use one thread each (highest throughput, no
         * oversubscription); a call that runs alone uses ONNX Runtime's process-wide pool (one
         * thread per core, shared by every instance in the JVM) where that has measured faster
         * than one thread recently (the instance times lone calls both ways, which creates one
         * extra session, and re-times the slower way a few calls after its choice changes, then
         * at doubling intervals up to every 64 lone calls), else one thread. A positive value
         * gives every inference a thread pool of its own of that size. The bundled
         * INT8 model defaults to 1, which measured fastest for it.
         */
        public Builder intraOpThreads(int threads) {
            this.sessions = sessions.withIntraOpThreads(threads);
            this.intraOpThreadsSet = true;
            return this;
        }

        /**
         * How many inferences may run at once (default: the number of processors). Sessions are
         * created on demand up to this number; each holds its own copy of the model's buffers.
         */
        public Builder sessionPoolSize(int size) {
            this.sessions = sessions.withPoolSize(size);
            return this;
        }

        /**
         * Largest image accepted, in pixels (default 100,000,000). Larger images and files that
         * declare a larger size throw {@link ImageTooLargeException}.
         */
        public Builder maxPixels(long pixels) {
            this.maxPixels = Checks.atLeast(pixels, 1, "maxPixels");
            return this;
        }

        /**
         * Where inference runs (default {@link ExecutionProvider#CPU}). {@link ExecutionProvider#CUDA}
         * needs the GPU build of ONNX Runtime on the classpath
         * ({@code com.microsoft.onnxruntime:onnxruntime_gpu} instead of {@code onnxruntime}), an
         * NVIDIA driver and the CUDA and cuDNN 9 libraries that build was made for (CUDA 12 for
         * 1.26, CUDA 13 for 1.31); when any of them is missing,
         * {@link #build()} throws {@link ImageSimilarityException} naming what ONNX Runtime could
         * not load. A GPU that was asked for is never silently replaced by the CPU.
         *
         * @param provider the execution provider
         * @return this builder
         */
        public Builder executionProvider(ExecutionProvider provider) {
            this.provider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * The GPU to use with {@link ExecutionProvider#CUDA} (default 0).
         *
         * @param id the CUDA device id, 0 or more
         * @return this builder
         */
        public Builder deviceId(int id) {
            this.deviceId = Checks.atLeast(id, 0, "deviceId");
            return this;
        }

        int cudaDevice() {
            return provider == ExecutionProvider.CUDA ? deviceId : -1;
        }

        /**
         * Loads the native library and ONNX Runtime if needed, and opens the model.
         *
         * @throws ModelLoadException if the model is missing or unusable
         * @throws ImageSimilarityException if the native library or ONNX Runtime cannot be loaded
         */
        public ImageSimilarity build() {
            if (modelPath == null && bundled == BundledModel.INT8 && !intraOpThreadsSet) {
                // measured (docs/EDGE.md): the INT8 model runs fastest on one thread per inference
                sessions = sessions.withIntraOpThreads(1);
            }
            return new ImageSimilarity(this);
        }
    }
}
