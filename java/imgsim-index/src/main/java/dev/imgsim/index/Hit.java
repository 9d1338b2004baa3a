package dev.imgsim.index;

import java.util.Map;
import java.util.Objects;

/** One search result: the id of an indexed image, its cosine similarity to the query, its fields. */
public final class Hit {
    private final String id;
    private final double similarity;
    private final Map<String, String> fields;

    Hit(String id, double similarity, Map<String, String> fields) {
        this.id = id;
        this.similarity = similarity;
        this.fields = fields;
    }

    /**
     * A hit from another engine answering the same question (e.g. imgsim-opensearch's k-NN search).
     *
     * @param id the image's id
     * @param similarity its cosine similarity to the query
     * @param fields its stored fields; copied, unmodifiable
     * @return the hit
     */
    public static Hit of(String id, double similarity, Map<String, String> fields) {
        return new Hit(Objects.requireNonNull(id, "id"), similarity,
                java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields)));
    }

    /** @return the id the image was added under (for {@link ImageIndex#addAll}: the file's path) */
    public String id() {
        return id;
    }

    /** @return the cosine similarity to the query, in [-1, 1], computed exactly from the stored vector */
    public double similarity() {
        return similarity;
    }

    /** @return the fields stored with the image (empty if none); unmodifiable */
    public Map<String, String> fields() {
        return fields;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Hit)) {
            return false;
        }
        Hit h = (Hit) o;
        return id.equals(h.id) && Double.compare(similarity, h.similarity) == 0 && fields.equals(h.fields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, similarity, fields);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "Hit[%s, %.4f]", id, similarity);
    }
}
