package dev.imgsim.elasticsearch;

import dev.imgsim.ImgsimException;

/**
 * Elasticsearch could not be reached (the message names the URL), refused a request, or holds an
 * index that does not fit (another vector dimension, no {@code dense_vector} field). Like every
 * imgsim exception it is an {@link ImgsimException}.
 */
public class ElasticsearchIndexException extends ImgsimException {
    private static final long serialVersionUID = 1L;

    /** @param message what went wrong, naming the cluster's URL and the index */
    public ElasticsearchIndexException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the cluster's URL and the index
     * @param cause the underlying failure
     */
    public ElasticsearchIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
