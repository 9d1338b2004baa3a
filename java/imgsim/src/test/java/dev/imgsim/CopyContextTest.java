package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.Test;

import dev.imgsim.internal.Native;

/**
 * The rules' confidence beyond a plain copy decision, on verdicts written by hand: near misses, and
 * a pair weighed against the other candidates of a search ({@link CopyCalibration#withSearchContext}).
 */
public class CopyContextTest {
    /** A verdict as {@link Native#verify} returns it: whole pictures aligned at {@code score}, local features as given. */
    private static float[] verdict(float score, int inliers, float support, float hue) {
        float[] v = new float[Native.VERDICT_LENGTH];
        v[Native.VERDICT_SCORE] = score;
        v[Native.VERDICT_WHOLE] = score;
        v[Native.VERDICT_ALIGNMENT] = 1;
        v[Native.VERDICT_AREA] = 1;
        v[Native.VERDICT_INLIERS] = inliers;
        v[Native.VERDICT_SUPPORT] = support;
        v[Native.VERDICT_SCALE] = 1;
        v[Native.VERDICT_HUE_MISMATCH] = hue;
        return v;
    }

    @Test
    public void aNearMissCarriesTheConfidenceOfItsStrongerEvidence() {
        CopyCalibration cal = CopyCalibration.defaults();
        // 100 inliers at support 0.3: below the local rule (120 at 0.5, 80 at 0.7); grids far apart
        Match near = cal.decide(0.8, verdict(0.5f, 100, 0.3f, -1), false);
        assertFalse(near.toString(), near.isCopy());
        assertEquals(Band.SIMILAR, near.band());
        assertEquals(near.toString(), 1 / (1 + Math.exp(-(2.2 + 0.05 * (100 - 120)))), near.confidence(), 1e-6);
        // grids just below the whole-picture threshold and no local evidence: the grids' margin
        Match grids = cal.decide(0.8, verdict(0.94f, 0, 0, -1), false);
        assertFalse(grids.isCopy());
        assertEquals(grids.toString(), 1 / (1 + Math.exp(-(1.46 + 40 * (0.94f - 0.95)))), grids.confidence(), 1e-6);
        // the stronger of the two
        assertEquals(near.confidence(), cal.decide(0.8, verdict(0.6f, 100, 0.3f, -1), false).confidence(), 1e-6);
        // below the embedding floor the local features' slots count for nothing in the pair's own decision
        assertTrue(cal.decide(0.5, verdict(0.5f, 100, 0.3f, -1), false).confidence() < 1e-3);
        // the same drawing in other colours stays a look-alike, near miss or not
        Match coloured = cal.decide(0.8, verdict(0.5f, 100, 0.3f, 0.6f), false);
        assertEquals(Band.SIMILAR, coloured.band());
        assertTrue(coloured.toString(), coloured.confidence() <= 0.1);
        Match vetoed = cal.decide(0.8, verdict(1f, 200, 0.9f, 0.6f), false);
        assertFalse(vetoed.toString(), vetoed.isCopy());
        assertTrue(vetoed.confidence() <= 0.1);
        // a copy is still a copy
        assertTrue(cal.decide(0.8, verdict(0.5f, 130, 0.6f, -1), false).isCopy());
    }

