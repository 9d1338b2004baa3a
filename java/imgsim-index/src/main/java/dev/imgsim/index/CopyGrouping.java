package dev.imgsim.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.apache.lucene.search.IndexSearcher;

import dev.imgsim.Band;
import dev.imgsim.CopyCalibration;
import dev.imgsim.Match;

/**
 * The second half of {@link Copies#groups}: a collection's verified candidate pairs weighed against
 * each other and joined into groups ({@code docs/DUPES.md}, "Session 21").
 *
 * <ol>
 * <li>A near miss aligned as a part that stands out from the other candidate pairs of both its
 * images is a copy ({@link CopyCalibration#withCollectionContext}): a cropped or captioned copy of a
 * picture the collection holds once.</li>
 * <li>A copy pair that does not stand out from the look-alikes of its images (the pairs of either
 * image that are not copies) by {@link #FAMILY_MARGIN} is not a copy here: two flags of one layout,
 * two clocks at other times verify as high as the rest of their family.</li>
 * <li>The copy pairs join groups most confident first, and two groups join only where at least as
 * many of the pairs verified between them are copies as are not: an image that is a copy of two
 * look-alikes (a grey copy of one of several recoloured icons, a page of a template) no longer
 * chains them, and a wrong early join does not block every later one, as refusing any group
 * holding a verified non-copy would.</li>
 * </ol>
 */
final class CopyGrouping {
    /** Near misses of at least this confidence are kept for the context (the others cannot stand out). */
    static final double MAY_STAND_OUT = CopyCalibration.COLLECTION_STAND_OUT_FLOOR;
    /**
     * A copy pair (not an exact copy) whose verification is less than this above the best of any
     * other candidate pair of either image that is not a copy (nor the same drawing in other
     * colours, nor joined to the other image by a copy pair) is not a copy of the collection: the
     * look-alikes of a family (flags of one layout, clocks at other times, puzzle pieces) verify
     * as high as each other. On three draws of the mixed content (session 21) the pairs reported
     * among distractors went 200 -> 170, the copies found stayed 387; at 10,000 images the other
     * files moved 732 -> 617, the planted copies 906 -> 901.
     */
    static final double FAMILY_MARGIN = 0.02;

    private CopyGrouping() {}

