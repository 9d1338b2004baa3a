package dev.imgsim;

import java.util.Objects;

/**
 * Vector math on embeddings, in one place for every imgsim module: cosine similarity, dot
 * product and L2 normalisation, all accumulated in double precision.
 *
 * <p><b>The one rule for vectors without a direction.</b> A vector that is all zeros, or that
 * holds a NaN or an infinity, has no direction: {@link #normalise} refuses it with an
 * {@link IllegalArgumentException} naming the problem (an index cannot store or search it), and
 * {@link #cosine} of an all-zero vector is 0 (nothing is similar to it) while a non-finite value
 * is refused like in {@code normalise}. Vectors of different or zero length are refused
 * everywhere. Thread-safe (no state).
 */
public final class Vectors {
    private Vectors() {}

    /**
     * @return the cosine similarity of {@code a} and {@code b}, in [-1, 1]; 0 when either is all
     *     zeros
     * @throws IllegalArgumentException if the lengths differ or are 0, or a value is not finite
     */
    public static double cosine(float[] a, float[] b) {
        checkPair(a, b);
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        checkFinite(a, na, "a");
        checkFinite(b, nb, "b");
        if (na == 0 || nb == 0) {
            return 0;
        }
        return clamp(dot / Math.sqrt(na * nb));
    }

    /**
     * @return the dot product of {@code a} and {@code b} in double precision (the cosine when both
     *     are unit vectors; see {@link #cosineOfUnit})
     * @throws IllegalArgumentException if the lengths differ or are 0
     */
    public static double dot(float[] a, float[] b) {
        checkPair(a, b);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /**
     * The cosine of two vectors already of unit length (as an index stores them): their dot
     * product, clamped to [-1, 1] against rounding.
     *
     * @throws IllegalArgumentException if the lengths differ or are 0
     */
    public static double cosineOfUnit(float[] a, float[] b) {
        return clamp(dot(a, b));
    }

    /**
     * @return a new array: {@code v} scaled to unit length
     * @throws IllegalArgumentException if {@code v} is empty, all zeros, or holds a non-finite
     *     value (it has no direction)
     */
    public static float[] normalise(float[] v) {
        Objects.requireNonNull(v, "vector");
        if (v.length == 0) {
            throw new IllegalArgumentException("vector is empty");
        }
        double n = 0;
        for (float x : v) {
            n += (double) x * x;
        }
        checkFinite(v, n, "vector");
        if (n == 0) {
            throw new IllegalArgumentException("vector is all zeros and has no direction");
        }
        double inv = 1 / Math.sqrt(n);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * inv);
        }
        return out;
    }

    /** The same as {@link #normalise}, after checking that {@code v} has {@code dimension} values. */
    public static float[] normalise(float[] v, int dimension) {
        Objects.requireNonNull(v, "vector");
        if (v.length != dimension) {
            throw new IllegalArgumentException("vector has " + v.length + " values, expected " + dimension);
        }
        return normalise(v);
    }

    private static void checkPair(float[] a, float[] b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("vectors must have the same, non-zero length: " + a.length + " vs " + b.length);
        }
    }

    /** {@code sumOfSquares} is finite exactly when every value is (the sum would be NaN or infinite). */
    private static void checkFinite(float[] v, double sumOfSquares, String what) {
        if (!Double.isFinite(sumOfSquares)) {
            for (float x : v) {
                if (!Float.isFinite(x)) {
                    throw new IllegalArgumentException(what + " has a non-finite value: " + x);
                }
            }
        }
    }

    private static double clamp(double c) {
        return Math.max(-1.0, Math.min(1.0, c));
    }
}