    @Test
    public void aCopyThatStandsOutFromTheOtherCandidatesGainsConfidenceAFamilyDoesNot() {
        CopyCalibration cal = CopyCalibration.defaults();
        Match copy = cal.decide(0.95, verdict(0.99f, 0, 0, -1), false);
        assertTrue(copy.toString(), copy.isCopy() && copy.confidence() < 0.95);
        List<Match> alone = new ArrayList<>(List.of(copy));
        for (int i = 0; i < 6; i++) {
            alone.add(cal.decide(0.7, verdict(0.5f + 0.01f * i, 0, 0, -1), false));
        }
        List<Match> out = cal.withSearchContext(alone, 20);
        assertEquals(alone.size(), out.size());
        assertTrue(out.get(0).toString(), out.get(0).confidence() > 0.99);
        assertEquals(copy.band(), out.get(0).band());
        assertEquals(copy.verification(), out.get(0).verification(), 0);
        for (int i = 1; i < out.size(); i++) {
            assertEquals("a look-alike keeps its confidence", alone.get(i).confidence(), out.get(i).confidence(), 0);
        }
        // a family: another candidate verifies almost as well (icons of one theme): nothing to gain
        List<Match> family = new ArrayList<>(alone);
        family.set(1, cal.decide(0.95, verdict(0.985f, 0, 0, -1), false));
        List<Match> f = cal.withSearchContext(family, 20);
        assertTrue(f.get(0).toString(), f.get(0).confidence() < 0.97);
        assertTrue(f.get(1).toString(), f.get(1).confidence() < 0.97);
        assertTrue(f.get(0).confidence() >= copy.confidence());
        // too few other candidates to stand out from, or the other candidates beyond the context: as they are
        assertEquals(copy.confidence(), cal.withSearchContext(alone.subList(0, 5), 20).get(0).confidence(), 0);
        assertEquals(copy.confidence(), cal.withSearchContext(alone, 3).get(0).confidence(), 0);
        // a learned decision has its own probability
        List<Match> learned = CopyCalibration.learned().withSearchContext(alone, 20);
        assertEquals(copy.confidence(), learned.get(0).confidence(), 0);
        assertThrows(IllegalArgumentException.class, () -> cal.withSearchContext(alone, 0));
        // one pair against the best of its other candidates, as a caller with its own context weighs it
        assertEquals(out.get(0).confidence(), cal.withContext(copy, 0.55).confidence(), 1e-12);
        assertEquals(copy.confidence(), cal.withContext(copy, Double.NaN).confidence(), 0);
        assertEquals(copy.confidence(), CopyCalibration.learned().withContext(copy, 0.55).confidence(), 0);
    }

