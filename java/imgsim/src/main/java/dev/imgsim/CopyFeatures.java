package dev.imgsim;

import java.util.Arrays;
import java.util.Objects;

/**
 * What copy detection keeps of one image: its embedding, the embedding of the image turned by
 * 90 degrees (a turned copy's embedding is close to it) and a fingerprint of its content (a
 * 64x64 grey grid, a 16x16 chroma grid and up to 192 local features with binary descriptors:
 * 4,620 to 11,916 bytes; fingerprints of earlier versions still verify: 4,108 to 11,404 bytes
 * without the chroma grid, from version 2, which gives no colour evidence; 4,102 bytes, grid only,
 * from version 1), from which {@link ImageSimilarity#verify(CopyFeatures, CopyFeatures)} decides whether
 * two images are copies without their files. Made by {@link ImageSimilarity#analyze(java.nio.file.Path)};
 * immutable; the arrays handed out are copies.
 */
public final class CopyFeatures {
    /** Smallest size in bytes of a {@link #fingerprint()} (a version-1 fingerprint: the grey grid only). */
    public static final int MIN_FINGERPRINT_BYTES = 4102;
    /** Largest size in bytes of a {@link #fingerprint()} (the grid, the chroma grid and 192 local features). */
    public static final int MAX_FINGERPRINT_BYTES = 4102 + 512 + 6 + 192 * 38;

    private final float[] embedding;
    private final float[] turnedEmbedding;
    private final byte[] fingerprint;

    /**
     * @param embedding the image's embedding
     * @param turnedEmbedding the embedding of the image turned 90 degrees counter-clockwise
     * @param fingerprint the bytes of {@link #fingerprint()}, as stored
     * @throws IllegalArgumentException if the embeddings differ in length or the fingerprint has the wrong size
     */
    public CopyFeatures(float[] embedding, float[] turnedEmbedding, byte[] fingerprint) {
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(turnedEmbedding, "turnedEmbedding");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (embedding.length == 0 || embedding.length != turnedEmbedding.length) {
            throw new IllegalArgumentException("embeddings must have the same, non-zero length: " + embedding.length
                    + " vs " + turnedEmbedding.length);
        }
        if (fingerprint.length < MIN_FINGERPRINT_BYTES || fingerprint.length > MAX_FINGERPRINT_BYTES) {
            throw new IllegalArgumentException("a copy fingerprint has " + MIN_FINGERPRINT_BYTES + " to " + MAX_FINGERPRINT_BYTES
                    + " bytes, not " + fingerprint.length);
        }
        this.embedding = embedding.clone();
        this.turnedEmbedding = turnedEmbedding.clone();
        this.fingerprint = fingerprint.clone();
    }

    static CopyFeatures fromNative(float[] both, byte[] fingerprint) {
        int d = both.length / 2;
        return new CopyFeatures(Arrays.copyOfRange(both, 0, d), Arrays.copyOfRange(both, d, both.length), fingerprint);
    }

    /** @return the image's embedding (what {@link ImageSimilarity#embed(java.nio.file.Path)} returns) */
    public float[] embedding() {
        return embedding.clone();
    }

    /** @return the embedding of the image turned 90 degrees counter-clockwise */
    public float[] turnedEmbedding() {
        return turnedEmbedding.clone();
    }

    /**
     * @return the content fingerprint ({@link #MIN_FINGERPRINT_BYTES} to {@link #MAX_FINGERPRINT_BYTES}
     *         bytes): store it to verify later
     */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    /**
     * The embedding similarity of two images as copy detection sees it: the better of image to
     * image and image to turned image, so a turned copy is not ranked down.
     *
     * @return a cosine in [-1, 1]
     */
    public double similarity(CopyFeatures other) {
        return Math.max(ImageSimilarity.cosine(embedding, other.embedding),
                ImageSimilarity.cosine(embedding, other.turnedEmbedding));
    }

    float[] embeddingUnsafe() {
        return embedding;
    }

    byte[] fingerprintUnsafe() {
        return fingerprint;
    }
}
