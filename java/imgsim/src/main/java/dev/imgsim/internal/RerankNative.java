package dev.imgsim.internal;

/**
 * The native methods of the cross-encoder ({@code src/jni/rerank.rs} is the other side), in the
 * same native library as the image code. Not a public API: used by
 * {@code dev.imgsim.text.CrossEncoder} (artifact {@code imgsim-text}); handles are raw pointers and
 * callers must hold the instance's lock so that no call runs during or after {@link #close}.
 */
public final class RerankNative {
    private RerankNative() {}

    static {
        Native.ensureLoaded();
    }

    /**
     * Opens a cross-encoder from its ONNX bytes and its {@code tokenizer.json};
     * {@code tokenizerConfig} (may be null) is its {@code tokenizer_config.json}, read for the
     * token limit; {@code maxTokens} 0 = the model's limit. Returns a handle.
     */
    public static native long open(byte[] model, byte[] tokenizer, String what, String tokenizerConfig, int intraThreads,
            int poolSize, int maxTokens);

    /** Frees a handle; the caller guarantees no call is using it. */
    public static native void close(long handle);

    /** Tokens per pair (special ones included) the model reads at most. */
    public static native int maxTokens(long handle);

    /** Native cross-encoders alive in this process (for leak tests). */
    public static native long liveModels();

    /** One score per text (concatenated UTF-8 bytes and their byte lengths) for the query. */
    public static native float[] score(long handle, byte[] query, byte[] utf8, int[] lengths);

    /** Tokens of one query-text pair after truncation (special ones included). */
    public static native int tokenCount(long handle, byte[] query, byte[] text);
}
