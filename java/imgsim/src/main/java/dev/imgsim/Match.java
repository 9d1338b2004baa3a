package dev.imgsim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import dev.imgsim.internal.Native;

/**
 * The decision on a pair of images: copy or not, how sure, in which {@link Band}, and how the
 * copy was found (its {@link Transform}, whole or as a part of the other picture). Made by
 * {@link ImageSimilarity#compare(java.nio.file.Path, java.nio.file.Path)},
 * {@link ImageSimilarity#verify(CopyFeatures, CopyFeatures)} and the index's copy searches.
 * Immutable.
 */
public final class Match {
    /**
     * A part covering this share of the other picture is the whole picture ({@link #stronger}), as
     * is a local match covering this share of both ({@link #ofLocalGeometry}).
     */
    private static final double WHOLE_AREA = 0.9;

    /** How the two pictures were aligned when verified. */
    public enum Alignment {
        /** Not aligned: one picture is blank (one colour) or the pair was not verified. */
        NONE,
        /** Picture to picture (possibly turned or mirrored). */
        WHOLE,
        /** The first picture lies inside the second: the second is the first padded, captioned or screenshotted. */
        FIRST_INSIDE_SECOND,
        /** The second picture lies inside the first: the second is a crop of the first. */
        SECOND_INSIDE_FIRST
    }

    private final double similarity;
    private final double verification;
    private final double confidence;
    private final Band band;
    private final Transform transform;
    private final Alignment alignment;
    private final double area;
    private final int inliers;
    private final double hueMismatch;
    /** Of a near miss: the copy its stronger evidence describes (geometry included), or null. */
    private final Match asCopy;

    Match(double similarity, double verification, double confidence, Band band, Transform transform, Alignment alignment,
            double area, int inliers) {
        this(similarity, verification, confidence, band, transform, alignment, area, inliers, -1);
    }

    Match(double similarity, double verification, double confidence, Band band, Transform transform, Alignment alignment,
            double area, int inliers, double hueMismatch) {
        this(similarity, verification, confidence, band, transform, alignment, area, inliers, hueMismatch, null);
    }

    private Match(double similarity, double verification, double confidence, Band band, Transform transform, Alignment alignment,
            double area, int inliers, double hueMismatch, Match asCopy) {
        this.asCopy = asCopy;
        this.similarity = similarity;
        this.verification = verification;
        this.confidence = confidence;
        this.band = Objects.requireNonNull(band);
        this.transform = Objects.requireNonNull(transform);
        this.alignment = Objects.requireNonNull(alignment);
        this.area = area;
        this.inliers = inliers;
        this.hueMismatch = hueMismatch;
    }

    /** This decision with another confidence (evidence from beyond the pair). */
    Match withConfidence(double c) {
        return new Match(similarity, verification, c, band, transform, alignment, area, inliers, hueMismatch, asCopy);
    }

    /** This near miss, remembering the copy its stronger evidence describes. */
    Match withAsCopy(Match copy) {
        return new Match(similarity, verification, confidence, band, transform, alignment, area, inliers, hueMismatch, copy);
    }

    /** @return of a near miss, the copy its stronger evidence describes (null for a copy or without evidence) */
    Match asCopy() {
        return asCopy;
    }

    /** This decision with the colour evidence measured for it. */
    Match withHueMismatch(double share) {
        return new Match(similarity, verification, confidence, band, transform, alignment, area, inliers, share,
                asCopy == null ? null : asCopy.withHueMismatch(share));
    }

