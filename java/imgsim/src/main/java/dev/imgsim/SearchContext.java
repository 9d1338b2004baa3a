package dev.imgsim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A copy search's evidence beyond each pair ({@link CopyCalibration#withSearchContext},
 * {@link CopyCalibration#withContext}): a candidate weighed against the query's other candidates.
 * A copy of a picture the collection holds once stands out from them, a look-alike of a family
 * (icons of one theme, pages of one template) does not: by its verification (the grids' score) and
 * by its local inliers ({@code docs/QUALITY.md}, "A copy that stands out", "Points that stand out").
 */
final class SearchContext {
    /** The margin's logistic: q = 0.5 at a margin of 0.025, 0.95 at 0.1. */
    private static final double DISTINCT_OFFSET = -1;
    private static final double DISTINCT_SLOPE = 40;
    /** A near miss standing out is a copy at this combined confidence. */
    private static final double PROMOTE = 0.9;
    /**
     * The most a promoted near miss is trusted: the share of copies among those the benchmark
     * promoted (session 18: 0.979, planted copies 0.983; with the points, session 19: 0.982, 0.972;
     * {@code python/copy_ranking.py}).
     */
    private static final double PROMOTED_MAX = 0.98;
    /**
     * A near miss whose local inliers n stand out from the most m of any other candidate: P(copy)
     * = 1 / (1 + exp(-(-3.5 + 0.75 ln(1 + n) + 4.75 ln((1 + n) / (1 + m))))), a logistic regression
     * on the benchmark's verified near misses with 8 or more inliers among their query's 20 most
     * similar ({@code python/copy_ranking.py --fit-points}: -3.527, 0.742, 4.750).
     */
    private static final double POINTS_OFFSET = -3.5;
    private static final double POINTS_LOG_INLIERS = 0.75;
    private static final double POINTS_LOG_RATIO = 4.75;
    /**
     * Among a collection's candidate pairs ({@link #weighInCollection}), a near miss needs this
     * confidence of its own and a combined confidence of {@link #COLLECTION_PROMOTE}: two
     * look-alikes that are each other's only sibling stand out there as a copy of a search does
     * (session 21, {@code docs/DUPES.md}: at the search's 0.3 / 0.9 and with the points, a replay
     * of {@code dupes} on mixed content found 12 more copies and 37 more look-alike pairs).
     */
    static final double COLLECTION_FLOOR = CopyCalibration.COLLECTION_STAND_OUT_FLOOR;
    static final double COLLECTION_PROMOTE = 0.95;
    /**
     * ... and its pictures aligned as a part of at most this share of the area (a crop, a caption,
     * a canvas): of the 21 near misses promoted on three draws of the mixed content without it, the
     * 11 look-alikes (two states of one dialog, two designs of one card) all aligned as whole
     * pictures (area 0.98-1.00), 7 of the 10 copies as parts.
     */
    static final double COLLECTION_MAX_AREA = 0.9;

    private SearchContext() {
    }

    static List<Match> apply(CopyCalibration cal, List<Match> matches, int context) {
        Objects.requireNonNull(matches, "matches");
        if (context < 1) {
            throw new IllegalArgumentException("context must be at least 1: " + context);
        }
        int n = Math.min(context, matches.size());
        List<Match> out = new ArrayList<>(matches);
        if (cal.isLearned() || n <= CopyCalibration.MIN_CONTEXT) {
            return out;
        }
        // the best and second-best verification and local inliers among the first n: each
        // candidate is measured against the best of the others
        double best = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        int at = -1;
        int mostPoints = 0;
        int secondPoints = 0;
        int pointsAt = -1;
        for (int i = 0; i < n; i++) {
            Match m = matches.get(i);
            double v = verificationOf(m);
            if (v > best) {
                second = best;
                best = v;
                at = i;
            } else if (v > second) {
                second = v;
            }
            int p = Math.max(0, m.inliers());
            if (p > mostPoints) {
                secondPoints = mostPoints;
                mostPoints = p;
                pointsAt = i;
            } else if (p > secondPoints) {
                secondPoints = p;
            }
        }
        for (int i = 0; i < out.size(); i++) {
            out.set(i, weigh(cal, out.get(i), i == at ? second : best, i == pointsAt ? secondPoints : mostPoints));
        }
        return out;
    }

    static Match weigh(CopyCalibration cal, Match match, double otherBest, int otherInliers) {
        Objects.requireNonNull(match, "match");
        if (cal.isLearned() || !Double.isFinite(otherBest)) {
            return match;
        }
        double margin = verificationOf(match) - otherBest;
        double q = 1 / (1 + Math.exp(-(DISTINCT_OFFSET + DISTINCT_SLOPE * margin)));
        double p = 1 - (1 - match.confidence()) * (1 - q);
        if (match.isCopy()) {
            // raised by the margin only: raised by its points too, wrong copies of the planted
            // queries rose above the promoted near misses (docs/QUALITY.md, "Points that stand out")
            return match.withConfidence(p);
        }
        if (!cal.promotes() || match.asCopy() == null) {
            return match;
        }
        double points = pointsStandOut(match, otherInliers);
        if (match.confidence() >= CopyCalibration.STAND_OUT_FLOOR && p >= PROMOTE || points >= PROMOTE) {
            // a near miss that stands out: a copy here (with the geometry its evidence describes)
            return match.asCopy().withConfidence(Math.min(1 - (1 - p) * (1 - points), PROMOTED_MAX));
        }
        return match;
    }

    /**
     * A near miss among a collection's candidate pairs, measured against the best verification of
     * the other candidate pairs of either image: a copy there when its own confidence is at least
     * {@link #COLLECTION_FLOOR} and, with the margin's, {@link #COLLECTION_PROMOTE}; the points do
     * not count here. Anything else (a copy included) is returned as it is.
     */
    static Match weighInCollection(CopyCalibration cal, Match match, double otherBest) {
        Objects.requireNonNull(match, "match");
        boolean part = match.alignment() == Match.Alignment.FIRST_INSIDE_SECOND
                || match.alignment() == Match.Alignment.SECOND_INSIDE_FIRST;
        if (match.isCopy() || cal.isLearned() || !cal.promotes() || match.asCopy() == null || !Double.isFinite(otherBest)
                || match.confidence() < COLLECTION_FLOOR || !part || match.area() > COLLECTION_MAX_AREA) {
            return match;
        }
        double q = 1 / (1 + Math.exp(-(DISTINCT_OFFSET + DISTINCT_SLOPE * (verificationOf(match) - otherBest))));
        double p = 1 - (1 - match.confidence()) * (1 - q);
        return p >= COLLECTION_PROMOTE ? match.asCopy().withConfidence(Math.min(p, PROMOTED_MAX)) : match;
    }

    /** The probability that a near miss is a copy given how far its local inliers stand out (0 without the evidence). */
    private static double pointsStandOut(Match m, int otherInliers) {
        int n = m.inliers();
        // the same drawing in other colours shares its points with the other: never a copy
        if (otherInliers < 0 || n < CopyCalibration.STAND_OUT_INLIERS || m.hueMismatch() >= CopyCalibration.HUE_MISMATCH_VETO) {
            return 0;
        }
        double x = POINTS_OFFSET + POINTS_LOG_INLIERS * Math.log1p(n)
                + POINTS_LOG_RATIO * Math.log((1.0 + n) / (1.0 + otherInliers));
        return 1 / (1 + Math.exp(-x));
    }

    private static double verificationOf(Match m) {
        double v = m.verification();
        return Double.isNaN(v) ? -1 : v;
    }
}
