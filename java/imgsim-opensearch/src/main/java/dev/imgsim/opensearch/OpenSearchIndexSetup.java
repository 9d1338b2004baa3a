package dev.imgsim.opensearch;

import java.io.IOException;
import java.io.StringReader;

import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Index creation for {@link OpenSearchImageIndex}: the index is created with imgsim's mapping
 * when missing, and an existing one must map vectors of the model's dimension.
 */
final class OpenSearchIndexSetup {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenSearchIndexSetup() {}

    /**
     * Creates index {@code name} with {@link OpenSearchImageIndex#mapping} when it does not exist,
     * else checks that it holds vectors of {@code dimension}.
     */
    static void createOrCheck(OpenSearchClient client, String url, String name, int dimension, int m, int efConstruction,
            int shards, int replicas) {
        boolean exists = OpenSearchImageIndex.call(url, name, "look up", () -> client.indices().exists(e -> e.index(name)).value());
        if (!exists) {
            String body = OpenSearchImageIndex.mapping(dimension, m, efConstruction, shards, replicas);
            try (Response r = OpenSearchImageIndex.call(url, name, "create", () -> client.generic().execute(Requests.builder().method("PUT")
                    .endpoint("/" + name).json(body).build()))) {
                if (r.getStatus() >= 300 && !resourceExists(r)) {
                    throw new OpenSearchIndexException("OpenSearch at " + url + " refused to create index '" + name
                            + "' (HTTP " + r.getStatus() + "): " + bodyOf(r));
                }
            } catch (IOException e) {
                throw new OpenSearchIndexException("cannot reach OpenSearch at " + url + ": " + e, e);
            }
            return;
        }
        int mapped = mappedDimension(client, url, name);
        if (mapped != dimension) {
            throw new OpenSearchIndexException("the OpenSearch index '" + name + "' at " + url + " maps '" + OpenSearchImageIndex.VECTOR_FIELD
                    + "' as vectors of dimension " + mapped + " but the model gives " + dimension
                    + ": use another index name, or delete the index and load it again with this model");
        }
    }

    private static boolean resourceExists(Response r) {
        // another client created it between our check and our PUT: fine if the mapping matches
        return r.getStatus() == 400 && bodyOf(r).contains("resource_already_exists_exception");
    }

    private static int mappedDimension(OpenSearchClient client, String url, String name) {
        try (Response r = OpenSearchImageIndex.call(url, name, "read the mapping of", () -> client.generic().execute(Requests.builder().method("GET")
                .endpoint("/" + name + "/_mapping").build()))) {
            String body = bodyOf(r);
            if (r.getStatus() >= 300) {
                throw new OpenSearchIndexException("OpenSearch at " + url + " gave HTTP " + r.getStatus()
                        + " for the mapping of '" + name + "': " + body);
            }
            JsonNode field = JSON.readTree(new StringReader(body)).path(name).path("mappings").path("properties")
                    .path(OpenSearchImageIndex.VECTOR_FIELD);
            if (!"knn_vector".equals(field.path("type").asText()) || !field.has("dimension")) {
                throw new OpenSearchIndexException("the OpenSearch index '" + name + "' at " + url + " has no knn_vector field '"
                        + OpenSearchImageIndex.VECTOR_FIELD + "' (mapping: " + field + "); it was not made by imgsim: use another index name");
            }
            return field.path("dimension").asInt();
        } catch (IOException e) {
            throw new OpenSearchIndexException("cannot read the mapping of '" + name + "' at " + url + ": " + e, e);
        }
    }

    private static String bodyOf(Response r) {
        return r.getBody().map(Body::bodyAsString).orElse("");
    }
}
