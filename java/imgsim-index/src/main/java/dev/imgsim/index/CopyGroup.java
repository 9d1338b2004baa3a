package dev.imgsim.index;

import java.util.List;
import java.util.Objects;

import dev.imgsim.Match;

/**
 * Images that are copies of each other, from {@link ImageIndex#copies()}: copy pairs joined most
 * confident first (two groups only where the pairs verified between them agree at least as often
 * as not), with the decision of each copy pair inside the group.
 */
public final class CopyGroup {
    /** One verified pair: {@code second} is a copy of {@code first} as {@link #match()} says. */
    public static final class Pair {
        private final String first;
        private final String second;
        private final Match match;

        Pair(String first, String second, Match match) {
            this.first = first;
            this.second = second;
            this.match = match;
        }

        public String first() {
            return first;
        }

        public String second() {
            return second;
        }

        /** @return the decision; its transform is how {@link #second()} is turned or mirrored relative to {@link #first()} */
        public Match match() {
            return match;
        }

        @Override
        public String toString() {
            return first + " -> " + second + ": " + match.describe();
        }
    }

    private final List<String> ids;
    private final List<Pair> pairs;

    CopyGroup(List<String> ids, List<Pair> pairs) {
        this.ids = Objects.requireNonNull(ids);
        this.pairs = Objects.requireNonNull(pairs);
    }

    /** @return the ids in the group (at least two), sorted; unmodifiable */
    public List<String> ids() {
        return ids;
    }

    /** @return the verified pairs that join the group, most confident first; unmodifiable */
    public List<Pair> pairs() {
        return pairs;
    }

    /** @return the least confident pair's confidence: every member is joined through pairs at least this sure */
    public double confidence() {
        return pairs.stream().mapToDouble(p -> p.match.confidence()).min().orElse(0);
    }

    @Override
    public String toString() {
        return "CopyGroup" + ids + pairs;
    }
}
