package dev.imgsim.springai;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.Embedding;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingRequest;
import org.springframework.ai.embedding.EmbeddingResponse;

import dev.imgsim.TextEncoder;

/**
 * A Spring AI {@link EmbeddingModel} over an imgsim {@link TextEncoder} (e.g. {@code TextEmbedder}:
 * INT8 MiniLM in-process, no network). Each text's vector is independent of the other texts of a
 * call (imgsim runs one text per inference), concurrent calls are safe, and
 * {@link #dimensions()} is known without a call. Request options are ignored: the model is fixed
 * when the encoder is built.
 */
public final class ImgsimSpringAiEmbeddingModel implements EmbeddingModel {
    private final TextEncoder text;

    /** @param text the text model (not closed by this class) */
    public ImgsimSpringAiEmbeddingModel(TextEncoder text) {
        this.text = Objects.requireNonNull(text, "text");
    }

    @Override
    public EmbeddingResponse call(EmbeddingRequest request) {
        Objects.requireNonNull(request, "request");
        List<String> texts = request.getInstructions();
        float[][] vectors = text.embedAll(texts);
        List<Embedding> out = new ArrayList<>(vectors.length);
        for (int i = 0; i < vectors.length; i++) {
            out.add(new Embedding(vectors[i], i));
        }
        return new EmbeddingResponse(out);
    }

    @Override
    public float[] embed(Document document) {
        Objects.requireNonNull(document, "document");
        String s = document.getText();
        if (s == null) {
            throw new IllegalArgumentException("document " + document.getId() + " has no text (media documents are not embedded)");
        }
        return text.embed(s);
    }

    @Override
    public float[] embed(String s) {
        return text.embed(Objects.requireNonNull(s, "text"));
    }

    @Override
    public int dimensions() {
        return text.embeddingSize();
    }
}
