package dev.imgsim.index;

import java.util.ArrayList;
import java.util.List;

import dev.imgsim.CopyFeatures;

/**
 * The grey thumbnails a copy search looks candidates up by ({@link Copies#THUMB}): read from a
 * copy fingerprint's 64 x 64 grids (src/copies.rs) and turned by quarters.
 */
final class CopyThumbnails {
    /** The fingerprint's layout (src/copies.rs): flags at byte 1, the SIDE x SIDE grey grid from byte 6. */
    private static final int FLAG_FLAT = 1;
    private static final int GRID_AT = 6;
    private static final int GRID = 64;
    /**
     * Versions 4 and 5 (src/copies.rs) hold an inner picture after the grey grid (which ends at
     * {@link CopyFeatures#MIN_FINGERPRINT_BYTES}) and the chroma grid (512 bytes, as
     * {@link CopyFeatures#MAX_FINGERPRINT_BYTES} counts them): its box (5 floats, 20 bytes), then
     * its own SIDE x SIDE grey grid (src/inner.rs).
     */
    private static final int VERSION_INNER = 4;
    private static final int VERSION_INNER_LOCAL = 5;
    private static final int CHROMA_BYTES = 512;
    private static final int INNER_BOX_BYTES = 20;
    private static final int INNER_GRID_AT = CopyFeatures.MIN_FINGERPRINT_BYTES + CHROMA_BYTES + INNER_BOX_BYTES;
    /** Side of the thumbnail: 256 values. */
    static final int THUMB_SIDE = 16;

    private CopyThumbnails() {}

    /**
     * The grey thumbnail of a copy fingerprint: its 64x64 grid of the content box (bytes 6 to 4,101,
     * every version) averaged to 16x16, at zero mean and unit length; null for a flat picture.
     */
    static float[] thumbnail(byte[] fingerprint) {
        if (fingerprint.length < CopyFeatures.MIN_FINGERPRINT_BYTES || (fingerprint[1] & FLAG_FLAT) != 0) {
            return null;
        }
        return thumbnailAt(fingerprint, GRID_AT);
    }

    /**
     * The same thumbnail of the fingerprint's inner picture (versions 4 and 5: a picture on a
     * canvas, a screenshot's picture), or null where it has none or it is flat.
     */
    static float[] innerThumbnail(byte[] fingerprint) {
        if (fingerprint.length < INNER_GRID_AT + GRID * GRID || (fingerprint[0] != VERSION_INNER && fingerprint[0] != VERSION_INNER_LOCAL)
                || (fingerprint[1] & FLAG_FLAT) != 0) {
            return null;
        }
        return thumbnailAt(fingerprint, INNER_GRID_AT);
    }

    private static float[] thumbnailAt(byte[] fingerprint, int at) {
        int cell = GRID / THUMB_SIDE;
        float[] t = new float[THUMB_SIDE * THUMB_SIDE];
        for (int i = 0; i < GRID * GRID; i++) {
            t[(i / GRID / cell) * THUMB_SIDE + (i % GRID) / cell] += (fingerprint[at + i] & 0xff) / (float) (cell * cell);
        }
        double mean = 0;
        for (float v : t) {
            mean += v;
        }
        mean /= t.length;
        double norm = 0;
        for (int i = 0; i < t.length; i++) {
            t[i] -= (float) mean;
            norm += t[i] * t[i];
        }
        norm = Math.sqrt(norm);
        if (norm < 1) {
            return null;
        }
        for (int i = 0; i < t.length; i++) {
            t[i] /= (float) norm;
        }
        return t;
    }

    /**
     * A {@link #thumbnail} as stored, then turned clockwise by each of {@code quarters} quarter
     * turns (its 16 x 16 grid turned).
     */
    static List<float[]> turns(float[] thumb, int... quarters) {
        List<float[]> out = new ArrayList<>(1 + quarters.length);
        out.add(thumb);
        for (int k : quarters) {
            float[] t = thumb;
            for (int q = 0; q < k; q++) {
                float[] turned = new float[t.length];
                for (int i = 0; i < turned.length; i++) {
                    turned[i] = t[(THUMB_SIDE - 1 - i % THUMB_SIDE) * THUMB_SIDE + i / THUMB_SIDE];
                }
                t = turned;
            }
            out.add(t);
        }
        return out;
    }
}
