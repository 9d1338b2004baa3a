package dev.imgsim.index;

import dev.imgsim.ImageSimilarityException;

/**
 * An {@link ImageIndex} cannot do what was asked: the directory is not an imgsim index, is
 * corrupt, cannot be written (read-only, full disk), or the index failed while writing. The
 * message names the directory and says what to do. Subclasses narrow the cause.
 */
public class ImageIndexException extends ImageSimilarityException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the index directory */
    public ImageIndexException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the index directory
     * @param cause the underlying failure
     */
    public ImageIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
