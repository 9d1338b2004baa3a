package dev.imgsim.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A second stage for text search: a model that reads the query and each candidate text together
 * (a cross-encoder) scores the best hits of {@link TextIndex#search(String, int)} again, and
 * {@link #rerank} orders them by that score. A {@link TextIndex} does not keep its texts, so the
 * caller supplies each hit's text (the matched window's offsets are in its fields
 * {@code chunk.start} and {@code chunk.end}).
 *
 * <pre>{@code
 * List<Hit> best = reranker.rerank(query, index.search(query, 20), hit -> texts.get(hit.id()));
 * }</pre>
 *
 * <p>imgsim-text's {@code dev.imgsim.text.CrossEncoder} runs a cross-encoder in imgsim's native
 * core and has this interface's {@link #score} signature: {@code Reranker r = crossEncoder::score;}
 * (no model is bundled: docs/TEXT.md names one and the script that fetches it). Any other scorer
 * plugs in the same way.
 */
@FunctionalInterface
public interface Reranker {
    /** The field a reranked hit carries its reranker score in. */
    String SCORE_FIELD = "rerank.score";

    /**
     * Scores each text's relevance to the query.
     * @param query the query
     * @param texts the candidate texts
     * @return one score per text, in order; higher is more relevant
     */
    double[] score(String query, List<String> texts);

    /**
     * The hits in order of this reranker's score (ties keep their first-stage order), each with
     * its score in field {@link #SCORE_FIELD}; hits whose text is {@code null} follow, in their
     * first-stage order, unscored. {@link Hit#similarity()} stays the cosine.
     * @param query the query
     * @param hits the first stage's hits
     * @param textOf each hit's text (or the matched window's), {@code null} if unknown
     * @return the same hits, reordered
     * @throws IllegalStateException if the reranker returns a score per text that is missing or not a number
     */
    default List<Hit> rerank(String query, List<Hit> hits, Function<Hit, String> textOf) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(hits, "hits");
        Objects.requireNonNull(textOf, "textOf");
        List<Hit> scored = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<Hit> unknown = new ArrayList<>();
        for (Hit h : hits) {
            String t = textOf.apply(Objects.requireNonNull(h, "hits contains null"));
            if (t == null) {
                unknown.add(h);
            } else {
                scored.add(h);
                texts.add(t);
            }
        }
        double[] s = scored.isEmpty() ? new double[0] : score(query, texts);
        if (s == null || s.length != texts.size()) {
            throw new IllegalStateException("the reranker returned " + (s == null ? "null" : s.length + " scores")
                    + " for " + texts.size() + " texts");
        }
        Integer[] order = new Integer[s.length];
        for (int i = 0; i < order.length; i++) {
            if (Double.isNaN(s[i])) {
                throw new IllegalStateException("the reranker's score of text " + i + " is not a number");
            }
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -s[i])); // stable: ties keep their order
        List<Hit> out = new ArrayList<>(hits.size());
        for (int i : order) {
            Hit h = scored.get(i);
            Map<String, String> f = new LinkedHashMap<>(h.fields());
            f.put(SCORE_FIELD, Double.toString(s[i]));
            out.add(Hit.of(h.id(), h.similarity(), f));
        }
        out.addAll(unknown);
        return out;
    }
}