    /**
     * @param codes the candidate pairs, sorted, as (lower << 32 | higher << 1 | parts)
     * @param kept each pair's decision where it is a copy or a near miss of {@link #MAY_STAND_OUT} or more, else null
     * @param verification each pair's verification (-1 where there is none)
     * @param vetoed whether each pair is the same drawing in other colours ({@link CopyCalibration#HUE_MISMATCH_VETO})
     */
    static List<CopyGroup> groups(IndexSearcher s, CopyCalibration cal, long[] codes, Match[] kept, float[] verification,
            boolean[] vetoed) throws IOException {
        int n = codes.length;
        int maxDoc = s.getIndexReader().maxDoc();
        Pairs pairs = new Pairs(maxDoc, codes);
        boolean[] copy = new boolean[n];
        for (int i = 0; i < n; i++) {
            copy[i] = kept[i] != null && kept[i].isCopy();
        }
        // 1. near misses that stand out from both images' other candidates
        for (int i = 0; i < n; i++) {
            if (kept[i] == null || copy[i]) {
                continue;
            }
            int a = lower(codes[i]);
            int b = higher(codes[i]);
            if (pairs.count(a) <= CopyCalibration.MIN_CONTEXT || pairs.count(b) <= CopyCalibration.MIN_CONTEXT) {
                continue;
            }
            Match m = cal.withCollectionContext(kept[i], Math.max(pairs.bestOther(verification, a, i), pairs.bestOther(verification, b, i)));
            if (m.isCopy()) {
                kept[i] = m;
                copy[i] = true;
            }
        }
        // 2. a copy that does not stand out from its images' look-alikes is none here
        boolean[] exact = new boolean[n];
        for (int i = 0; i < n; i++) {
            exact[i] = copy[i] && kept[i].band() == Band.EXACT_COPY;
        }
        boolean[] family = family(pairs, copy, exact, vetoed, verification);
        for (int i = 0; i < n; i++) {
            copy[i] &= !family[i];
        }
        double[] confidence = new double[n];
        for (int i = 0; i < n; i++) {
            confidence[i] = copy[i] ? kept[i].confidence() : 0;
        }
        int[] group = join(pairs, copy, confidence);
        // the groups with the copy pairs inside each
        Map<Integer, List<Integer>> pairsOf = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int g = copy[i] ? group[lower(codes[i])] : -1;
            if (g >= 0 && g == group[higher(codes[i])]) {
                pairsOf.computeIfAbsent(g, x -> new ArrayList<>()).add(i);
            }
        }
        Map<Integer, String> ids = new HashMap<>();
        List<CopyGroup> out = new ArrayList<>();
        for (List<Integer> ps : pairsOf.values()) {
            List<CopyGroup.Pair> list = new ArrayList<>();
            TreeSet<String> names = new TreeSet<>();
            for (int i : ps) {
                String a = id(s, ids, lower(codes[i]));
                String b = id(s, ids, higher(codes[i]));
                names.add(a);
                names.add(b);
                list.add(new CopyGroup.Pair(a, b, kept[i]));
            }
            list.sort(Comparator.comparingDouble((CopyGroup.Pair p) -> -p.match().confidence())
                    .thenComparing(CopyGroup.Pair::first).thenComparing(CopyGroup.Pair::second));
            out.add(new CopyGroup(Collections.unmodifiableList(new ArrayList<>(names)), Collections.unmodifiableList(list)));
        }
        out.sort(Comparator.comparingDouble((CopyGroup g) -> -g.confidence()).thenComparing(g -> g.ids().get(0)));
        return Collections.unmodifiableList(out);
    }

    /**
     * The copy pairs (not {@code exact}) that do not stand out from their images' look-alikes by
     * {@link #FAMILY_MARGIN}, all measured against the same {@code copy} flags.
     */
    static boolean[] family(Pairs pairs, boolean[] copy, boolean[] exact, boolean[] vetoed, float[] verification) {
        long[] codes = pairs.codes;
        boolean[] family = new boolean[codes.length];
        for (int i = 0; i < codes.length; i++) {
            if (!copy[i] || exact[i]) {
                continue;
            }
            int a = lower(codes[i]);
            int b = higher(codes[i]);
            double lookAlikes = Math.max(pairs.bestLookAlike(copy, vetoed, verification, a, b, i),
                    pairs.bestLookAlike(copy, vetoed, verification, b, a, i));
            family[i] = verification[i] - lookAlikes < FAMILY_MARGIN;
        }
        return family;
    }

    /**
     * The groups of the copy pairs: most confident first, two groups join where at least as many
     * of the pairs verified between them are copies as are not.
     *
     * @param copy whether each pair of {@code pairs} is a copy
     * @param confidence each copy pair's confidence (the order it is joined in; ties by code)
     * @return each document's group (a document of it), -1 for a document in no group
     */
    static int[] join(Pairs pairs, boolean[] copy, double[] confidence) {
        long[] codes = pairs.codes;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < codes.length; i++) {
            if (copy[i]) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -confidence[i]).thenComparingLong(i -> codes[i]));
        int[] group = new int[pairs.start.length - 1];
        Arrays.fill(group, -1);
        Map<Integer, List<Integer>> members = new HashMap<>();
        for (int i : order) {
            int a = lower(codes[i]);
            int b = higher(codes[i]);
            if (group[a] >= 0 && group[a] == group[b]) {
                continue;
            }
            List<Integer> ma = group[a] >= 0 ? members.get(group[a]) : List.of(a);
            List<Integer> mb = group[b] >= 0 ? members.get(group[b]) : List.of(b);
            List<Integer> small = ma.size() <= mb.size() ? ma : mb;
            List<Integer> large = small == ma ? mb : ma;
            int largeGroup = group[large.get(0)];
            int largeDoc = large.get(0);
            int agree = 0;
            int disagree = 0;
            for (int x : small) {
                for (int k = pairs.start[x]; k < pairs.start[x + 1]; k++) {
                    int j = pairs.adj[k];
                    int y = lower(codes[j]) == x ? higher(codes[j]) : lower(codes[j]);
                    if (largeGroup >= 0 ? group[y] == largeGroup : y == largeDoc) {
                        if (copy[j]) {
                            agree++;
                        } else {
                            disagree++;
                        }
                    }
                }
            }
            if (agree < disagree) {
                continue;
            }
            int id = largeGroup >= 0 ? largeGroup : largeDoc;
            List<Integer> joined = new ArrayList<>(large);
            joined.addAll(small);
            for (int x : small) {
                members.remove(x);
            }
            for (int x : joined) {
                group[x] = id;
            }
            members.put(id, joined);
        }
        return group;
    }

    /** A collection's candidate pairs, and each document's (as indexes into the codes). */
    static final class Pairs {
        final long[] codes;
        final int[] start;
        final int[] adj;

        /** @param codes the candidate pairs, sorted, one per pair, as (lower << 32 | higher << 1 | parts) */
        Pairs(int maxDoc, long[] codes) {
            this.codes = codes;
            start = new int[maxDoc + 1];
            for (long c : codes) {
                start[lower(c) + 1]++;
                start[higher(c) + 1]++;
            }
            for (int d = 0; d < maxDoc; d++) {
                start[d + 1] += start[d];
            }
            adj = new int[2 * codes.length];
            int[] fill = Arrays.copyOf(start, maxDoc);
            for (int i = 0; i < codes.length; i++) {
                adj[fill[lower(codes[i])]++] = i;
                adj[fill[higher(codes[i])]++] = i;
            }
        }

        int count(int doc) {
            return start[doc + 1] - start[doc];
        }

        /**
         * The best verification of {@code doc}'s candidate pairs, other than pair {@code except},
         * that are look-alikes: not copies, not {@code vetoed}, and whose other image is not a
         * copy of {@code partner}.
         */
        double bestLookAlike(boolean[] copy, boolean[] vetoed, float[] verification, int doc, int partner, int except) {
            double best = -1;
            for (int k = start[doc]; k < start[doc + 1]; k++) {
                int j = adj[k];
                if (j == except || copy[j] || vetoed[j] || verification[j] <= best) {
                    continue;
                }
                int z = lower(codes[j]) == doc ? higher(codes[j]) : lower(codes[j]);
                int mate = find(Math.min(z, partner), Math.max(z, partner));
                if (mate < 0 || !copy[mate]) {
                    best = verification[j];
                }
            }
            return best;
        }

        /** The index of pair (lower, higher) in the codes, -1 if it is not a candidate pair. */
        int find(int lower, int higher) {
            long key = (long) lower << 31 | higher;
            int lo = 0;
            int hi = codes.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                long k = codes[mid] >>> 1;
                if (k < key) {
                    lo = mid + 1;
                } else if (k > key) {
                    hi = mid - 1;
                } else {
                    return mid;
                }
            }
            return -1;
        }

        /** The best verification of {@code doc}'s candidate pairs other than pair {@code except}. */
        double bestOther(float[] verification, int doc, int except) {
            double best = Double.NEGATIVE_INFINITY;
            for (int k = start[doc]; k < start[doc + 1]; k++) {
                if (adj[k] != except) {
                    best = Math.max(best, verification[adj[k]]);
                }
            }
            return best;
        }
    }

    /** The lower document of a candidate pair's code ({@code Copies.pairCode}: lower << 32 | higher << 1 | parts). */
    static int lower(long code) {
        return (int) (code >>> 32);
    }

    /** The higher document of a candidate pair's code. */
    static int higher(long code) {
        return (int) ((code >>> 1) & 0x7fffffffL);
    }

    private static String id(IndexSearcher s, Map<Integer, String> cache, int doc) throws IOException {
        String id = cache.get(doc);
        if (id == null) {
            id = s.storedFields().document(doc, java.util.Set.of(IndexSchema.ID)).get(IndexSchema.ID);
            cache.put(doc, id);
        }
        return id;
    }
}
