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

    /**
     * The embedding of a search query: {@link #embed} after the model's query prefix, for models
     * trained with one (e5: {@code "query: "}); by default {@link #embed}.
     * @param query the query
     * @return its embedding
     */
    default float[] embedQuery(String query) {
        return embed(query);
    }

    /**
     * The embeddings of documents to search among: {@link #embedAll} after the model's document
     * prefix, for models trained with one (e5: {@code "passage: "}); by default {@link #embedAll}.
     * @param documents the documents
     * @return their embeddings, in order
     */
    default float[][] embedDocuments(List<String> documents) {
        return embedAll(documents);
    }

    /** @return the number of values in an embedding */
    int embeddingSize();

    /** @return the SHA-256 of the model, as hex: the identity an index records */
    String modelSha256();
}
