package dev.imgsim.index;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@link SearchMode#HYBRID} fuses the dense and the BM25 result lists: reciprocal rank fusion
 * ({@link #rrf}) or normalised linear fusion ({@link #linear}), each weighted. Immutable.
 *
 * <p>Reciprocal rank fusion scores a document {@code w_dense / (k + rank_dense) + w_bm25 / (k +
 * rank_bm25)} (a list that misses it adds nothing); linear fusion scales each list's scores to
 * [0, 1] by its own minimum and maximum and adds them, weighted {@code w} and {@code 1 - w}.
 */
public final class Fusion {
    enum Kind { RRF, LINEAR }

    final Kind kind;
    final double denseWeight;
    final double bm25Weight;
    final int rankConstant;
    /** How many hits of each method are fused (at least the k asked for); 0: {@link #depthFor} decides. */
    final int depth;

    /**
     * The depth of the automatic fusion for a search of {@code k}: {@code max(k, AUTO_DEPTH_FLOOR)}
     * hits of each method, chosen by measurement (docs/TEXT.md, "Fusion depth"): at k=10 a depth
     * of 50 keeps recall@10 of a depth of 100 on the three tasks measured and recall@1 within
     * 0.006, while the graph search reads about half as many candidates.
     */
    public static final int AUTO_DEPTH_FLOOR = 50;

    private Fusion(Kind kind, double denseWeight, double bm25Weight, int rankConstant, int depth) {
        if (!(denseWeight >= 0) || !(bm25Weight >= 0) || denseWeight + bm25Weight == 0
                || Double.isInfinite(denseWeight) || Double.isInfinite(bm25Weight)) {
            throw new IllegalArgumentException("fusion weights must be finite, >= 0 and not both 0: " + denseWeight + ", " + bm25Weight);
        }
        if (rankConstant < 0 || depth < 0) {
            throw new IllegalArgumentException("rank constant and depth must be >= 0: " + rankConstant + ", " + depth);
        }
        this.kind = kind;
        this.denseWeight = denseWeight;
        this.bm25Weight = bm25Weight;
        this.rankConstant = rankConstant;
        this.depth = depth;
    }

    /**
     * Reciprocal rank fusion.
     *
     * @param rankConstant {@code k} in {@code 1 / (k + rank)}; 60 is the usual choice
     * @param denseWeight weight of the dense list
     * @param bm25Weight weight of the BM25 list
     */
    public static Fusion rrf(int rankConstant, double denseWeight, double bm25Weight) {
        return new Fusion(Kind.RRF, denseWeight, bm25Weight, rankConstant, 0);
    }

    /**
     * Normalised linear fusion.
     *
     * @param denseWeight in [0, 1]: the dense list's weight; BM25's is {@code 1 - denseWeight}
     */
    public static Fusion linear(double denseWeight) {
        if (!(denseWeight >= 0 && denseWeight <= 1)) {
            throw new IllegalArgumentException("denseWeight must be within [0, 1], got " + denseWeight);
        }
        return new Fusion(Kind.LINEAR, denseWeight, 1 - denseWeight, 0, 0);
    }

    /**
     * @param depth hits of each method fused (at least the k asked for), {@code >= 1}; 0 restores
     *     the automatic depth ({@link #depthFor})
     * @return this fusion over the best {@code depth} hits of each method
     */
    public Fusion depth(int depth) {
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be >= 1, or 0 for the automatic depth: " + depth);
        }
        return new Fusion(kind, denseWeight, bm25Weight, rankConstant, depth);
    }

    /** @return how many hits of each method are fused (at least the k asked for); 0: automatic ({@link #depthFor}) */
    public int depth() {
        return depth;
    }

    /**
     * @param k hits asked for
     * @return hits of each method fused for a search of {@code k}: {@code max(k, depth())}, or
     *     {@code max(k, }{@link #AUTO_DEPTH_FLOOR}{@code )} when the depth is automatic
     */
    public int depthFor(int k) {
        return Math.max(k, depth == 0 ? AUTO_DEPTH_FLOOR : depth);
    }

    /**
     * The fused order of two ranked lists of (id, score), best first: what {@link TextIndex}
     * does, offered for lists from elsewhere (a search backend's BM25 and kNN results).
     *
     * @param dense the dense list, best first (its scores are used by linear fusion)
     * @param bm25 the BM25 list, best first
     * @return ids with their fused scores, best first (ties by id)
     */
    public List<Map.Entry<String, Double>> fuse(List<Map.Entry<String, Double>> dense, List<Map.Entry<String, Double>> bm25) {
        Map<String, Double> score = new HashMap<>();
        add(score, dense, denseWeight);
        add(score, bm25, bm25Weight);
        List<Map.Entry<String, Double>> out = new ArrayList<>(score.entrySet());
        out.sort(Comparator.comparing((Map.Entry<String, Double> e) -> e.getValue()).reversed()
                .thenComparing(Map.Entry::getKey));
        return out;
    }

    private void add(Map<String, Double> score, List<Map.Entry<String, Double>> list, double weight) {
        if (list.isEmpty() || weight == 0) {
            return;
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> e : list) {
            min = Math.min(min, e.getValue());
            max = Math.max(max, e.getValue());
        }
        for (int r = 0; r < list.size(); r++) {
            Map.Entry<String, Double> e = list.get(r);
            double s = kind == Kind.RRF ? 1.0 / (rankConstant + r + 1)
                    : (max > min ? (e.getValue() - min) / (max - min) : 1.0);
            score.merge(e.getKey(), weight * s, Double::sum);
        }
    }

    private String depthName() {
        return depth == 0 ? "auto" : Integer.toString(depth);
    }

    @Override
    public String toString() {
        return kind == Kind.RRF
                ? "rrf(k=" + rankConstant + ", dense " + denseWeight + ", bm25 " + bm25Weight + ", depth " + depthName() + ")"
                : "linear(dense " + denseWeight + ", bm25 " + bm25Weight + ", depth " + depthName() + ")";
    }
}
