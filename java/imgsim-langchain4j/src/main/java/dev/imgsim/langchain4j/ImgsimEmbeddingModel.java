package dev.imgsim.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.imgsim.TextEncoder;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;

/**
 * A LangChain4j {@link EmbeddingModel} over an imgsim text model ({@code TextEmbedder} from
 * imgsim-text, or any {@link TextEncoder}): in-process, offline, thread-safe, and each text's
 * vector is the same whatever batch it comes in. {@link #dimension()} needs no call to the model.
 * Closing the text model is the caller's.
 *
 * <pre>{@code
 * try (TextEmbedder text = TextEmbedder.create()) {
 *     EmbeddingModel model = new ImgsimEmbeddingModel(text);
 *     Embedding e = model.embed("hello").content();
 * }
 * }</pre>
 */
public final class ImgsimEmbeddingModel implements EmbeddingModel {
    private final TextEncoder text;

    /** @param text the imgsim text model that embeds */
    public ImgsimEmbeddingModel(TextEncoder text) {
        this.text = Objects.requireNonNull(text, "text");
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
        Objects.requireNonNull(segments, "segments");
        List<String> texts = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            texts.add(Objects.requireNonNull(segments.get(i), "segments[" + i + "]").text());
        }
        float[][] vectors = text.embedAll(texts);
        List<Embedding> out = new ArrayList<>(vectors.length);
        for (float[] v : vectors) {
            out.add(Embedding.from(v));
        }
        return Response.from(out);
    }

    @Override
    public Response<Embedding> embed(String text) {
        return Response.from(Embedding.from(this.text.embed(Objects.requireNonNull(text, "text"))));
    }

    @Override
    public Response<Embedding> embed(TextSegment segment) {
        return embed(Objects.requireNonNull(segment, "segment").text());
    }

    @Override
    public int dimension() {
        return text.embeddingSize();
    }

    /** @return {@code imgsim:} and the model's SHA-256 */
    @Override
    public String modelName() {
        return "imgsim:" + text.modelSha256();
    }
}
