package dev.imgsim;

import java.util.List;

/**
 * What a text index needs of a text model: {@code dev.imgsim.text.TextEmbedder} (artifact
 * {@code imgsim-text}) is the implementation; {@code dev.imgsim.index.TextIndex} takes this
 * interface, so the index artifact compiles without the text model.
 */
public interface TextEncoder {
    /** @return the embedding of {@code text} */
    float[] embed(String text);

    /** @return the embeddings of {@code texts}, in order */
    float[][] embedAll(List<String> texts);

    /** @return the number of values in an embedding */
    int embeddingSize();

    /** @return the SHA-256 of the model, as hex: the identity an index records */
    String modelSha256();
}
