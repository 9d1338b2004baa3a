package dev.imgsim.internal;

/**
 * The native methods of the text model ({@code src/jni/text.rs} is the other side), in the same
 * native library as the image code (one ONNX Runtime per process). Not a public API: used by
 * {@code dev.imgsim.text.TextEmbedder} (artifact {@code imgsim-text}); handles are raw pointers and
 * callers must hold the instance's lock so that no call runs during or after {@link #close}.
 */
public final class TextNative {
    private TextNative() {}

    static {
        // the library Native loaded (once per class loader): a second copy would have its own
        // ONNX Runtime state
        Native.ensureLoaded();
    }

    /**
     * Opens a text model from its ONNX bytes and its {@code tokenizer.json}; {@code chunkOverlap}
     * &lt; 0 truncates long texts, &gt;= 0 splits them into windows overlapping by that many tokens;
     * {@code maxTokens} 0 = the model's limit; {@code config} (may be null) is a JSON object
     * {@code {"pooling": ..., "sentence_transformers": ..., "sentence_bert": ..., "pooling_mode": ...}}
     * holding a sentence-transformers folder's configuration files and the caller's pooling.
     * Returns a handle.
     */
    public static native long open(byte[] model, byte[] tokenizer, String what, String config, int intraThreads,
            int poolSize, int maxTokens, int chunkOverlap, int batchSize);

    /**
     * {@code [pooling, query prefix, document prefix]} as resolved when the model was opened:
     * pooling {@code ""} when the model pools in its graph, {@code ""} for no prefix.
     */
    public static native String[] settings(long handle);

    /** Frees a handle; the caller guarantees no call is using it. */
    public static native void close(long handle);

    /** What the native side knows of the model. */
    public static native ModelInfo describe(long handle);

    /** Native text models alive in this process (for leak tests). */
    public static native long liveModels();

    /** Embeds texts given as concatenated UTF-8 bytes and their byte lengths. */
    public static native float[][] embedAll(long handle, byte[] utf8, int[] lengths);

    /** Tokens (special ones included) of each window of one text. */
    public static native int[] tokenCounts(long handle, byte[] utf8);
}
