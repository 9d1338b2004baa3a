package dev.imgsim.index;

import static org.junit.Assert.assertArrayEquals;

import java.util.Arrays;

import org.junit.Test;

/** How {@link CopyGrouping#join} joins a collection's copy pairs into groups, on pairs written by hand. */
public class CopyGroupingTest {
    /**
     * The codes of pairs {lower, higher, ...} as {@code Copies.groups} writes them, sorted into
     * {@code sorted}; returns where each pair landed.
     */
    private static int[] sort(long[] sorted, double[][] pairs) {
        long[] codes = new long[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            codes[i] = (long) pairs[i][0] << 32 | (long) pairs[i][1] << 1;
        }
        System.arraycopy(codes, 0, sorted, 0, codes.length);
        Arrays.sort(sorted);
        int[] at = new int[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            at[i] = Arrays.binarySearch(sorted, codes[i]);
        }
        return at;
    }

    /** Pairs {lower, higher, copy (1/0), confidence x 100}, as {@code Copies.groups} verifies them. */
    private static int[] groups(int docs, int[]... pairs) {
        long[] sorted = new long[pairs.length];
        int[] at = sort(sorted, Arrays.stream(pairs).map(p -> new double[] {p[0], p[1]}).toArray(double[][]::new));
        boolean[] copy = new boolean[pairs.length];
        double[] confidence = new double[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            copy[at[i]] = pairs[i][2] == 1;
            confidence[at[i]] = pairs[i][3] / 100.0;
        }
        int[] g = CopyGrouping.join(new CopyGrouping.Pairs(docs, sorted), copy, confidence);
        // each group named by its first document
        int[] named = new int[docs];
        for (int d = 0; d < docs; d++) {
            named[d] = -1;
            for (int e = 0; e < docs && g[d] >= 0; e++) {
                if (g[e] == g[d]) {
                    named[d] = e;
                    break;
                }
            }
        }
        return named;
    }

    @Test
    public void anImageThatIsACopyOfTwoLookAlikesDoesNotChainEveryOneOfThem() {
        // 0 a blue icon, 1 its grey copy; 2 and 3 the icon recoloured: the grey copy matches all,
        // the coloured ones match none of each other
        int[] g = groups(4, new int[] {0, 1, 1, 95}, new int[] {1, 2, 1, 90}, new int[] {1, 3, 1, 85},
                new int[] {0, 2, 0, 10}, new int[] {0, 3, 0, 5}, new int[] {2, 3, 0, 5});
        // 2 joins {0, 1} on one pair for and one against; 3 would have two against it
        assertArrayEquals(new int[] {0, 0, 0, -1}, g);
        // joined as connected pairs, all four would be one group
    }

    @Test
    public void aWrongEarlyJoinDoesNotBlockTheRightOne() {
        // 1 is a copy of page 0, verified more confidently against 2, another page of the template
        int[] g = groups(3, new int[] {1, 2, 1, 95}, new int[] {0, 1, 1, 90}, new int[] {0, 2, 0, 40});
        assertArrayEquals(new int[] {0, 0, 0}, g);
    }

    @Test
    public void pairsNeverVerifiedCountForNothingAndGroupsJoinOnlyWhereTheVerifiedPairsAgree() {
        // 0-1 and 1-2 copies, 0-2 never a candidate: one group
        assertArrayEquals(new int[] {0, 0, 0}, groups(3, new int[] {0, 1, 1, 95}, new int[] {1, 2, 1, 90}));
        // two groups of two, joined by one copy pair against two verified non-copies: apart
        int[] g = groups(4, new int[] {0, 1, 1, 99}, new int[] {2, 3, 1, 98}, new int[] {1, 2, 1, 90},
                new int[] {0, 2, 0, 20}, new int[] {1, 3, 0, 20});
        assertArrayEquals(new int[] {0, 0, 2, 2}, g);
        // with a second copy pair between them: together
        g = groups(4, new int[] {0, 1, 1, 99}, new int[] {2, 3, 1, 98}, new int[] {1, 2, 1, 90},
                new int[] {0, 2, 0, 20}, new int[] {1, 3, 1, 80});
        assertArrayEquals(new int[] {0, 0, 0, 0}, g);
        // no copy pair, no group
        assertArrayEquals(new int[] {-1, -1}, groups(2, new int[] {0, 1, 0, 50}));
    }

    /** Pairs {lower, higher, copy, verification, exact, vetoed} through {@link CopyGrouping#family}: which copies are a family's. */
    private static boolean[] family(int docs, double[]... pairs) {
        long[] sorted = new long[pairs.length];
        int[] at = sort(sorted, pairs);
        boolean[] copy = new boolean[pairs.length];
        boolean[] exact = new boolean[pairs.length];
        boolean[] vetoed = new boolean[pairs.length];
        float[] verification = new float[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            copy[at[i]] = pairs[i][2] == 1;
            verification[at[i]] = (float) pairs[i][3];
            exact[at[i]] = pairs[i][4] == 1;
            vetoed[at[i]] = pairs[i][5] == 1;
        }
        boolean[] f = CopyGrouping.family(new CopyGrouping.Pairs(docs, sorted), copy, exact, vetoed, verification);
        boolean[] inOrder = new boolean[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            inOrder[i] = f[at[i]];
        }
        return inOrder;
    }

    @Test
    public void aCopyThatDoesNotStandOutFromItsImagesLookAlikesIsNotOne() {
        // three flags of one layout: 0-1 verified a copy, barely above 1-2 and 0-2
        boolean[] f = family(3, new double[] {0, 1, 1, 0.96, 0, 0}, new double[] {0, 2, 0, 0.95, 0, 0},
                new double[] {1, 2, 0, 0.955, 0, 0});
        assertArrayEquals(new boolean[] {true, false, false}, f);
        // a copy well above its images' other candidates stands
        assertArrayEquals(new boolean[] {false, false}, family(3, new double[] {0, 1, 1, 0.99, 0, 0}, new double[] {0, 2, 0, 0.9, 0, 0}));
        // an exact copy always stands; the same drawing in other colours is no look-alike to measure against
        assertArrayEquals(new boolean[] {false, false}, family(3, new double[] {0, 1, 1, 1.0, 1, 0}, new double[] {0, 2, 0, 0.99, 0, 0}));
        assertArrayEquals(new boolean[] {false, false}, family(3, new double[] {0, 1, 1, 0.97, 0, 0}, new double[] {0, 2, 0, 0.99, 0, 1}));
        // nor is a copy's own copy: 0-1 and 0-2 copies, 1-2 (two edits of one picture) not verified a copy
        assertArrayEquals(new boolean[] {false, false, false}, family(3, new double[] {0, 1, 1, 0.97, 0, 0},
                new double[] {0, 2, 1, 0.98, 0, 0}, new double[] {1, 2, 0, 0.965, 0, 0}));
    }
}