    @Test
    public void aNearMissThatStandsOutIsACopyOfTheSearchWithItsGeometry() {
        CopyCalibration cal = CopyCalibration.defaults();
        // grids just below the threshold (0.94 < 0.95), turned by a quarter: a near miss of confidence ~0.74
        float[] v = verdict(0.94f, 0, 0, -1);
        v[Native.VERDICT_TRANSFORM] = 1;
        Match near = cal.decide(0.9, v, false);
        assertFalse(near.toString(), near.isCopy());
        assertEquals(Transform.NONE, near.transform());
        List<Match> candidates = new ArrayList<>(List.of(near));
        for (int i = 0; i < 6; i++) {
            candidates.add(cal.decide(0.7, verdict(0.5f, 0, 0, -1), false));
        }
        Match promoted = cal.withSearchContext(candidates, 20).get(0);
        assertTrue(promoted.toString(), promoted.isCopy());
        assertEquals(Band.EDITED_COPY, promoted.band());
        assertEquals(Transform.TURN_90, promoted.transform());
        assertTrue(promoted.confidence() >= 0.9);
        // strict() keeps its thresholds: a near miss of its rules stays one
        float[] strictNear = verdict(0.96f, 0, 0, -1);
        List<Match> strictList = new ArrayList<>(candidates);
        strictList.set(0, CopyCalibration.strict().decide(0.95, strictNear, false));
        assertFalse(strictList.get(0).isCopy());
        assertFalse(CopyCalibration.strict().withSearchContext(strictList, 20).get(0).isCopy());
        // 100 local inliers at low support: the copy the local features describe
        float[] l = verdict(0.8f, 100, 0.3f, -1);
        l[Native.VERDICT_A_IN_B] = 1;
        l[Native.VERDICT_B_COVERED] = 0.5f;
        candidates.set(0, cal.decide(0.8, l, false));
        Match local = cal.withSearchContext(candidates, 20).get(0);
        assertTrue(local.toString(), local.isCopy());
        assertEquals(Match.Alignment.FIRST_INSIDE_SECOND, local.alignment());
        // a near miss among others as good stays a near miss; a weak one stays what it was
        candidates.set(1, cal.decide(0.9, verdict(0.935f, 0, 0, -1), false));
        candidates.set(0, near);
        assertFalse(cal.withSearchContext(candidates, 20).get(0).isCopy());
        List<Match> weak = new ArrayList<>(candidates);
        weak.set(0, cal.decide(0.9, verdict(0.88f, 0, 0, -1), false));
        weak.set(1, cal.decide(0.7, verdict(0.5f, 0, 0, -1), false));
        assertTrue(weak.get(0).confidence() < 0.3);
        assertFalse(cal.withSearchContext(weak, 20).get(0).isCopy());
    }
    @Test
    public void aNearMissWhoseLocalPointsStandOutIsACopyOfTheSearch() {
        CopyCalibration cal = CopyCalibration.defaults();
        // 40 inliers at support 0.25, mirrored, grids far apart (a copy turned by 10 degrees, in
        // perspective): a near miss of confidence ~0.14, too weak for the verification's margin alone
        float[] v = verdict(0.5f, 40, 0.25f, -1);
        v[Native.VERDICT_LOCAL_TRANSFORM] = 4;
        v[Native.VERDICT_A_IN_B] = 1;
        v[Native.VERDICT_B_COVERED] = 0.6f;
        Match near = cal.decide(0.8, v, false);
        assertFalse(near.toString(), near.isCopy());
        assertTrue(near.toString(), near.confidence() < CopyCalibration.STAND_OUT_FLOOR);
        List<Match> candidates = new ArrayList<>(List.of(near));
        for (int i = 0; i < 6; i++) {
            candidates.add(cal.decide(0.7, verdict(0.5f, 4, 0.1f, -1), false));
        }
        Match promoted = cal.withSearchContext(candidates, 20).get(0);
        assertTrue(promoted.toString(), promoted.isCopy());
        assertEquals(Band.EDITED_COPY, promoted.band());
        assertEquals("the geometry the local features describe", Transform.MIRROR, promoted.transform());
        assertEquals(Match.Alignment.FIRST_INSIDE_SECOND, promoted.alignment());
        assertEquals("trusted at most as far as the benchmark's promoted near misses", 0.98, promoted.confidence(), 1e-12);
        // the same pair weighed by a caller with its own context; without the inliers' context, a near miss
        assertTrue(cal.withContext(near, 0.5, 4).isCopy());
        assertFalse(cal.withContext(near, 0.5).isCopy());
        assertFalse(cal.withContext(near, 0.5, 30).isCopy());

        // another candidate with almost as many points (a family, pages of one template): no copy
        List<Match> family = new ArrayList<>(candidates);
        family.set(1, cal.decide(0.7, verdict(0.5f, 30, 0.2f, -1), false));
        assertFalse(cal.withSearchContext(family, 20).get(0).isCopy());
        // too few points to stand out, whatever the others have
        List<Match> few = new ArrayList<>(candidates);
        few.set(0, cal.decide(0.8, verdict(0.5f, CopyCalibration.STAND_OUT_INLIERS - 1, 0.2f, -1), false));
        for (int i = 1; i < few.size(); i++) {
            few.set(i, cal.decide(0.7, verdict(0.5f, 0, 0, -1), false));
        }
        assertFalse(cal.withSearchContext(few, 20).get(0).isCopy());
        // the same drawing in other colours: never a copy
        List<Match> coloured = new ArrayList<>(candidates);
        coloured.set(0, cal.decide(0.8, verdict(0.5f, 40, 0.25f, 0.6f), false));
        assertFalse(cal.withSearchContext(coloured, 20).get(0).isCopy());
        // an embedding far below the others' (a watermark all over a starry sky): its points still
        // stand out, and the points alone promote it
        List<Match> far = new ArrayList<>(candidates);
        far.set(0, cal.decide(0.3, v, false));
        assertTrue(far.get(0).confidence() < 1e-3);
        Match farPromoted = cal.withSearchContext(far, 20).get(0);
        assertTrue(farPromoted.toString(), farPromoted.isCopy());
        assertEquals(Transform.MIRROR, farPromoted.transform());
        // strict() keeps its thresholds
        List<Match> strict = new ArrayList<>(candidates);
        strict.set(0, CopyCalibration.strict().decide(0.8, v, false));
        assertFalse(CopyCalibration.strict().withSearchContext(strict, 20).get(0).isCopy());
        // a copy's confidence is raised by the verification's margin only, not by its points
        Match copy = cal.decide(0.95, verdict(0.99f, 40, 0.25f, -1), false);
        assertEquals(cal.withContext(copy, 0.5).confidence(), cal.withContext(copy, 0.5, 0).confidence(), 0);
    }

