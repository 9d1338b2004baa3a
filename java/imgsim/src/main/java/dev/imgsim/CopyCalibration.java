package dev.imgsim;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.imgsim.internal.Native;

/**
 * Turns a pair's embedding similarity and content verification into a decision, a band and a
 * confidence. Two kinds:
 * <ul>
 * <li>{@link #defaults()} and {@link #strict()}: rules fitted on the invariance benchmark
 * ({@code docs/QUALITY.md}, "Copy detection"): the grid score of the best alignment against a
 * threshold (whole pictures, or parts by their area), or enough agreeing local features (a pair
 * both call a copy has the two confidences combined as independent evidence; a pair neither calls
 * a copy keeps the confidence of the stronger evidence below its rule, a near miss);
 * {@link #fromBackground(double[], double)} raises their thresholds for a collection of your own;</li>
 * <li>{@link #learned()}: gradient-boosted trees over all of that evidence give the probability
 * that the pair is a copy ({@link Match#confidence()}); more precise and finding more on the
 * benchmark it was fitted on, but it found fewer of the planted copies of a 10,000-image
 * collection than the rules did ({@code docs/QUALITY.md}, "The learned decision"), so it is not the
 * default; fit its threshold to pairs you labelled with {@link #fromLabelled(double[], double[], double)}
 * ({@code imgsim calibrate}) or set it with {@link #withThreshold(double)}.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class CopyCalibration {
    /** Whole pictures: verification at or above this is a copy. */
    private final double whole;
    /** Parts: verification at or above {@code part + partSlope * ln(1 / area)} is a copy (smaller parts need more). */
    private final double part;
    private final double partSlope;
    /** Embedding cosine at or above which an unverified pair is {@link Band#SIMILAR}. */
    private final double similar;
    /** Below this cosine, parts are not searched (a crop or a screenshot keeps its embedding above it). */
    private final double partsFloor;
    /**
     * Confidence = 1 / (1 + exp(-(OFFSET + slope * (v - threshold)))) above the threshold, with
     * SLOPE_BELOW under it: fitted on the benchmark's verified pairs (python/copy_calibration.py).
     */
    private final double slope;
    /** Grid decisions need an embedding cosine of at least this (local-feature decisions their own LOCAL_FLOOR). */
    private final double gridFloor;
    /** Log-odds of a copy at the threshold: 0.81 of the benchmark's pairs just above it were copies. */
    private static final double OFFSET = 1.46;
    private static final double SLOPE_BELOW = 40;

    private static final double MAX_ASPECT_MISMATCH = 0.2;
    /**
     * Local features: a pair is a copy with at least LOCAL_INLIERS matches agreeing on one map,
     * covering LOCAL_SUPPORT of the overlap's features (or LOCAL_INLIERS_DENSE covering
     * LOCAL_SUPPORT_DENSE), at an embedding cosine of LOCAL_FLOOR or more (below it they count
     * for nothing here; screened verification does not match them). Confidence 1 / (1 + exp(-(LOCAL_OFFSET + LOCAL_SLOPE * (inliers - LOCAL_INLIERS)))):
     * 0.96 of the benchmark's pairs called copies by these rules alone were copies.
     */
    private static final int LOCAL_INLIERS = 120;
    private static final double LOCAL_SUPPORT = 0.5;
    private static final int LOCAL_INLIERS_DENSE = 80;
    private static final double LOCAL_SUPPORT_DENSE = 0.7;
    private static final double LOCAL_FLOOR = 0.6;
    private static final double LOCAL_OFFSET = 2.2;
    private static final double LOCAL_SLOPE = 0.05;
    /**
     * A pair called a copy by either decision is {@link Band#SIMILAR} instead when at least this
     * share of the cells coloured in both pictures have hues more than 90 degrees apart
     * ({@link Match#hueMismatch()}): the same drawing in other colours. Chosen on the invariance
     * benchmark's and the planted copies' verified pairs ({@code docs/QUALITY.md}, "Colour").
     */
    public static final double HUE_MISMATCH_VETO = 0.3;
    /**
     * The confidence at most of a pair the colour vetoed: an upper bound on the share of copies
     * among such pairs (none of 220 vetoed benchmark rows, 1 of 51 planted-copy rows).
     */
    private static final double HUE_VETO_CONFIDENCE = 0.1;
    /** Whether this is a learned decision (the trees) rather than the rules. */
    private final boolean learned;
    /** Whether a near miss that stands out is a copy of a search ({@link #withContext}): the defaults only. */
    private final boolean promotes;
    /** Learned decisions: a pair is a copy at or above this probability. */
    private final double copy;
    /** Learned decisions: evidence too thin to call anything a copy: no alignment and fewer local matches than this. */
    private static final int MIN_INLIERS_UNALIGNED = 8;
    /**
     * Learned decisions: which evidence describes the copy's geometry: the grids when the rules
     * would call it on them alone, else the local features when at least LOCAL_GEOMETRY agree.
     */
    private static final int LOCAL_GEOMETRY = 20;
    /** Learned decisions: a pair below the threshold with at least this probability is SIMILAR whatever its cosine. */
    private static final double UNSURE = 0.5;
    /** Every calibration's {@link #similarThreshold()} and parts floor. */
    private static final double SIMILAR = 0.75;
    private static final double PARTS_FLOOR = 0.60;
    /** {@link #withSearchContext}, {@link #withContext}: the fewest other candidates a margin is measured against. */
    public static final int MIN_CONTEXT = 5;
    /** {@link #withContext}: a near miss of at least this confidence that stands out enough (to 0.9 combined) is a copy. */
    public static final double STAND_OUT_FLOOR = 0.3;
    /** {@link #withCollectionContext}: a near miss needs at least this confidence of its own to stand out among a collection's pairs. */
    public static final double COLLECTION_STAND_OUT_FLOOR = 0.6;
    /** {@link #withSearchContext}: the fewest local inliers whose standing out can make a near miss a copy. */
    public static final int STAND_OUT_INLIERS = 10;
    // fitted with python/copy_calibration.py on examples/copy_bench.rs's verified pairs (docs/QUALITY.md)
    private static final CopyCalibration DEFAULTS = new CopyCalibration(0.95, 0.93, 0.03, SIMILAR, PARTS_FLOOR, 28, -1, true);
    // the best rule of python/copy_calibration.py's strict search at pair precision 0.99 (docs/QUALITY.md)
    private static final CopyCalibration STRICT = new CopyCalibration(0.97, 0.99, 0, SIMILAR, PARTS_FLOOR, 28, 0.9, false);

    /** The learned decision, read on first use (the rules never load the trees). */
    private static final class Learned {
        // python/copy_decision.py: the threshold at which 95 % of the benchmark's out-of-fold pairs were copies
        static final CopyCalibration DEFAULT = new CopyCalibration(CopyTrees.shipped().threshold("copy"));
    }

    private CopyCalibration(double whole, double part, double partSlope, double similar, double partsFloor, double slope,
            double gridFloor, boolean promotes) {
        this.promotes = promotes;
        this.whole = whole;
        this.part = part;
        this.partSlope = partSlope;
        this.similar = similar;
        this.partsFloor = partsFloor;
        this.slope = slope;
        this.gridFloor = gridFloor;
        this.learned = false;
        this.copy = Double.NaN;
    }

    /** A learned decision with this probability threshold. */
    private CopyCalibration(double copy) {
        this.whole = Double.NaN;
        this.part = Double.NaN;
        this.partSlope = Double.NaN;
        this.similar = SIMILAR;
        this.partsFloor = PARTS_FLOOR;
        this.slope = Double.NaN;
        this.gridFloor = -1;
        this.learned = true;
        this.copy = copy;
        this.promotes = false;
    }

    /** @return the calibration fitted on the invariance benchmark */
    public static CopyCalibration defaults() {
        return DEFAULTS;
    }

    /**
     * A calibration for when a wrong "copy" costs more than a missed one (deleting files): on the
     * invariance benchmark its pairs were 99 % copies, against 91 % for {@link #defaults()}, and
     * it found about two thirds as many of the copies (docs/QUALITY.md, "Copy detection"). Grey
     * grids must correlate more (whole 0.97, parts 0.99) at an embedding cosine of 0.9 or more;
     * the local-feature rules are those of the defaults.
     */
    public static CopyCalibration strict() {
        return STRICT;
    }

    /**
     * The learned decision (gradient-boosted trees, docs/QUALITY.md "The learned decision"): a copy
     * at the probability where 95 % of the benchmark's pairs were copies. Its
     * {@link Match#confidence()} is that probability. Not the default: on planted copies outside
     * the benchmark it found fewer than {@link #defaults()}; fit its threshold to your own pairs
     * ({@link #fromLabelled(double[], double[], double)}, {@code imgsim calibrate}).
     */
    public static CopyCalibration learned() {
        return Learned.DEFAULT;
    }

    /**
     * A calibration for your own collection: the copy thresholds are raised (never lowered) so
     * that at most {@code falsePositiveRate} of the given non-copy pairs would be called copies.
     *
     * @param backgroundScores {@link Match#verification()} of pairs known or assumed not to be
     *        copies (random pairs of a collection are, almost always)
     * @param falsePositiveRate e.g. 0.001
     * @throws IllegalArgumentException if there are fewer than 100 scores or the rate is not in (0, 1)
     */
    public static CopyCalibration fromBackground(double[] backgroundScores, double falsePositiveRate) {
        if (backgroundScores == null || backgroundScores.length < 100) {
            throw new IllegalArgumentException("need at least 100 background scores, got "
                    + (backgroundScores == null ? 0 : backgroundScores.length));
        }
        if (!(falsePositiveRate > 0 && falsePositiveRate < 1)) {
            throw new IllegalArgumentException("falsePositiveRate must be in (0, 1): " + falsePositiveRate);
        }
        double[] s = backgroundScores.clone();
        Arrays.sort(s);
        int i = (int) Math.min(s.length - 1, Math.ceil(s.length * (1 - falsePositiveRate)));
        double q = Math.nextUp(s[i]);
        double raise = Math.max(0, q - DEFAULTS.whole);
        return new CopyCalibration(DEFAULTS.whole + raise, DEFAULTS.part + raise, DEFAULTS.partSlope, DEFAULTS.similar,
                DEFAULTS.partsFloor, DEFAULTS.slope, DEFAULTS.gridFloor, false);
    }

    /**
     * A learned decision fitted to pairs you labelled (e.g. from your own collection, a few dozen
     * of each kind): the lowest labelled copy's confidence at which at least {@code precision} of the
     * labelled pairs at or above it are copies ({@code imgsim calibrate}); when none is, a threshold
     * above every pair labelled not a copy (and not below the default's). Unlike
     * {@link #fromBackground(double[], double)} it may lower the threshold below the default when
     * your pairs allow it.
     *
     * @param copies {@link Match#confidence()} under {@link #learned()} of pairs that are copies
     * @param notCopies the same of pairs that are not (look-alikes matter most)
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
            best = Math.max(best, learned().copy);
        }
        return withThreshold(Math.min(1, best));
    }

    /**
     * The learned decision with a copy threshold of your choosing (e.g. what {@code imgsim
     * calibrate} printed): a pair is a copy when its {@link Match#confidence()} reaches it.
     *
     * @throws IllegalArgumentException if the threshold is not in [0, 1]
     */
    public static CopyCalibration withThreshold(double probability) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("a copy threshold is a probability in [0, 1]: " + probability);
        }
        return new CopyCalibration(probability);
    }

    /**
     * Decides whether {@code b} is a copy of {@code a} under this calibration (what
     * {@link ImageSimilarity#verify(CopyFeatures, CopyFeatures)} does with {@link #defaults()}):
     * the grey grids compared whole and for parts, the local features matched, whatever the
     * embeddings' similarity (a learned decision: as {@link #verifyAllScreened}, on which its
     * trees were fitted).
     */
    public Match verify(CopyFeatures a, CopyFeatures b) {
        return Match.verify(a, b, this, true, false);
    }

    /**
     * Like {@link #verify(CopyFeatures, CopyFeatures)}; {@code searchParts} false compares whole
     * pictures only (microseconds instead of milliseconds: crops, padding and screenshots are
     * then not found). For bulk work that searches parts only for the most likely pairs.
     */
    public Match verify(CopyFeatures a, CopyFeatures b, boolean searchParts) {
        return Match.verify(a, b, this, searchParts, false);
    }

    /**
     * Decides, for each of {@code bs}, whether it is a copy of {@code a}: the same matches as
     * {@code verify(a, bs.get(i), i < searchPartsOfFirst)} one by one, in order, in one call to
     * the native core that derives a's grids (its eight turns and mirrors, their gradients and
     * part-search pyramids) once. For millions of pairs see {@link #verifyAllScreened}.
     *
     * @param searchPartsOfFirst how many of the first of {@code bs} are also searched for parts
     *        (0: whole pictures only; {@code bs.size()} or more: all)
     * @throws IllegalArgumentException features of different models, or a negative count
     */
    public List<Match> verifyAll(CopyFeatures a, List<CopyFeatures> bs, int searchPartsOfFirst) {
        return Match.verifyAll(a, bs, this, searchPartsOfFirst, false, false);
    }

    /**
     * Like {@link #verifyAll}, screened for bulk work (an index's {@code duplicates()}): a pair whose
     * embeddings are less than 0.6 similar is compared as whole grey grids only (no local features,
     * no part search), and parts are searched only where the whole pictures are not a copy. It
     * misses copies an edit pulls below 0.6 (a third of a picture, a watermark all over it;
     * {@code docs/QUALITY.md}, "Screened and thorough verification").
     *
     * @param searchPartsOfFirst how many of the first of {@code bs} may be searched for parts
     * @throws IllegalArgumentException features of different models, or a negative count
     */
    public List<Match> verifyAllScreened(CopyFeatures a, List<CopyFeatures> bs, int searchPartsOfFirst) {
        return Match.verifyAll(a, bs, this, searchPartsOfFirst, false, true);
    }

    /**
     * Decides, for each of {@code originals}, whether {@code copy} is a copy of it: the same
     * matches as {@code verify(originals.get(i), copy, i < searchPartsOfFirst)}, in one call to
     * the native core that derives the copy's grids once. What a copy search does with its
     * candidates (the query is the possible copy of each stored image).
     *
     * @param searchPartsOfFirst how many of the first of {@code originals} are also searched for parts
     * @throws IllegalArgumentException features of different models, or a negative count
     */
    public List<Match> verifyAgainst(List<CopyFeatures> originals, CopyFeatures copy, int searchPartsOfFirst) {
        return Match.verifyAll(copy, originals, this, searchPartsOfFirst, true, false);
    }

    /**
     * A copy search's matches with the evidence of the search itself: under the rules, a copy whose
     * verification ({@link Match#verification()}) stands out from every other candidate's among
     * the first {@code context} gets that as a further, independent piece of evidence; its
     * confidence becomes 1 - (1 - p)(1 - q), q = 1 / (1 + exp(-(-1 + 40 m))) for the margin m
     * over the best other candidate (q = 0.5 at m = 0.025, 0.95 at 0.1). A look-alike of a
     * family (icons of one theme, patterns, dialogs in two states) stands out from nothing, a copy
     * of a picture the collection holds once does: the score normalisation copy-detection
     * systems add around a descriptor, against the query's own neighbours
     * ({@code docs/QUALITY.md}, "A copy that stands out"). A near miss (a pair the rules do not
     * call a copy, of confidence 0.3 or more) that stands out so that the combined confidence
     * reaches 0.9 becomes an {@link Band#EDITED_COPY} of this search, with the transform and
     * alignment its stronger evidence describes and a confidence of at most 0.98 (the share of
     * copies among the near misses the benchmark promoted; {@link #defaults()} only: {@link #strict()}
     * and {@link #fromBackground} keep their stricter thresholds). So does a near miss whose local
     * inliers ({@link #STAND_OUT_INLIERS} or more, at any embedding similarity) stand
     * out from the most any other of the first {@code context} candidates has, by a fitted logistic
     * of both counts (a copy turned by a few degrees, in perspective or under a caption, which the
     * grids cannot align; {@code docs/QUALITY.md}, "Points that stand out"). No other band
     * changes. A learned decision, and a
     * search with fewer than 5 other candidates among the first {@code context}, are returned as
     * they are.
     *
     * @param matches one query's verified candidates, most similar first (as {@link #verifyAgainst} returns them)
     * @param context how many of the first candidates the margin is measured against
     * @return the matches in the same order, copies' confidences raised and near misses made copies where they stand out
     */
    public List<Match> withSearchContext(List<Match> matches, int context) {
        return SearchContext.apply(this, matches, context);
    }

    /**
     * One pair's decision with the evidence of its neighbourhood, as {@link #withSearchContext}
     * weighs a search's candidates: {@code otherBest} is the best verification of the other
     * candidates it is measured against (for a pair of a collection, e.g. {@code dupes}: any other
     * candidate pair of either image). A copy that stands out gains confidence, a near miss of
     * confidence {@link #STAND_OUT_FLOOR} or more that stands out enough is a copy; a learned
     * decision, or a non-finite {@code otherBest} (no context), returns {@code match} as it is.
     */
    public Match withContext(Match match, double otherBest) {
        return withContext(match, otherBest, -1);
    }

    /**
     * {@link #withContext(Match, double)} with the local features' evidence as well:
     * {@code otherInliers} is the most local inliers ({@link Match#inliers()}) of the other
     * candidates it is measured against (negative: unknown). A near miss whose own inliers
     * ({@link #STAND_OUT_INLIERS} or more) stand out from theirs enough is a copy of the search
     * ({@link #defaults()} only; {@code docs/QUALITY.md}, "Points that stand out"); a copy's
     * confidence is raised by the verification margin alone.
     *
     * @param match one verified pair (from {@link #verifyAgainst} or {@link ImageSimilarity#compare})
     * @param otherBest the best verification ({@link Match#verification()}) of the other candidates; not finite: no context
     * @param otherInliers the most local inliers of the other candidates; negative: unknown
     * @return {@code match} with the context weighed in: a copy's confidence raised, a near miss made a copy, or as it was
     */
    public Match withContext(Match match, double otherBest, int otherInliers) {
        return SearchContext.weigh(this, match, otherBest, otherInliers);
    }

    /**
     * One pair of a collection (e.g. {@code dupes}, where every image's candidates are verified)
     * with the evidence of the other candidate pairs: {@code otherBest} is the best verification
     * ({@link Match#verification()}) of any other candidate pair of either image. Stricter than
     * {@link #withContext}, since two look-alikes that are each other's only sibling in a
     * collection stand out from everything else as a copy does: a near miss of confidence
     * {@link #COLLECTION_STAND_OUT_FLOOR} or more, its pictures aligned as a part of at most 90 %
     * of the area (one inside the other: a crop, a caption, a canvas; look-alikes of a family
     * align as whole pictures), whose confidence combined with the margin's (as {@link #withSearchContext} weighs it) reaches 0.95 is an {@link Band#EDITED_COPY},
     * confidence at most 0.98; the local inliers do not count. A copy, a learned decision,
     * {@link #strict()} and {@link #fromBackground} thresholds, and a non-finite {@code otherBest}
     * return {@code match} as it is.
     *
     * @param match one verified pair
     * @param otherBest the best verification of the other candidate pairs of either image; not finite: no context
     * @return {@code match}, or the copy it becomes
     */
    public Match withCollectionContext(Match match, double otherBest) {
        return SearchContext.weighInCollection(this, match, otherBest);
    }

    /** Whether a near miss that stands out can be a copy of a search (the defaults only). */
    boolean promotes() {
        return promotes;
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

    /** @return whether this is a learned decision ({@link #learned()}, {@link #withThreshold(double)}) */
    public boolean isLearned() {
        return learned;
    }

    /** @return the probability ({@link Match#confidence()}) at or above which a pair is a copy; NaN for the rules */
    public double copyThreshold() {
        return copy;
    }

    /** @return the grid score at or above which two whole pictures are copies (NaN for a learned decision) */
    public double wholeThreshold() {
        return learned ? Double.NaN : whole;
    }

    /** @return the grid score at or above which a part covering {@code area} of the other picture is a copy (NaN for a learned decision) */
    public double partThreshold(double area) {
        return learned ? Double.NaN : part + partSlope * Math.log(1 / Math.max(area, 0.01));
    }

    /** @return the embedding cosine at or above which a pair that is not a copy is {@link Band#SIMILAR} */
    public double similarThreshold() {
        return similar;
    }

    double partsFloor() {
        return partsFloor;
    }

    double localFloor() {
        return LOCAL_FLOOR;
    }

    /** The decision on a verdict; {@code parts}: whether the part search ran for it. */
    Match decide(double similarity, float[] v, boolean parts) {
        Match m = learned ? decideLearned(similarity, v, parts) : decideRules(similarity, v);
        double hue = v.length > Native.VERDICT_HUE_MISMATCH ? v[Native.VERDICT_HUE_MISMATCH] : -1;
        if (hue >= HUE_MISMATCH_VETO && (m.isCopy() || m.confidence() > HUE_VETO_CONFIDENCE)) {
            // the same drawing in other colours: a look-alike whatever the grey evidence says (a
            // copy or a near miss alike)
            Band band = m.isCopy() ? Band.SIMILAR : m.band();
            return new Match(similarity, m.verification(), Math.min(m.confidence(), HUE_VETO_CONFIDENCE), band,
                    Transform.NONE, m.alignment(), m.area(), m.inliers(), hue);
        }
        return m.withHueMismatch(hue);
    }

    /** Of a pair's whole-picture decision and its decision with the part search, the one that stands. */
    Match withParts(Match whole, Match part) {
        // the rules decide on the verdict with parts (its score is the better of the two alignments);
        // a learned decision keeps the more probable (as python/copy_decision.py scores a pair)
        return !learned || part.confidence() > whole.confidence() ? part : whole;
    }

    /** The rules' grid rule alone. */
    private static boolean gridsAlone(float[] v) {
        int alignment = (int) v[Native.VERDICT_ALIGNMENT];
        double score = v[Native.VERDICT_SCORE];
        if (alignment == 1) {
            return v[Native.VERDICT_ASPECT_MISMATCH] <= MAX_ASPECT_MISMATCH && score >= DEFAULTS.whole;
        }
        return alignment > 1 && score >= DEFAULTS.partThreshold(v[Native.VERDICT_AREA]);
    }

    private static boolean localCopy(double similarity, float[] v) {
        if (v.length <= Native.VERDICT_SCALE || similarity < LOCAL_FLOOR) {
            return false;
        }
        float n = v[Native.VERDICT_INLIERS];
        float support = v[Native.VERDICT_SUPPORT];
        return n >= LOCAL_INLIERS && support >= LOCAL_SUPPORT || n >= LOCAL_INLIERS_DENSE && support >= LOCAL_SUPPORT_DENSE;
    }

    private double ruleThreshold(double similarity, float[] v) {
        int alignment = (int) v[Native.VERDICT_ALIGNMENT];
        if (alignment == 0 || similarity < gridFloor) {
            return Double.POSITIVE_INFINITY;
        }
        if (alignment == 1) {
            return v[Native.VERDICT_ASPECT_MISMATCH] > MAX_ASPECT_MISMATCH ? Double.POSITIVE_INFINITY : whole;
        }
        return partThreshold(v[Native.VERDICT_AREA]);
    }

    /** An exact copy: whole pictures, not turned, grids and embeddings all but equal (both kinds of decision). */
    private static boolean exact(double similarity, float[] v) {
        return v[Native.VERDICT_ALIGNMENT] == 1 && v[Native.VERDICT_TRANSFORM] == 0 && v[Native.VERDICT_SCORE] >= 0.99
                && similarity >= 0.98;
    }

    /** The verdict's alignment code (0 none, 1 whole, 2 a in b, 3 b in a) as a {@link Match.Alignment}. */
    private static Match.Alignment alignment(float[] v) {
        return Match.Alignment.values()[Math.max(0, Math.min(3, (int) v[Native.VERDICT_ALIGNMENT]))];
    }

    /** The rules' decision on a verdict. */
    private Match decideRules(double similarity, float[] v) {
        double score = v[Native.VERDICT_SCORE];
        double t = ruleThreshold(similarity, v);
        int inliers = v.length > Native.VERDICT_INLIERS ? (int) v[Native.VERDICT_INLIERS] : 0;
        double conf = Double.isInfinite(t) ? 0
                : 1 / (1 + Math.exp(-(OFFSET + (score >= t ? slope : SLOPE_BELOW) * (score - t))));
        boolean local = localCopy(similarity, v);
        if (score < t && local) {
            return decideLocal(similarity, score, v, inliers);
        }
        if (score >= t && local) {
            // the grids and the local features both call it a copy: two pieces of evidence, combined
            // as independent (of the invariance benchmark's 3,476 such pairs, 3,474 were copies)
            conf = 1 - (1 - conf) * (1 - localConfidence(inliers));
        }
        if (score < t) {
            return nearMiss(similarity, score, conf, v, inliers);
        }
        Band band = exact(similarity, v) ? Band.EXACT_COPY : Band.EDITED_COPY;
        return new Match(similarity, score, conf, band, Transform.of((int) v[Native.VERDICT_TRANSFORM]), alignment(v),
                v[Native.VERDICT_AREA], inliers);
    }

    /**
     * A pair the rules do not call a copy: its confidence is the stronger of the two kinds of
     * evidence below their rule (the grids' margin {@code grids}, the local features' inliers); on
     * the benchmark's verified pairs that no rule calls a copy, the share of copies follows it
     * (docs/QUALITY.md, "Near misses"). It remembers the copy that evidence describes, should a
     * search find that it stands out ({@link #withSearchContext}).
     */
    private Match nearMiss(double similarity, double score, double grids, float[] v, int inliers) {
        Band band = similarity >= similar ? Band.SIMILAR : Band.DIFFERENT;
        double conf = similarity >= LOCAL_FLOOR && inliers > 0 ? Math.max(grids, localConfidence(inliers)) : grids;
        Match m = new Match(similarity, score, conf, band, Transform.NONE, alignment(v), v[Native.VERDICT_AREA], inliers);
        // whatever the embedding similarity: a watermark over a starry sky pulls the embeddings far
        // apart and leaves the stars' points (docs/QUALITY.md, "Screened and thorough verification")
        boolean points = inliers >= STAND_OUT_INLIERS && v.length > Native.VERDICT_SCALE;
        if (conf < STAND_OUT_FLOOR && !points) {
            return m; // too weak to become a copy in any context: no second Match per pair
        }
        Match asCopy = (conf > grids || grids < STAND_OUT_FLOOR) && points
                ? Match.ofLocalGeometry(similarity, score, conf, v, inliers)
                : new Match(similarity, score, conf, Band.EDITED_COPY, Transform.of((int) v[Native.VERDICT_TRANSFORM]),
                        alignment(v), v[Native.VERDICT_AREA], inliers);
        return m.withAsCopy(asCopy);
    }

    /** A copy found by the local features alone (turned by an odd angle, in perspective, captioned, pasted). */
    private static Match decideLocal(double similarity, double score, float[] v, int inliers) {
        return Match.ofLocalGeometry(similarity, score, localConfidence(inliers), v, inliers);
    }

    /** The confidence of a copy the local-feature rule calls with {@code inliers} agreeing matches. */
    private static double localConfidence(int inliers) {
        return 1 / (1 + Math.exp(-(LOCAL_OFFSET + LOCAL_SLOPE * (inliers - LOCAL_INLIERS))));
    }

    /** The learned decision on a verdict; {@code parts}: whether the part search ran for it. */
    private Match decideLearned(double similarity, float[] v, boolean parts) {
        double score = v[Native.VERDICT_SCORE];
        int alignment = (int) v[Native.VERDICT_ALIGNMENT];
        int inliers = v.length > Native.VERDICT_INLIERS ? (int) v[Native.VERDICT_INLIERS] : 0;
        boolean nothing = alignment == 0 && inliers < MIN_INLIERS_UNALIGNED || !Double.isFinite(similarity);
        double p = nothing ? 0 : CopyTrees.shipped().probability(CopyTrees.features(similarity, v, parts));
        if (p < copy) {
            // not a copy: similar when the embeddings are close or the evidence leans to a copy
            Band band = similarity >= similar || p >= UNSURE ? Band.SIMILAR : Band.DIFFERENT;
            return new Match(similarity, score, p, band, Transform.NONE, alignment(v), v[Native.VERDICT_AREA], inliers);
        }
        if (!gridsAlone(v) && inliers >= LOCAL_GEOMETRY && v.length > Native.VERDICT_SCALE) {
            return Match.ofLocalGeometry(similarity, score, p, v, inliers);
        }
        return new Match(similarity, score, p, exact(similarity, v) ? Band.EXACT_COPY : Band.EDITED_COPY,
                Transform.of((int) v[Native.VERDICT_TRANSFORM]), alignment(v), v[Native.VERDICT_AREA], inliers);
    }

    @Override
    public String toString() {
        if (learned) {
            return String.format(Locale.ROOT, "CopyCalibration[learned decision (%d trees): copy at probability >= %.4f, similar >= %.3f]",
                    CopyTrees.shipped().trees(), copy, similar);
        }
        return String.format(Locale.ROOT, "CopyCalibration[whole >= %.3f, part >= %.3f + %.3f ln(1/area), local >= %d inliers"
                + " with support >= %.2f or %d with %.2f, similar >= %.3f]", whole, part, partSlope, LOCAL_INLIERS, LOCAL_SUPPORT,
                LOCAL_INLIERS_DENSE, LOCAL_SUPPORT_DENSE, similar);
    }
}
