package dev.imgsim;

import java.util.Arrays;
import java.util.Locale;

import dev.imgsim.internal.Native;

/**
 * Turns a pair's embedding similarity and content verification into a decision, a band and a
 * confidence. The decision is learned: gradient-boosted trees over the verification's evidence
 * (the embeddings' cosine, the grid correlation of the best whole-picture and part alignment,
 * the area and aspect of the alignment, the local features' inliers, support, coverage and scale)
 * give the probability that the pair is a copy, fitted on the invariance benchmark's verified
 * pairs ({@code python/copy_decision.py}; docs/QUALITY.md, "The learned decision"). That
 * probability is {@link Match#confidence()}; a pair is a copy when it reaches this calibration's
 * threshold: {@link #defaults()} where 99 % of the benchmark's pairs above it were copies,
 * {@link #strict()} where 99.9 % were. {@link #fromBackground(double[], double)} raises the
 * threshold for a collection of your own ({@code imgsim calibrate}). Immutable and thread-safe.
 */
public final class CopyCalibration {
    /** The probability at or above which a pair is a copy. */
    private final double copy;
    /** Embedding cosine at or above which a pair that is not a copy is {@link Band#SIMILAR}. */
    private final double similar;
    /** Below this cosine, parts are not searched and local features not matched (as on the benchmark the trees were fitted on). */
    private static final double PARTS_FLOOR = 0.6;
    /** Evidence too thin to call anything a copy: no alignment and fewer local matches than this. */
    private static final int MIN_INLIERS_UNALIGNED = 8;
    /**
     * Which evidence describes the copy's geometry: the grids when they alone would call it
     * (whole pictures at 0.95, parts at 0.93 + 0.03 ln(1/area): the hand-set rule before the
     * trees), else the local features when at least LOCAL_GEOMETRY of them agree.
     */
    private static final int LOCAL_GEOMETRY = 20;
    /** A pair below the copy threshold with at least this probability is SIMILAR whatever its cosine. */
    private static final double UNSURE = 0.5;
    /** A local match covering this share of both pictures is a whole-picture match. */
    private static final double WHOLE_COVER = 0.9;

    private static final CopyCalibration DEFAULTS = new CopyCalibration(CopyTrees.shipped().threshold("copy"), 0.75);
    private static final CopyCalibration STRICT = new CopyCalibration(CopyTrees.shipped().threshold("strict"), 0.75);

    private CopyCalibration(double copy, double similar) {
        this.copy = copy;
        this.similar = similar;
    }

    /** @return the calibration fitted on the invariance benchmark: pair precision 0.99 there */
    public static CopyCalibration defaults() {
        return DEFAULTS;
    }

    /**
     * A calibration for when a wrong "copy" costs more than a missed one (deleting files): the
     * threshold at which 99.9 % of the benchmark's pairs were copies (docs/QUALITY.md, "The learned
     * decision": it finds fewer of the copies than {@link #defaults()}).
     */
    public static CopyCalibration strict() {
        return STRICT;
    }

