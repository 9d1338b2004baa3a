package dev.imgsim;

/**
 * What a pair of images is, as decided by {@link ImageSimilarity#compare(java.nio.file.Path, java.nio.file.Path)}
 * and the copy searches of {@code dev.imgsim.index.ImageIndex}. The precision each band was measured at is in
 * {@code docs/QUALITY.md} ("Copy detection").
 */
public enum Band {
    /** The same picture, pixel for pixel up to re-encoding or resizing, not turned, not cropped. */
    EXACT_COPY,
    /** A copy under edits: turned, mirrored, cropped, padded, captioned, recompressed, recoloured... */
    EDITED_COPY,
    /**
     * Not called a copy, but the embeddings are close: the same subject, style or scene (under
     * {@link CopyCalibration#learned()} also when the copy evidence is even, confidence >= 0.5).
     */
    SIMILAR,
    /** Neither. */
    DIFFERENT;

    /** @return whether this band says "copy" ({@link #EXACT_COPY} or {@link #EDITED_COPY}) */
    public boolean isCopy() {
        return this == EXACT_COPY || this == EDITED_COPY;
    }
}
