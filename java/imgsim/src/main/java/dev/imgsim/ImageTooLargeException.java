package dev.imgsim;

/**
 * An image has more pixels than the instance's limit ({@link ImageSimilarity.Builder#maxPixels}).
 * For files the limit is checked against the size the file declares, before any pixel memory is
 * allocated, so a small file that declares a huge image is refused cheaply.
 */
public class ImageTooLargeException extends ImageSimilarityException {
    private static final long serialVersionUID = 1L;

    /** @param message the image's size and the limit */
    public ImageTooLargeException(String message) {
        super(message);
    }
}