    /**
     * A calibration for your own collection: the copy threshold is raised (never lowered) so that
     * at most {@code falsePositiveRate} of the given non-copy pairs would be called copies.
     *
     * @param backgroundConfidences {@link Match#confidence()} of pairs known or assumed not to be
     *        copies (e.g. each image's nearest neighbours in a collection without copies, or pairs
     *        a person marked "not a duplicate")
     * @param falsePositiveRate e.g. 0.001
     * @throws IllegalArgumentException if there are fewer than 100 values, one is not in [0, 1], or the rate is not in (0, 1)
     */
    public static CopyCalibration fromBackground(double[] backgroundConfidences, double falsePositiveRate) {
        if (backgroundConfidences == null || backgroundConfidences.length < 100) {
            throw new IllegalArgumentException("need at least 100 background confidences, got "
                    + (backgroundConfidences == null ? 0 : backgroundConfidences.length));
        }
        if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) {
            throw new IllegalArgumentException("falsePositiveRate must be in (0, 1): " + falsePositiveRate);
        }
        double[] s = backgroundConfidences.clone();
        for (double v : s) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("a confidence must be in [0, 1]: " + v);
            }
        }
        Arrays.sort(s);
        // at most floor(n * rate) of the scores may reach the threshold
        int allowed = (int) Math.floor(s.length * falsePositiveRate);
        double q = Math.nextUp(s[s.length - 1 - allowed]);
        return new CopyCalibration(Math.min(1, Math.max(DEFAULTS.copy, q)), DEFAULTS.similar);
    }

    /**
     * A calibration fitted to pairs you labelled (e.g. from your own collection, a few dozen of
     * each kind): the lowest labelled copy's confidence at which at least {@code precision} of the
     * labelled pairs at or above it are copies ({@code imgsim calibrate}); when none is, a threshold
     * above every pair labelled not a copy (and not below the default's). Unlike
     * {@link #fromBackground(double[], double)} it may lower the threshold below the default when
     * your pairs allow it.
     *
     * @param copies {@link Match#confidence()} of pairs that are copies
     * @param notCopies {@link Match#confidence()} of pairs that are not (look-alikes matter most)
     * @param precision e.g. 0.99
     * @throws IllegalArgumentException if either array is empty, a value is not in [0, 1], or precision is not in (0, 1]
     */
    public static CopyCalibration fromLabelled(double[] copies, double[] notCopies, double precision) {
        if (copies == null || notCopies == null || copies.length == 0 || notCopies.length == 0) {
            throw new IllegalArgumentException("need at least one labelled pair of each kind (copies and not copies)");
        }
        if (!(precision > 0 && precision <= 1)) {
            throw new IllegalArgumentException("precision must be in (0, 1]: " + precision);
        }
        double[][] all = new double[copies.length + notCopies.length][];
        for (int i = 0; i < all.length; i++) {
            double v = i < copies.length ? copies[i] : notCopies[i - copies.length];
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException("a confidence must be in [0, 1]: " + v);
            }
            all[i] = new double[] {v, i < copies.length ? 1 : 0};
        }
        // highest first; the threshold is the lowest labelled copy's confidence at which the pairs at
        // or above it keep the precision (no lower: nothing below the copies was labelled a copy)
        Arrays.sort(all, (x, y) -> Double.compare(y[0], x[0]));
        double best = Math.nextUp(Arrays.stream(notCopies).max().getAsDouble());
        boolean found = false;
        int tp = 0;
        for (int i = 0; i < all.length; i++) {
            tp += (int) all[i][1];
            boolean lastOfValue = i + 1 == all.length || all[i + 1][0] < all[i][0];
            if (lastOfValue && all[i][1] == 1 && tp >= precision * (i + 1)) {
                best = all[i][0];
                found = true;
            }
        }
        if (!found) {
            // no copy keeps the precision: above every pair labelled not a copy
            best = Math.max(best, DEFAULTS.copy);
        }
        return withThreshold(Math.min(1, best));
    }

    /**
     * The shipped decision with a copy threshold of your choosing (e.g. what {@code imgsim
     * calibrate} printed): a pair is a copy when its {@link Match#confidence()} reaches it.
     *
     * @throws IllegalArgumentException if the threshold is not in [0, 1]
     */
    public static CopyCalibration withThreshold(double probability) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("a copy threshold is a probability in [0, 1]: " + probability);
        }
        return new CopyCalibration(probability, DEFAULTS.similar);
    }

    /**
     * Decides whether {@code b} is a copy of {@code a} under this calibration (what
     * {@link ImageSimilarity#verify(CopyFeatures, CopyFeatures)} does with {@link #defaults()}).
     */
    public Match verify(CopyFeatures a, CopyFeatures b) {
        return Match.verify(a, b, this, true);
    }

    /**
     * Like {@link #verify(CopyFeatures, CopyFeatures)}; {@code searchParts} false compares whole
     * pictures only (microseconds instead of milliseconds: crops, padding and screenshots are
     * then found only by their local features). For bulk work that searches parts only for the
     * most likely pairs.
     */
    public Match verify(CopyFeatures a, CopyFeatures b, boolean searchParts) {
        return Match.verify(a, b, this, searchParts);
    }

    /**
     * The decision for a pair known only by its embedding similarity (no fingerprint, e.g. a
     * vector added to an index from elsewhere): never a copy; {@link Band#SIMILAR} or
     * {@link Band#DIFFERENT}.
     */
    public Match unverified(double similarity) {
        return new Match(similarity, -1, 0, similarity >= similar ? Band.SIMILAR : Band.DIFFERENT, Transform.NONE,
                Match.Alignment.NONE, 0, 0);
    }

    /** @return the probability ({@link Match#confidence()}) at or above which a pair is a copy */
    public double copyThreshold() {
        return copy;
    }

    /** @return the embedding cosine at or above which a pair that is not a copy is {@link Band#SIMILAR} */
    public double similarThreshold() {
        return similar;
    }

    double partsFloor() {
        return PARTS_FLOOR;
    }

    double localFloor() {
        return PARTS_FLOOR;
    }

    /** The hand-set grid rule (before the trees), kept to say which evidence describes a copy's geometry. */
    private static boolean gridsAlone(float[] v) {
        int alignment = (int) v[Native.VERDICT_ALIGNMENT];
        double score = v[Native.VERDICT_SCORE];
        if (alignment == 1) {
            return v[Native.VERDICT_ASPECT_MISMATCH] <= 0.2 && score >= 0.95;
        }
        return alignment > 1 && score >= 0.93 + 0.03 * Math.log(1 / Math.max(v[Native.VERDICT_AREA], 0.01));
    }

    /** The decision on a verdict; {@code parts}: whether the part search ran for it. */
    Match decide(double similarity, float[] v, boolean parts) {
        double score = v[Native.VERDICT_SCORE];
        int alignment = (int) v[Native.VERDICT_ALIGNMENT];
        int inliers = v.length > Native.VERDICT_INLIERS ? (int) v[Native.VERDICT_INLIERS] : 0;
        boolean nothing = alignment == 0 && inliers < MIN_INLIERS_UNALIGNED || !Double.isFinite(similarity);
        double p = nothing ? 0 : CopyTrees.shipped().probability(CopyTrees.features(similarity, v, parts));
        if (p < copy) {
            // not a copy: similar when the embeddings are close or the evidence leans to a copy
            Band band = similarity >= similar || p >= UNSURE ? Band.SIMILAR : Band.DIFFERENT;
            return new Match(similarity, score, p, band, Transform.NONE,
                    Match.Alignment.values()[Math.max(0, Math.min(3, alignment))], v[Native.VERDICT_AREA], inliers);
        }
        if (!gridsAlone(v) && inliers >= LOCAL_GEOMETRY && v.length > Native.VERDICT_SCALE) {
            return local(similarity, score, p, v, inliers);
        }
        boolean exact = alignment == 1 && v[Native.VERDICT_TRANSFORM] == 0 && score >= 0.99 && similarity >= 0.98;
        Match.Alignment al = Match.Alignment.values()[Math.max(0, Math.min(3, alignment))];
        return new Match(similarity, score, p, exact ? Band.EXACT_COPY : Band.EDITED_COPY,
                Transform.of((int) v[Native.VERDICT_TRANSFORM]), al, v[Native.VERDICT_AREA], inliers);
    }

    /** A copy whose geometry the local features describe (turned by an odd angle, in perspective, captioned, pasted). */
    private static Match local(double similarity, double score, double p, float[] v, int inliers) {
        double aInB = v[Native.VERDICT_A_IN_B];
        double bCovered = v[Native.VERDICT_B_COVERED];
        Match.Alignment al;
        double area;
        if (aInB >= WHOLE_COVER && bCovered >= WHOLE_COVER) {
            al = Match.Alignment.WHOLE;
            area = 1;
        } else if (bCovered >= aInB) {
            // b lies (mostly) inside a: a crop; area = the share of a it shows
            al = Match.Alignment.SECOND_INSIDE_FIRST;
            area = aInB;
        } else {
            al = Match.Alignment.FIRST_INSIDE_SECOND;
            area = bCovered;
        }
        return new Match(similarity, score, p, Band.EDITED_COPY, Transform.of((int) v[Native.VERDICT_LOCAL_TRANSFORM]), al,
                area, inliers);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "CopyCalibration[learned decision (%d trees): copy at probability >= %.4f, similar >= %.3f]",
                CopyTrees.shipped().trees(), copy, similar);
    }
}
