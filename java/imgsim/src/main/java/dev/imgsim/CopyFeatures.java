package dev.imgsim;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * What copy detection keeps of one image: its embedding, the embedding of the image turned by
 * 90 degrees (a turned copy's embedding is close to it), for a picture on a plain canvas (a
 * screenshot, a copy padded into a page with a title bar or a caption line) the embedding of the
 * picture inside it (that picture's copies are close to it), and a fingerprint of its content (a
 * 64x64 grey grid, a 16x16 chroma grid and up to 192 local features with binary descriptors:
 * 4,620 to 11,916 bytes, and 4,116 more for a picture on a canvas: the inner picture's box and its
 * own 64x64 grid, from which a picture and a screenshot of it are compared whole against whole,
 * and up to 7,302 more for the inner picture's own local features (version 5: a picture that takes
 * a small part of a screenshot keeps few of the screenshot's features);
 * 8 more where uniform borders were trimmed: where the grid's box lies in the image, so that the
 * grids are compared under the map the local features agree on (a copy turned by a few degrees or
 * seen in perspective); fingerprints without it are taken to fill their image;
 * fingerprints of earlier versions still verify: 4,108 to 11,404 bytes
 * without the chroma grid, from version 2, which gives no colour evidence; 4,102 bytes, grid only,
 * from version 1), from which {@link ImageSimilarity#verify(CopyFeatures, CopyFeatures)} decides whether
 * two images are copies without their files. Made by {@link ImageSimilarity#analyze(java.nio.file.Path)};
 * immutable; the arrays handed out are copies.
 */
public final class CopyFeatures {
    /** Smallest size in bytes of a {@link #fingerprint()} (a version-1 fingerprint: the grey grid only). */
    public static final int MIN_FINGERPRINT_BYTES = 4102;
    /**
     * Largest size in bytes of a {@link #fingerprint()} (the grid, the chroma grid, an inner picture's grid, the content
     * box, 192 local features and the inner picture's 192).
     */
    public static final int MAX_FINGERPRINT_BYTES = 4102 + 512 + 4116 + 8 + 2 * (6 + 192 * 38);

    private final float[] embedding;
    private final float[] turnedEmbedding;
    private final float[] innerEmbedding;
    private final byte[] fingerprint;

    /**
     * Features of an image with no inner picture.
     *
     * @param embedding the image's embedding
     * @param turnedEmbedding the embedding of the image turned 90 degrees counter-clockwise
     * @param fingerprint the bytes of {@link #fingerprint()}, as stored
     * @throws IllegalArgumentException if the embeddings differ in length or the fingerprint has the wrong size
     */
    public CopyFeatures(float[] embedding, float[] turnedEmbedding, byte[] fingerprint) {
        this(embedding, turnedEmbedding, null, fingerprint);
    }

    /**
     * @param embedding the image's embedding
     * @param turnedEmbedding the embedding of the image turned 90 degrees counter-clockwise
     * @param innerEmbedding the embedding of the picture inside the image ({@link #innerEmbedding()}), or null
     * @param fingerprint the bytes of {@link #fingerprint()}, as stored
     * @throws IllegalArgumentException if the embeddings differ in length or the fingerprint has the wrong size
     */
    public CopyFeatures(float[] embedding, float[] turnedEmbedding, float[] innerEmbedding, byte[] fingerprint) {
        Objects.requireNonNull(embedding, "embedding");
        Objects.requireNonNull(turnedEmbedding, "turnedEmbedding");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (embedding.length == 0 || embedding.length != turnedEmbedding.length) {
            throw new IllegalArgumentException("embeddings must have the same, non-zero length: " + embedding.length
                    + " vs " + turnedEmbedding.length);
        }
        if (innerEmbedding != null && innerEmbedding.length != embedding.length) {
            throw new IllegalArgumentException("the inner embedding has " + innerEmbedding.length + " values, the embedding "
                    + embedding.length);
        }
        if (fingerprint.length < MIN_FINGERPRINT_BYTES || fingerprint.length > MAX_FINGERPRINT_BYTES) {
            throw new IllegalArgumentException("a copy fingerprint has " + MIN_FINGERPRINT_BYTES + " to " + MAX_FINGERPRINT_BYTES
                    + " bytes, not " + fingerprint.length);
        }
        this.embedding = embedding.clone();
        this.turnedEmbedding = turnedEmbedding.clone();
        this.innerEmbedding = innerEmbedding == null ? null : innerEmbedding.clone();
        this.fingerprint = fingerprint.clone();
    }

    /** Embeddings the native analysis fills (src/jni/copies.rs): the image, its turn, its inner picture. */
    static final int VIEWS = 3;

    /** From the native analysis: {@code views} holds {@link #VIEWS} embeddings, the inner picture's NaN when there is none. */
    static CopyFeatures fromNative(float[] views, byte[] fingerprint) {
        int d = views.length / VIEWS;
        float[] inner = Float.isNaN(views[2 * d]) ? null : Arrays.copyOfRange(views, 2 * d, 3 * d);
        return new CopyFeatures(Arrays.copyOfRange(views, 0, d), Arrays.copyOfRange(views, d, 2 * d), inner, fingerprint);
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
     * The embedding of the picture inside the image, when the image is a picture on a plain
     * canvas: a screenshot of a photo or drawing on a page, a copy padded into a larger canvas with
     * a title bar or a line of text. Copy search looks for its neighbours too, so that the
     * picture's copies are found from the screenshot; the content verification decides.
     *
     * @return the inner picture's embedding, or empty when the image is not a picture on a canvas
     */
    public Optional<float[]> innerEmbedding() {
        return innerEmbedding == null ? Optional.empty() : Optional.of(innerEmbedding.clone());
    }

    /**
     * @return the content fingerprint ({@link #MIN_FINGERPRINT_BYTES} to {@link #MAX_FINGERPRINT_BYTES}
     *         bytes): store it to verify later
     */
    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    /**
     * The embedding similarity of two images as copy detection sees it: the best of image to
     * image, image to turned image (so a turned copy is not ranked down) and, where either image
     * has one, inner picture to image (so a screenshot or a padded copy is not ranked down).
     *
     * @return a cosine in [-1, 1]
     */
    public double similarity(CopyFeatures other) {
        double s = Math.max(ImageSimilarity.cosine(embedding, other.embedding),
                ImageSimilarity.cosine(embedding, other.turnedEmbedding));
        if (innerEmbedding != null) {
            s = Math.max(s, ImageSimilarity.cosine(innerEmbedding, other.embedding));
        }
        if (other.innerEmbedding != null) {
            s = Math.max(s, ImageSimilarity.cosine(embedding, other.innerEmbedding));
        }
        return s;
    }

    /**
     * The best cosine of an inner picture (either image's) to the other image; -1 when neither has
     * one. The verification compares inner pictures only where this passes the parts' floor.
     */
    double innerSimilarity(CopyFeatures other) {
        double s = -1;
        if (innerEmbedding != null) {
            s = ImageSimilarity.cosine(innerEmbedding, other.embedding);
        }
        if (other.innerEmbedding != null) {
            s = Math.max(s, ImageSimilarity.cosine(embedding, other.innerEmbedding));
        }
        return s;
    }

    float[] embeddingUnsafe() {
        return embedding;
    }

    byte[] fingerprintUnsafe() {
        return fingerprint;
    }
}
