package dev.imgsim.internal;

/**
 * The native methods of {@code libimgsim.so} ({@code src/jni/mod.rs} and {@code src/jni/copies.rs}
 * are the other side of this boundary, each entry point declared once with {@code natives!}). Not a public API: handles are raw pointers, and callers must hold the instance's
 * lock so that no call runs during or after {@link #close}.
 */
public final class Native {
    private Native() {}

    static {
        NativeLoader.load();
        // before anything else runs natively: its log records go to System.Logger
        NativeLog.install();
    }

    /** Makes sure the class (and so the library) is loaded. */
    public static void ensureLoaded() {}

    /** Loads ONNX Runtime from an absolute path (once per process); returns its version. */
    public static native String initRuntime(String onnxRuntimePath);

    /**
     * Opens a model from a file ({@code path}) or from memory ({@code bytes}); null/0 values
     * mean "from the model's metadata"; {@code cudaDevice} -1 for the CPU. Returns a handle.
     */
    public static native long open(String path, byte[] bytes, String inputName, String outputName, int width,
            int height, float[] mean, float[] std, int intraThreads, int poolSize, long maxPixels, int cudaDevice);

    /** Frees a handle; the caller guarantees no call is using it. */
    public static native void close(long handle);

    /** What the native side knows of the model. */
    public static native ModelInfo describe(long handle);

    /**
     * Every entry point of the library as {@code Class.name(descriptor)}, then the raster
     * descriptor's constants as {@code raster.NAME=value} ({@code NativeContractTest}).
     */
    public static native String[] contract();

    /** Native models alive in this process (for leak tests). */
    public static native long liveModels();

    public static native float[] embedInts(long handle, int[] data, int[] desc);

    public static native float[] embedBytes(long handle, byte[] data, int[] desc);

    public static native float[] embedShorts(long handle, short[] data, int[] desc);

    public static native float[] embedFile(long handle, String path);

    /** Decodes {@code data} (an encoded image) natively and embeds it; {@code what} names it in errors. */
    public static native float[] embedEncoded(long handle, byte[] data, String what);

    public static native long batchNew(long handle, int n);

    public static native void batchFree(long batch);

    public static native void batchPutInts(long handle, long batch, int index, int[] data, int[] desc);

    public static native void batchPutBytes(long handle, long batch, int index, byte[] data, int[] desc);

    public static native void batchPutShorts(long handle, long batch, int index, short[] data, int[] desc);

    public static native void batchPutFile(long handle, long batch, int index, String path);

    public static native float[][] batchRun(long handle, long batch);

    // Copy detection (src/jni/copies.rs): each analysis fills out[3 * embeddingSize] with the
    // embeddings of the image, of its 90-degree turn and of the picture inside it (NaN when it
    // holds none) and returns the content fingerprint.

    public static native byte[] analyzeFile(long handle, String path, float[] out);

    public static native byte[] analyzeEncoded(long handle, byte[] data, String what, float[] out);

    /** Exactly one of ints, bytes, shorts is non-null ({@code RasterAdapter}'s array). */
    public static native byte[] analyzeRaster(long handle, int[] ints, byte[] bytes, short[] shorts, int[] desc,
            float[] out);

    /** Indexes into {@link #verify}'s result. */
    public static final int VERDICT_SCORE = 0, VERDICT_WHOLE = 1, VERDICT_TRANSFORM = 2, VERDICT_ALIGNMENT = 3,
            VERDICT_AREA = 4, VERDICT_ASPECT_MISMATCH = 5,
            // local features: matches agreeing on one map, their share of the overlap's features,
            // the nearest turn/mirror, the share of a inside b, of b covered by a, the scale a -> b
            VERDICT_INLIERS = 6, VERDICT_SUPPORT = 7, VERDICT_LOCAL_TRANSFORM = 8, VERDICT_A_IN_B = 9,
            VERDICT_B_COVERED = 10, VERDICT_SCALE = 11,
            // fine differences of the whole-picture alignment: the worst 8x8 block's and the mean block's difference
            VERDICT_BLOCK_WORST = 12, VERDICT_BLOCK_MEAN = 13,
            // colour: of the cells coloured in both aligned pictures, the share whose hues are > 90 degrees apart (-1: not measured)
            VERDICT_HUE_MISMATCH = 14;
    /** Floats per verdict: {@link #verify}'s result, each pair's slice of {@link #verifyMany}'s. */
    public static final int VERDICT_LENGTH = 15;

    /**
     * {@link #verify} flags: search each picture inside the other; match the local features;
     * ({@link #verifyMany} only) the common fingerprint is the second of the pair; compare a
     * picture with the other's inner picture (a screenshot's; src/copies.rs {@code VERIFY_*});
     * ({@link #verifyMany} only) a second verdict right after the pair's, with the part search and
     * without the local features.
     */
    public static final int VERIFY_PARTS = 1, VERIFY_LOCAL = 2, VERIFY_COMMON_SECOND = 4, VERIFY_INNER = 8, VERIFY_ALSO_PARTS = 16;

    /**
     * Verifies fingerprint b against a; the floats at {@code VERDICT_*}; alignment 0 none, 1 whole,
     * 2 a inside b, 3 b inside a. {@code flags}: {@code VERIFY_*} or'ed.
     */
    public static native float[] verify(byte[] a, byte[] b, int flags);

    /**
     * {@link #verify} of a against each fingerprint of {@code all} with {@code flags[i]}
     * ({@link #VERIFY_COMMON_SECOND}: the pair is (that fingerprint, a)): {@link #VERDICT_LENGTH}
     * floats per verdict, in order, two for a pair with {@link #VERIFY_ALSO_PARTS}. The grids
     * derived from a are computed once for all pairs.
     */
    public static native float[] verifyMany(byte[] a, byte[][] all, int[] flags);

    /**
     * The words of a copy fingerprint's local features and of its inner picture's (bits sampled
     * from each point's descriptor, tagged with their table; src/keypoints/words.rs): distinct,
     * in increasing unsigned order; empty for a fingerprint without local features. What an
     * inverted file looks a copy up by.
     */
    public static native int[] copyWords(byte[] fingerprint);
}
