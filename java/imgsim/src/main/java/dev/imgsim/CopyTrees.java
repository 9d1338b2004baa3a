package dev.imgsim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.imgsim.internal.Native;

/**
 * The learned copy decision: gradient-boosted regression trees whose summed leaves are the
 * log-odds that a verified pair is a copy, read from the resource {@code copy-decision.txt}
 * that {@code python/copy_decision.py} writes (scikit-learn's HistGradientBoostingClassifier,
 * fitted on the invariance benchmark's verified pairs; docs/QUALITY.md). Immutable, thread-safe.
 */
final class CopyTrees {
    /** The features, in the order the trees index them: the cosine, the 14 {@code VERDICT_*} floats, parts searched. */
    static final int FEATURES = 16;
    static final String RESOURCE = "copy-decision.txt";

    private final int[] feature;
    private final double[] threshold;
    private final int[] left;
    private final int[] right;
    private final double[] value;
    private final int[] roots;
    private final double baseline;
    private final Map<String, Double> thresholds;

    private CopyTrees(int[] feature, double[] threshold, int[] left, int[] right, double[] value, int[] roots,
            double baseline, Map<String, Double> thresholds) {
        this.feature = feature;
        this.threshold = threshold;
        this.left = left;
        this.right = right;
        this.value = value;
        this.roots = roots;
        this.baseline = baseline;
        this.thresholds = Collections.unmodifiableMap(thresholds);
    }

    private static final class Holder {
        static final CopyTrees SHIPPED = loadShipped();
    }

    /** @return the trees shipped in the jar */
    static CopyTrees shipped() {
        return Holder.SHIPPED;
    }

