package dev.imgsim.internal;

/** Argument checks with the messages every builder uses. Not a public API. */
public final class Checks {
    private Checks() {}

    /**
     * @return {@code value}
     * @throws IllegalArgumentException naming {@code what} if {@code value < min}
     */
    public static int atLeast(int value, int min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
        return value;
    }

    /** {@link #atLeast(int, int, String)} for longs. */
    public static long atLeast(long value, long min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
        return value;
    }
}
