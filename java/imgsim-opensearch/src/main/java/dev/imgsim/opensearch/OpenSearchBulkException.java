package dev.imgsim.opensearch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bulk load finished, but OpenSearch rejected some documents: {@link #failures()} names each one
 * (id and OpenSearch's reason), {@link #written()} counts those stored. Nothing is dropped
 * silently: every document of the load is either written (or already there) or listed here.
 */
public class OpenSearchBulkException extends OpenSearchIndexException {
    private static final long serialVersionUID = 1L;

    private final long written;
    private final Map<String, String> failures;

    /**
     * @param message what happened, naming the cluster and the index
     * @param written documents stored by the load
     * @param failures id to reason, for each rejected document, in load order
     */
    public OpenSearchBulkException(String message, long written, Map<String, String> failures) {
        super(message);
        this.written = written;
        this.failures = Collections.unmodifiableMap(new LinkedHashMap<>(failures));
    }

    /** @return the number of documents stored by the load */
    public long written() {
        return written;
    }

    /** @return id to OpenSearch's reason (type: reason), for each rejected document, in load order */
    public Map<String, String> failures() {
        return failures;
    }
}