    private static CopyTrees loadShipped() {
        try (InputStream in = CopyTrees.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the copy decision " + RESOURCE + " is missing from the imgsim jar");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the copy decision " + RESOURCE, e);
        }
    }

    /** Parses the format {@code python/copy_decision.py} writes; a malformed file is an IllegalArgumentException naming the line. */
    static CopyTrees parse(BufferedReader r) throws IOException {
        Map<String, Double> thresholds = new LinkedHashMap<>();
        double baseline = Double.NaN;
        int trees = -1;
        List<int[]> ints = new ArrayList<>(); // feature, left, right (tree-local)
        List<double[]> dbls = new ArrayList<>(); // threshold, value
        List<Integer> roots = new ArrayList<>();
        int remaining = 0;
        int lineNo = 0;
        String line;
        while ((line = r.readLine()) != null) {
            lineNo++;
            line = line.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] t = line.split("\\s+");
            try {
                if (remaining > 0) {
                    if (t.length != 5) {
                        throw new IllegalArgumentException("a node needs 5 fields");
                    }
                    int f = Integer.parseInt(t[0]);
                    if (f < -1 || f >= FEATURES) {
                        throw new IllegalArgumentException("feature " + f + " out of range");
                    }
                    ints.add(new int[] {f, Integer.parseInt(t[2]), Integer.parseInt(t[3])});
                    dbls.add(new double[] {Double.parseDouble(t[1]), Double.parseDouble(t[4])});
                    remaining--;
                } else if (t[0].equals("features")) {
                    if (t.length - 1 != FEATURES) {
                        throw new IllegalArgumentException((t.length - 1) + " features, expected " + FEATURES);
                    }
                } else if (t[0].equals("baseline")) {
                    baseline = Double.parseDouble(t[1]);
                } else if (t[0].equals("threshold")) {
                    thresholds.put(t[1], Double.parseDouble(t[2]));
                } else if (t[0].equals("trees")) {
                    trees = Integer.parseInt(t[1]);
                } else if (t[0].equals("tree")) {
                    roots.add(ints.size());
                    remaining = Integer.parseInt(t[1]);
                    if (remaining < 1) {
                        throw new IllegalArgumentException("a tree needs at least one node");
                    }
                } else {
                    throw new IllegalArgumentException("unknown entry " + t[0]);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(RESOURCE + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        if (remaining != 0 || trees != roots.size() || Double.isNaN(baseline)) {
            throw new IllegalArgumentException(RESOURCE + ": incomplete (" + roots.size() + " of " + trees + " trees)");
        }
        int n = ints.size();
        int[] feature = new int[n];
        int[] left = new int[n];
        int[] right = new int[n];
        double[] threshold = new double[n];
        double[] value = new double[n];
        int[] rootArr = new int[roots.size()];
        for (int k = 0; k < roots.size(); k++) {
            int start = roots.get(k);
            int end = k + 1 < roots.size() ? roots.get(k + 1) : n;
            rootArr[k] = start;
            for (int i = start; i < end; i++) {
                feature[i] = ints.get(i)[0];
                threshold[i] = dbls.get(i)[0];
                value[i] = dbls.get(i)[1];
                if (feature[i] >= 0) {
                    // children are tree-local and come after their parent: no cycles
                    int l = ints.get(i)[1];
                    int rr = ints.get(i)[2];
                    if (l <= i - start || rr <= i - start || start + l >= end || start + rr >= end) {
                        throw new IllegalArgumentException(RESOURCE + ": tree " + k + " node " + (i - start) + " has bad children");
                    }
                    left[i] = start + l;
                    right[i] = start + rr;
                }
            }
        }
        return new CopyTrees(feature, threshold, left, right, value, rootArr, baseline, thresholds);
    }

    /** @return the probability of a copy for the features (length {@link #FEATURES}) */
    double probability(double[] x) {
        if (x.length != FEATURES) {
            throw new IllegalArgumentException(x.length + " features, expected " + FEATURES);
        }
        double s = baseline;
        for (int root : roots) {
            int n = root;
            while (feature[n] >= 0) {
                n = x[feature[n]] <= threshold[n] ? left[n] : right[n];
            }
            s += value[n];
        }
        return 1 / (1 + Math.exp(-s));
    }

    /** @return the probability threshold fitted for {@code name} ("copy": pair precision 0.99, "strict": 0.999) */
    double threshold(String name) {
        Double t = thresholds.get(name);
        if (t == null) {
            throw new IllegalStateException(RESOURCE + " has no threshold '" + name + "' (has " + thresholds.keySet() + ")");
        }
        return t;
    }

    int trees() {
        return roots.length;
    }

    @Override
    public String toString() {
        return "CopyTrees[" + roots.length + " trees, " + feature.length + " nodes, thresholds " + thresholds + "]";
    }

    /**
     * The trees' features from a verdict, the same whichever picture is first (as
     * {@code python/copy_decision.py}'s {@code canonical}): a turn by 270 degrees one way is 90 the
     * other (mirrors are their own inverse), either picture inside the other is a part, the two
     * coverages go as (smaller, larger), the scale as |ln|.
     */
    static double[] features(double similarity, float[] verdict, boolean parts) {
        double[] x = new double[FEATURES];
        x[0] = similarity;
        for (int i = 0; i < Math.min(verdict.length, FEATURES - 2); i++) {
            x[1 + i] = verdict[i];
        }
        x[FEATURES - 1] = parts ? 1 : 0;
        for (int c : new int[] {1 + Native.VERDICT_TRANSFORM, 1 + Native.VERDICT_LOCAL_TRANSFORM}) {
            x[c] = x[c] == 3 ? 1 : x[c];
        }
        int al = 1 + Native.VERDICT_ALIGNMENT;
        x[al] = Math.min(x[al], 2);
        int in = 1 + Native.VERDICT_A_IN_B;
        int cov = 1 + Native.VERDICT_B_COVERED;
        double lo = Math.min(x[in], x[cov]);
        double hi = Math.max(x[in], x[cov]);
        x[in] = lo;
        x[cov] = hi;
        int sc = 1 + Native.VERDICT_SCALE;
        x[sc] = x[sc] > 0 ? Math.abs(Math.log(Math.max(x[sc], 1e-6))) : 0;
        return x;
    }
}
