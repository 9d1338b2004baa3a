package dev.imgsim.index;

import java.util.Map;
import java.util.Objects;

import dev.imgsim.Match;

/**
 * One result of {@link ImageIndex#searchCopies(java.nio.file.Path, int)}: an indexed image and the
 * decision on whether the query is a copy of it.
 */
public final class CopyHit {
    private final String id;
    private final Match match;
    private final Map<String, String> fields;

    CopyHit(String id, Match match, Map<String, String> fields) {
        this.id = Objects.requireNonNull(id);
        this.match = Objects.requireNonNull(match);
        this.fields = Objects.requireNonNull(fields);
    }

    public String id() {
        return id;
    }

    /**
     * @return the decision (band, confidence, transform: how the query is turned or mirrored
     *         relative to this image) and the embedding similarity
     */
    public Match match() {
        return match;
    }

    /** @return the stored fields (unmodifiable, empty if none) */
    public Map<String, String> fields() {
        return fields;
    }

    @Override
    public String toString() {
        return "CopyHit[" + id + ", " + match + "]";
    }
}
