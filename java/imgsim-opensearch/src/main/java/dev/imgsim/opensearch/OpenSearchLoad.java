package dev.imgsim.opensearch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imgsim.index.LoadListener;

/**
 * One bulk load of an {@link OpenSearchImageIndex}, in batches of its bulk size: documents already
 * in the index with the same checksum are skipped (one mget per batch), rejected documents are
 * collected (id and reason) and reported together by {@link #finish}, after the rest were written.
 * Entries are {@code {id, unit vector, fields, checksum}}.
 */
final class OpenSearchLoad {
    private final OpenSearchClient client;
    private final String url;
    private final String name;
    private final int bulkSize;
    private final LoadListener listener;
    private final Runnable refresh;
    private final List<Object[]> batch;
    private final Map<String, String> failures = new LinkedHashMap<>();
    private long written;
    private long skipped;
    private long processed;

    OpenSearchLoad(OpenSearchClient client, String url, String name, int bulkSize, LoadListener listener, Runnable refresh) {
        this.client = client;
        this.url = url;
        this.name = name;
        this.bulkSize = bulkSize;
        this.listener = listener;
        this.refresh = refresh;
        this.batch = new ArrayList<>(bulkSize);
    }

    void add(Object[] e) {
        batch.add(e);
        if (batch.size() >= bulkSize) {
            flush();
        }
    }

    private void flush() {
        if (batch.isEmpty()) {
            return;
        }
        processed += batch.size();
        List<Object[]> send = changed(batch);
        skipped += batch.size() - send.size();
        if (!send.isEmpty()) {
            BulkRequest.Builder req = new BulkRequest.Builder().index(name);
            for (Object[] e : send) {
                Map<String, Object> doc = new HashMap<>();
                doc.put(OpenSearchImageIndex.VECTOR_FIELD, e[1]);
                doc.put(OpenSearchImageIndex.FIELDS, e[2]);
                doc.put(OpenSearchImageIndex.CHECKSUM, e[3]);
                req.operations(op -> op.index(i -> i.id((String) e[0]).document(doc)));
            }
            BulkResponse r = OpenSearchImageIndex.call(url, name, "bulk-load into", () -> client.bulk(req.build()));
            int failed = 0;
            if (r.errors()) {
                for (BulkResponseItem item : r.items()) {
                    if (item.error() != null) {
                        failures.put(item.id(), item.error().type() + ": " + item.error().reason());
                        failed++;
                    }
                }
            }
            written += send.size() - failed;
        }
        batch.clear();
        if (listener != null) {
            listener.progress(processed, written, skipped);
        }
    }

    private List<Object[]> changed(List<Object[]> docs) {
        List<String> ids = new ArrayList<>(docs.size());
        for (Object[] e : docs) {
            ids.add((String) e[0]);
        }
        org.opensearch.client.opensearch.core.MgetResponse<JsonNode> r = OpenSearchImageIndex.call(url, name, "look up documents of",
                () -> client.mget(m -> m.index(name).ids(ids).sourceIncludes(OpenSearchImageIndex.CHECKSUM), JsonNode.class));
        Map<String, String> stored = new HashMap<>();
        for (org.opensearch.client.opensearch.core.mget.MultiGetResponseItem<JsonNode> item : r.docs()) {
            if (item.isResult() && item.result().found() && item.result().source() != null) {
                stored.put(item.result().id(), item.result().source().path(OpenSearchImageIndex.CHECKSUM).asText());
            }
        }
        List<Object[]> send = new ArrayList<>();
        for (Object[] e : docs) {
            if (!e[3].equals(stored.get((String) e[0]))) {
                send.add(e);
            }
        }
        return send;
    }

    /** Sends the rest, refreshes if asked, returns written + skipped or names every rejected document. */
    long finish(boolean refresh) {
        flush();
        if (refresh) {
            this.refresh.run();
        }
        if (!failures.isEmpty()) {
            Map.Entry<String, String> first = failures.entrySet().iterator().next();
            throw new OpenSearchBulkException("OpenSearch at " + url + " rejected " + failures.size() + " document(s) of"
                    + " index '" + name + "' (" + written + " written), e.g. '" + first.getKey() + "': " + first.getValue()
                    + "; failures() lists each", written, failures);
        }
        return written + skipped;
    }
}
