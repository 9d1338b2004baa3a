package dev.imgsim;

/**
 * The root of every exception imgsim throws for a failure of its own, in every module: models
 * and images ({@link ImageSimilarityException} and its subclasses), indexes
 * ({@code dev.imgsim.index.ImageIndexException}), OpenSearch
 * ({@code dev.imgsim.opensearch.OpenSearchIndexException}). One {@code catch (ImgsimException e)}
 * covers them all. The message says what went wrong and, where there is one, what to do.
 *
 * <p>Misuse is reported with the usual JDK exceptions instead: {@link NullPointerException} for
 * null arguments, {@link IllegalArgumentException} for unusable arguments and
 * {@link IllegalStateException} for calls on a closed instance.
 */
public class ImgsimException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, and what to do about it */
    public ImgsimException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, and what to do about it
     * @param cause the underlying failure
     */
    public ImgsimException(String message, Throwable cause) {
        super(message, cause);
    }
}
