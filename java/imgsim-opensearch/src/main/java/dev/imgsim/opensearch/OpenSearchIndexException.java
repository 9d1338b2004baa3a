package dev.imgsim.opensearch;

import dev.imgsim.ImgsimException;

/**
 * OpenSearch could not be reached (the message names the URL), refused a request, or holds an
 * index that does not fit (another vector dimension, no k-NN field). Like every imgsim exception
 * it is an {@link ImgsimException}.
 */
public class OpenSearchIndexException extends ImgsimException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the cluster's URL and the index */
    public OpenSearchIndexException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the cluster's URL and the index
     * @param cause the underlying failure
     */
    public OpenSearchIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