    @Test
    public void aNearMissAmongACollectionsPairsNeedsMoreEvidenceToStandOutThanInASearch() {
        CopyCalibration cal = CopyCalibration.defaults();
        // a crop of 60 % of the area, its grids just below the part threshold: a near miss of ~0.74
        float[] part = verdict(0.935f, 0, 0, -1);
        part[Native.VERDICT_ALIGNMENT] = 2;
        part[Native.VERDICT_AREA] = 0.6f;
        Match strong = cal.decide(0.9, part, false);
        assertFalse(strong.isCopy());
        assertTrue(strong.toString(), strong.confidence() > 0.6 && strong.confidence() < 0.8);
        Match promoted = cal.withCollectionContext(strong, 0.5);
        assertTrue(promoted.toString(), promoted.isCopy());
        assertEquals(Band.EDITED_COPY, promoted.band());
        assertEquals(Match.Alignment.FIRST_INSIDE_SECOND, promoted.alignment());
        assertTrue(promoted.confidence() <= 0.98);
        // another candidate pair of either image nearly as good: no copy
        assertFalse(cal.withCollectionContext(strong, 0.92).isCopy());
        // whole pictures as sure: copies standing out in a search, look-alikes of a family among a collection's pairs
        Match whole = cal.decide(0.9, verdict(0.94f, 0, 0, -1), false);
        assertTrue(whole.toString(), !whole.isCopy() && whole.confidence() > 0.6);
        assertTrue(cal.withContext(whole, 0.5).isCopy());
        assertFalse(cal.withCollectionContext(whole, 0.5).isCopy());
        // a weaker near miss (~0.47) stands out in a search, not among a collection's pairs
        float[] weakPart = part.clone();
        weakPart[Native.VERDICT_SCORE] = 0.905f;
        Match weak = cal.decide(0.9, weakPart, false);
        assertTrue(weak.toString(), weak.confidence() > 0.3 && weak.confidence() < 0.6);
        assertTrue(cal.withContext(weak, 0.5).isCopy());
        assertFalse(cal.withCollectionContext(weak, 0.5).isCopy());
        // a copy, no context and the strict rules: as they were
        Match copy = cal.decide(0.95, verdict(0.99f, 0, 0, -1), false);
        assertEquals(copy.confidence(), cal.withCollectionContext(copy, -1).confidence(), 0);
        assertFalse(cal.withCollectionContext(strong, Double.NEGATIVE_INFINITY).isCopy());
        assertFalse(cal.withCollectionContext(strong, Double.NaN).isCopy());
        Match strictNear = CopyCalibration.strict().decide(0.9, part, false);
        assertFalse(strictNear.isCopy());
        assertFalse(CopyCalibration.strict().withCollectionContext(strictNear, -1).isCopy());
    }
}
