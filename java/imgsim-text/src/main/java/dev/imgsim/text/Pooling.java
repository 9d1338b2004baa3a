package dev.imgsim.text;

/**
 * How a text model's token embeddings become one text embedding. A model exported by
 * {@code python/text_model.py} pools in its graph ({@link #IN_MODEL}); a sentence-transformers
 * or Hugging Face ONNX export returns token embeddings, pooled as its folder's
 * {@code 1_Pooling/config.json} says, or as {@link TextEmbedder.Builder#pooling(Pooling)} chooses.
 */
public enum Pooling {
    /** The mean of the text's tokens, padding excluded (all-MiniLM, e5, most models). */
    MEAN("mean"),
    /** The first token, {@code [CLS]} (bge, gte). */
    CLS("cls"),
    /** The text's last token (decoder-based embedding models). */
    LAST_TOKEN("lasttoken"),
    /** The element-wise maximum over the text's tokens. */
    MAX("max"),
    /** The model's graph pools; nothing to choose. */
    IN_MODEL("");

    final String nativeName;

    Pooling(String nativeName) {
        this.nativeName = nativeName;
    }

    static Pooling ofNative(String name) {
        for (Pooling p : values()) {
            if (p.nativeName.equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("unknown pooling from the native library: " + name);
    }
}