    /**
     * Verifies b against a: the embedding similarity, then the fingerprints. {@code screened}
     * (bulk work, and every learned decision: its trees were fitted on such verdicts) matches local
     * features and searches parts only where the embeddings are at least {@link
     * CopyCalibration#localFloor()} similar, and searches parts in a second verdict without the
     * local features where the first is not a copy; otherwise (the rules' pairwise and search
     * verification: the verdicts the rules were fitted on) every pair's local features are matched
     * (a watermark, a caption or a few degrees' turn that pulls the embeddings apart is then still
     * set aside or aligned), its parts searched in a second verdict (without them: a part search
     * that the local features' map re-aligned as a whole picture would be held to the whole
     * picture's threshold), and the {@link #stronger} decision of the two stands.
     */
    static Match verify(CopyFeatures a, CopyFeatures b, CopyCalibration cal, boolean parts, boolean screened) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.embeddingUnsafe().length != b.embeddingUnsafe().length) {
            throw new IllegalArgumentException("features of different models: " + a.embeddingUnsafe().length + " vs "
                    + b.embeddingUnsafe().length + " values");
        }
        double sim = a.similarity(b);
        int inner = innerFlag(a, b, cal);
        boolean screen = screened(cal, screened);
        int local = !screen || sim >= cal.localFloor() ? Native.VERIFY_LOCAL : 0;
        float[] v = Native.verify(a.fingerprintUnsafe(), b.fingerprintUnsafe(), local | inner);
        Match whole = cal.decide(sim, v, false);
        if (!parts || screen && (whole.isCopy() || sim < cal.partsFloor())) {
            return whole;
        }
        // the part search alone: the local features' slots are the first call's (the blocks and the
        // colour are the second call's own: measured on its best alignment)
        float[] withParts = Native.verify(a.fingerprintUnsafe(), b.fingerprintUnsafe(), Native.VERIFY_PARTS | inner);
        localFrom(v, 0, withParts);
        Match part = cal.decide(sim, withParts, true);
        return screen ? cal.withParts(whole, part) : stronger(whole, part);
    }

    /**
     * Of a pair's whole-picture decision and its decision with the part search too, the stronger:
     * a copy over a look-alike, then the more confident, the whole picture on a tie. A copy found
     * whole and as a part covering at least {@link #WHOLE_AREA} of the other (an identical image is
     * a part of itself) stays the whole picture's, with the stronger confidence (an exact copy
     * stays one).
     */
    private static Match stronger(Match whole, Match part) {
        if (whole.isCopy() != part.isCopy()) {
            return part.isCopy() ? part : whole;
        }
        if (part.confidence() <= whole.confidence()) {
            return whole;
        }
        return whole.isCopy() && part.area() >= WHOLE_AREA ? whole.withConfidence(part.confidence()) : part;
    }

    /** A copy whose geometry the local features describe (turned by an odd angle, in perspective, captioned, pasted). */
    static Match ofLocalGeometry(double similarity, double score, double p, float[] v, int inliers) {
        double aInB = v[Native.VERDICT_A_IN_B];
        double bCovered = v[Native.VERDICT_B_COVERED];
        Alignment al;
        double area;
        if (aInB >= WHOLE_AREA && bCovered >= WHOLE_AREA) {
            al = Alignment.WHOLE;
            area = 1;
        } else if (bCovered >= aInB) {
            // b lies (mostly) inside a: a crop; area = the share of a it shows
            al = Alignment.SECOND_INSIDE_FIRST;
            area = aInB;
        } else {
            al = Alignment.FIRST_INSIDE_SECOND;
            area = bCovered;
        }
        return new Match(similarity, score, p, Band.EDITED_COPY, Transform.of((int) v[Native.VERDICT_LOCAL_TRANSFORM]), al,
                area, inliers);
    }

    /** Whether a verification under {@code cal} is screened: asked for, or a learned decision. */
    private static boolean screened(CopyCalibration cal, boolean screened) {
        return screened || cal.isLearned();
    }

    /**
     * {@link #verify} of a against each of bs (or, {@code reversed}, of each of bs against a: a is
     * then the second of every pair), the first {@code parts} with their parts searched, in one
     * native call: a pair whose parts may be searched gets both verdicts from it (the part
     * search {@link Native#VERIFY_ALSO_PARTS}), decided as {@link #verify} decides with two calls.
     */
    static List<Match> verifyAll(CopyFeatures a, List<CopyFeatures> bs, CopyCalibration cal, int parts, boolean reversed,
            boolean screened) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(bs, "bs");
        if (parts < 0) {
            throw new IllegalArgumentException("searchPartsOfFirst is negative: " + parts);
        }
        boolean screen = screened(cal, screened);
        int n = bs.size();
        double[] sims = new double[n];
        int[] flags = new int[n];
        int extra = 0;
        for (int i = 0; i < n; i++) {
            CopyFeatures b = Objects.requireNonNull(bs.get(i), "bs[" + i + "]");
            if (a.embeddingUnsafe().length != b.embeddingUnsafe().length) {
                throw new IllegalArgumentException("features of different models: " + a.embeddingUnsafe().length + " vs "
                        + b.embeddingUnsafe().length + " values (bs[" + i + "])");
            }
            sims[i] = reversed ? b.similarity(a) : a.similarity(b);
            flags[i] = (!screen || sims[i] >= cal.localFloor() ? Native.VERIFY_LOCAL : 0)
                    | (reversed ? Native.VERIFY_COMMON_SECOND : 0) | innerFlag(a, b, cal);
            if (i < parts && (!screen || sims[i] >= cal.partsFloor())) {
                flags[i] |= Native.VERIFY_ALSO_PARTS;
                extra++;
            }
        }
        float[] v = verifyMany(a, bs, flags, n + extra);
        Match[] out = new Match[n];
        for (int i = 0, at = 0; i < n; i++, at++) {
            out[i] = cal.decide(sims[i], verdict(v, at), false);
            if ((flags[i] & Native.VERIFY_ALSO_PARTS) != 0) {
                at++;
                if (!screen || !out[i].isCopy()) {
                    float[] withParts = verdict(v, at);
                    localFrom(v, (at - 1) * Native.VERDICT_LENGTH, withParts); // as in verify
                    Match part = cal.decide(sims[i], withParts, true);
                    out[i] = screen ? cal.withParts(out[i], part) : stronger(out[i], part);
                }
            }
        }
        return Collections.unmodifiableList(new ArrayList<>(Arrays.asList(out)));
    }

    /** {@link Native#VERIFY_INNER} when an inner picture's embedding is close enough to the other image's to compare it. */
    private static int innerFlag(CopyFeatures a, CopyFeatures b, CopyCalibration cal) {
        return a.innerSimilarity(b) >= cal.partsFloor() ? Native.VERIFY_INNER : 0;
    }

    /** The fingerprints of bs verified against a's in one native call: {@code verdicts} verdicts expected. */
    private static float[] verifyMany(CopyFeatures a, List<CopyFeatures> bs, int[] flags, int verdicts) {
        byte[][] all = new byte[bs.size()][];
        for (int j = 0; j < all.length; j++) {
            all[j] = bs.get(j).fingerprintUnsafe();
        }
        float[] v = Native.verifyMany(a.fingerprintUnsafe(), all, flags);
        if (v.length != verdicts * Native.VERDICT_LENGTH) {
            throw new IllegalStateException("native verification returned " + v.length + " floats for " + verdicts + " verdicts");
        }
        return v;
    }

    /** The part search's verdict takes the local features' slots from the verdict at {@code from} of the first call. */
    private static void localFrom(float[] first, int from, float[] withParts) {
        System.arraycopy(first, from + Native.VERDICT_INLIERS, withParts, Native.VERDICT_INLIERS,
                Native.VERDICT_SCALE + 1 - Native.VERDICT_INLIERS);
    }

    private static float[] verdict(float[] all, int i) {
        return Arrays.copyOfRange(all, i * Native.VERDICT_LENGTH, (i + 1) * Native.VERDICT_LENGTH);
    }

    /** @return the embeddings' cosine (the better of image-to-image and image-to-turned-image), in [-1, 1] */
    public double similarity() {
        return similarity;
    }

    /**
     * @return the content correlation of the best alignment of the grey grids, in [-1, 1] (-1 when
     *         none was possible): with {@link #inliers()}, the evidence behind {@link #isCopy()}
     */
    public double verification() {
        return verification;
    }

    /**
     * @return how many local features of the two pictures matched under one geometric map (a
     *         turn by any angle, scale, shift, mild perspective): 0 when not matched (fingerprints
     *         without local features; in screened bulk work, {@link CopyCalibration#verifyAllScreened},
     *         embeddings less than 0.6 similar); copies have tens to hundreds
     */
    public int inliers() {
        return inliers;
    }

    /**
     * @return of the cells coloured in both pictures once aligned, the share whose hues are more
     *         than 90 degrees apart, in [0, 1]; -1 when not measured (a picture without colour, a
     *         grayscale copy, no good alignment, or a fingerprint stored before it had a chroma grid). A
     *         pair aligned by its grey levels but at or above {@link CopyCalibration#HUE_MISMATCH_VETO}
     *         here is the same drawing in other colours (a blue and a green puzzle piece, two
     *         flags of one layout): never a copy, {@link Band#SIMILAR}
     */
    public double hueMismatch() {
        return hueMismatch;
    }

    /** @return whether the second image is a copy of the first ({@link Band#isCopy()}) */
    public boolean isCopy() {
        return band.isCopy();
    }

    /**
     * @return the estimated probability that the pair is a copy, in [0, 1], calibrated on the
     *         invariance benchmark: under the rules ({@link CopyCalibration#defaults()}) the share
     *         of copies the benchmark found at that verification margin ("Copy detection" in
     *         {@code docs/QUALITY.md}; where the local features also call it a copy, the two
     *         combined as independent evidence, 1 - (1 - p)(1 - q); for a pair it does not call a
     *         copy, a near miss, the stronger of the two below its rule: the grids' margin, or
     *         the local features' inliers where the embeddings are close enough to match them,
     *         at most 0.1 where the colours differ; "Near misses"; in a copy search
     *         ({@code ImageIndex.searchCopies}) raised where the pair stands out from the search's
     *         other candidates, {@link CopyCalibration#withSearchContext}); under {@link CopyCalibration#learned()} the trees'
     *         probability ("The learned decision"); 0 for unverified pairs
     */
    public double confidence() {
        return confidence;
    }

    public Band band() {
        return band;
    }

    /** @return how the second image is turned or mirrored relative to the first ({@link Transform#NONE} if not a copy) */
    public Transform transform() {
        return transform;
    }

    public Alignment alignment() {
        return alignment;
    }

    /** @return the share of the larger picture's area that the smaller covers (1 for whole pictures, 0 if not aligned) */
    public double area() {
        return area;
    }

    /** @return words for a person, e.g. "edited copy (turned 90°, a crop of 42 % of the area), confidence 0.990" */
    public String describe() {
        StringBuilder s = new StringBuilder(band.name().toLowerCase(Locale.ROOT).replace('_', ' '));
        if (band.isCopy()) {
            String how = "";
            if (transform != Transform.NONE) {
                how = transform.description();
            }
            if (alignment == Alignment.SECOND_INSIDE_FIRST || alignment == Alignment.FIRST_INSIDE_SECOND) {
                String part = String.format(Locale.ROOT, alignment == Alignment.SECOND_INSIDE_FIRST
                        ? "a crop of %.0f %% of the area" : "holds the first picture in %.0f %% of its area", 100 * area);
                how = how.isEmpty() ? part : how + ", " + part;
            }
            if (!how.isEmpty()) {
                s.append(" (").append(how).append(')');
            }
        } else if (hueMismatch >= CopyCalibration.HUE_MISMATCH_VETO) {
            s.append(" (the same shapes in other colours)");
        }
        return s.append(String.format(Locale.ROOT, ", confidence %.3f", confidence)).toString();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "Match[%s, similarity %.4f, verification %.4f, inliers %d, confidence %.3f, %s, %s, area %.2f, hue mismatch %.2f]",
                band, similarity, verification, inliers, confidence, transform, alignment, area, hueMismatch);
    }
}
