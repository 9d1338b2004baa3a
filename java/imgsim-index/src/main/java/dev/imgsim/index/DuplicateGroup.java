package dev.imgsim.index;

import java.util.List;
import java.util.Objects;

/**
 * Images that are near-duplicates of each other: the connected group of pairs at or above the
 * threshold given to {@link ImageIndex#duplicates(double)}.
 */
public final class DuplicateGroup {
    private final List<String> ids;
    private final double similarity;

    DuplicateGroup(List<String> ids, double similarity) {
        this.ids = ids;
        this.similarity = similarity;
    }

    /** @return the ids in the group (at least two), sorted; unmodifiable */
    public List<String> ids() {
        return ids;
    }

    /**
     * @return the weakest link that holds the group together: every member is joined to the others
     *     through pairs at least this similar (for a pair, their cosine similarity)
     */
    public double similarity() {
        return similarity;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DuplicateGroup && ids.equals(((DuplicateGroup) o).ids)
                && Double.compare(similarity, ((DuplicateGroup) o).similarity) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ids, similarity);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "DuplicateGroup[%.4f, %s]", similarity, ids);
    }
}
