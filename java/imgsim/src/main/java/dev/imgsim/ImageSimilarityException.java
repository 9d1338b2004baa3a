package dev.imgsim;

/**
 * A model or runtime failure inside imgsim: the ONNX Runtime library could not be loaded, the
 * model could not be run, or native code failed unexpectedly. The message says what went wrong
 * and, where there is one, what to do about it. Subclasses narrow the cause; the root of all
 * imgsim exceptions is {@link ImgsimException}.
 *
 * <p>Misuse is reported with the usual JDK exceptions instead: {@link NullPointerException} for
 * null arguments, {@link IllegalArgumentException} for unusable arguments and
 * {@link IllegalStateException} for calls on a closed {@link ImageSimilarity}.
 */
public class ImageSimilarityException extends ImgsimException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, and what to do about it */
    public ImageSimilarityException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, and what to do about it
     * @param cause the underlying failure
     */
    public ImageSimilarityException(String message, Throwable cause) {
        super(message, cause);
    }
}
