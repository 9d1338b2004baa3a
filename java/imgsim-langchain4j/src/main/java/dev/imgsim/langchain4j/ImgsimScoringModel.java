package dev.imgsim.langchain4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.imgsim.index.Reranker;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.scoring.ScoringModel;

/**
 * A LangChain4j {@link ScoringModel} over an imgsim reranker, typically the cross-encoder of
 * imgsim-text run in-process ({@code CrossEncoder::score}): what LangChain4j's
 * {@code ReRankingContentAggregator} uses to reorder retrieved segments, offline. Higher scores
 * are better; a cross-encoder's are logits (comparable within one query). Closing the model is
 * the caller's.
 *
 * <pre>{@code
 * try (CrossEncoder ce = CrossEncoder.create(Paths.get("ms-marco-MiniLM-L-12-v2-int8"))) {
 *     ScoringModel scoring = new ImgsimScoringModel(ce::score);
 *     ContentAggregator aggregator = ReRankingContentAggregator.builder().scoringModel(scoring).build();
 * }
 * }</pre>
 */
public final class ImgsimScoringModel implements ScoringModel {
    private final Reranker reranker;

    /** @param reranker scores texts against a query, e.g. {@code crossEncoder::score} */
    public ImgsimScoringModel(Reranker reranker) {
        this.reranker = Objects.requireNonNull(reranker, "reranker");
    }

    @Override
    public Response<List<Double>> scoreAll(List<TextSegment> segments, String query) {
        Objects.requireNonNull(segments, "segments");
        Objects.requireNonNull(query, "query");
        List<String> texts = new ArrayList<>(segments.size());
        for (int i = 0; i < segments.size(); i++) {
            texts.add(Objects.requireNonNull(segments.get(i), "segments[" + i + "]").text());
        }
        double[] s = texts.isEmpty() ? new double[0] : reranker.score(query, texts);
        if (s == null || s.length != texts.size()) {
            throw new IllegalStateException("the reranker returned " + (s == null ? "null" : s.length + " scores") + " for "
                    + texts.size() + " segments");
        }
        List<Double> out = new ArrayList<>(s.length);
        for (double v : s) {
            out.add(v);
        }
        return Response.from(out);
    }
}
