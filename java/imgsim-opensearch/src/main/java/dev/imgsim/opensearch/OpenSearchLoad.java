package dev.imgsim.opensearch;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

import com.fasterxml.jackson.databind.JsonNode;

import dev.imgsim.index.LoadListener;

/**
 * How an {@link OpenSearchImageIndex} talks to its cluster: its plain HTTP transport to one or
 * several nodes, and one bulk load, in batches of its bulk size: documents already
 * in the index with the same checksum are skipped (one mget per batch), rejected documents are
 * collected (id and reason) and reported together by {@link #finish}, after the rest were written.
 * What the cluster could not take for now (no node reachable, a document answered 429 or 503) is
 * sent again with backoff until {@code retryFor} has passed: documents are indexed by id, so a
 * request sent twice writes each document once. Entries are {@code {id, unit vector, fields, checksum}}.
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
    private final long retryNanos;
    private final java.util.function.LongConsumer retriesOut;
    private long retries;
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5000;

    OpenSearchLoad(OpenSearchClient client, String url, String name, int bulkSize, Duration retryFor, LoadListener listener,
            Runnable refresh, java.util.function.LongConsumer retriesOut) {
        this.client = client;
        this.url = url;
        this.name = name;
        this.bulkSize = bulkSize;
        this.retryNanos = retryFor.toNanos();
        this.listener = listener;
        this.refresh = refresh;
        this.retriesOut = retriesOut;
        this.batch = new ArrayList<>(bulkSize);
    }

    /** A request that may fail for now. */
    private interface Attempt<T> {
        T run() throws IOException;
    }

    private static boolean transientStatus(int status) {
        return status == 429 || status == 502 || status == 503 || status == 504;
    }

    /** Runs {@code a}, retrying with backoff while the cluster cannot answer; then as OpenSearchImageIndex.call. */
    private <T> T retrying(String what, Attempt<T> a) {
        long deadline = System.nanoTime() + retryNanos;
        long backoff = FIRST_BACKOFF_MS;
        while (true) {
            try {
                return a.run();
            } catch (IOException | OpenSearchException e) {
                boolean again = e instanceof IOException || transientStatus(((OpenSearchException) e).status());
                if (!again || System.nanoTime() + backoff * 1_000_000 > deadline) {
                    return OpenSearchImageIndex.call(url, name, what, () -> {
                        if (e instanceof IOException) {
                            throw (IOException) e;
                        }
                        throw (OpenSearchException) e;
                    });
                }
            }
            backoff = pause(backoff);
        }
    }

    private long pause(long backoff) {
        retries++;
        retriesOut.accept(retries);
        try {
            Thread.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenSearchIndexException("interrupted while waiting to retry a bulk load into '" + name + "'", null);
        }
        return Math.min(MAX_BACKOFF_MS, backoff * 2);
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
        List<Object[]> send = retrying("look up documents of", () -> changed(batch));
        skipped += batch.size() - send.size();
        long deadline = System.nanoTime() + retryNanos;
        long backoff = FIRST_BACKOFF_MS;
        while (!send.isEmpty()) {
            BulkRequest.Builder req = new BulkRequest.Builder().index(name);
            for (Object[] e : send) {
                Map<String, Object> doc = new HashMap<>();
                doc.put(OpenSearchImageIndex.VECTOR_FIELD, e[1]);
                doc.put(OpenSearchImageIndex.FIELDS, e[2]);
                doc.put(OpenSearchImageIndex.CHECKSUM, e[3]);
                req.operations(op -> op.index(i -> i.id((String) e[0]).document(doc)));
            }
            BulkRequest request = req.build();
            BulkResponse r = retrying("bulk-load into", () -> client.bulk(request));
            List<Object[]> again = new ArrayList<>();
            boolean late = System.nanoTime() + backoff * 1_000_000 > deadline;
            List<BulkResponseItem> items = r.items();
            for (int i = 0; i < items.size(); i++) {
                BulkResponseItem item = items.get(i);
                if (item.error() == null) {
                    written++;
                } else if (transientStatus(item.status()) && !late) {
                    again.add(send.get(i));
                } else {
                    failures.put(item.id(), item.error().type() + ": " + item.error().reason());
                }
            }
            send = again;
            if (!send.isEmpty()) {
                backoff = pause(backoff);
            }
        }
        batch.clear();
        if (listener != null) {
            listener.progress(processed, written, skipped);
        }
    }

    /** A plain HTTP transport to the comma-separated node URLs (the client fails over between them). */
    static OpenSearchTransport transport(String urls, Duration timeout) {
        List<HttpHost> hosts = new ArrayList<>();
        for (String one : urls.split(",")) {
            URI u;
            try {
                u = URI.create(one.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not a URL: " + one, e);
            }
            if (u.getHost() == null || u.getScheme() == null) {
                throw new IllegalArgumentException("not an http(s) URL with a host: " + one);
            }
            hosts.add(new HttpHost(u.getScheme(), u.getHost(), u.getPort() > 0 ? u.getPort() : 9200));
        }
        long ms = timeout.toMillis();
        return ApacheHttpClient5TransportBuilder.builder(hosts.toArray(new HttpHost[0]))
                .setMapper(new JacksonJsonpMapper())
                .setRequestConfigCallback(rc -> rc.setResponseTimeout(Timeout.ofMilliseconds(ms)))
                .build();
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
