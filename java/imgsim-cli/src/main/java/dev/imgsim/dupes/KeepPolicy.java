package dev.imgsim.dupes;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which file of a group of duplicates to keep: rules tried in order until one prefers a file, then
 * the path (so the choice is deterministic). A file inside a reference folder always wins over one
 * outside, and reference files are never acted on. Immutable.
 *
 * <pre>{@code
 * KeepPolicy p = KeepPolicy.parse("largest,oldest").references(List.of(Paths.get("/photos/archive")));
 * FileFacts keep = p.keeper(group);
 * }</pre>
 */
public final class KeepPolicy {
    /** One preference. */
    public enum Rule {
        /** Most pixels (width x height from the header). */
        LARGEST("largest"),
        /** Largest file in bytes. */
        BIGGEST_FILE("biggest-file"),
        /** Earliest in the format order ({@link KeepPolicy#DEFAULT_FORMAT_ORDER} unless set). */
        BEST_FORMAT("best-format"),
        /** Most EXIF fields. */
        RICHEST_METADATA("richest-metadata"),
        /** Earliest date: EXIF DateTimeOriginal, else the file's modification time. */
        OLDEST("oldest"),
        /** Latest date. */
        NEWEST("newest");

        private final String name;

        Rule(String name) {
            this.name = name;
        }

        /** @return the rule's command-line name */
        public String cliName() {
            return name;
        }

        static Rule of(String s) {
            for (Rule r : values()) {
                if (r.name.equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
            throw new IllegalArgumentException("unknown keep rule '" + s + "': use largest, biggest-file, best-format,"
                    + " richest-metadata, oldest or newest (comma-separated, first decides)");
        }
    }

    /** {@link #DEFAULT_FORMAT_ORDER} as the command line writes it. */
    public static final String DEFAULT_FORMAT_ORDER_SPEC =
            "dng,cr2,cr3,nef,arw,orf,rw2,raf,heic,heif,avif,jxl,png,tif,tiff,bmp,webp,jpg,jpeg,jfif,gif";

    /** Camera RAW, then the modern and lossless formats, then lossy ones. */
    public static final List<String> DEFAULT_FORMAT_ORDER = Collections.unmodifiableList(
            Arrays.asList(DEFAULT_FORMAT_ORDER_SPEC.split(",")));

    /** The policy when none is given: most pixels, then most metadata, then oldest. */
    public static final KeepPolicy DEFAULT = parse("largest,richest-metadata,oldest");

    private final List<Rule> rules;
    private final List<Path> references;
    private final List<String> formatOrder;

    private KeepPolicy(List<Rule> rules, List<Path> references, List<String> formatOrder) {
        this.rules = Collections.unmodifiableList(new ArrayList<>(rules));
        this.references = Collections.unmodifiableList(new ArrayList<>(references));
        this.formatOrder = Collections.unmodifiableList(new ArrayList<>(formatOrder));
    }

    /**
     * @param spec rule names, comma-separated, first decides ({@code largest,oldest})
     * @return the policy, without reference folders, with the default format order
     * @throws IllegalArgumentException for an unknown or repeated rule
     */
    public static KeepPolicy parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        List<Rule> rules = new ArrayList<>();
        for (String part : spec.split(",")) {
            if (part.trim().isEmpty()) {
                continue;
            }
            Rule r = Rule.of(part);
            if (rules.contains(r)) {
                throw new IllegalArgumentException("keep rule '" + r.cliName() + "' is given twice");
            }
            rules.add(r);
        }
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no keep rule in '" + spec + "'");
        }
        return new KeepPolicy(rules, Collections.emptyList(), DEFAULT_FORMAT_ORDER);
    }

    /**
     * @param folders reference folders: files inside are kept first and never acted on
     * @return a policy with these reference folders (absolute, normalised)
     */
    public KeepPolicy references(List<Path> folders) {
        List<Path> abs = new ArrayList<>();
        for (Path f : folders) {
            abs.add(f.toAbsolutePath().normalize());
        }
        return new KeepPolicy(rules, abs, formatOrder);
    }

    /**
     * @param extensions formats, best first, for {@link Rule#BEST_FORMAT} (others rank last)
     * @return a policy with this format order
     */
    public KeepPolicy formatOrder(List<String> extensions) {
        List<String> lower = new ArrayList<>();
        for (String e : extensions) {
            lower.add(e.trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""));
        }
        return new KeepPolicy(rules, references, lower);
    }

    /** @return the rules, first decides */
    public List<Rule> rules() {
        return rules;
    }

    /** @return the reference folders */
    public List<Path> references() {
        return references;
    }

    /**
     * @param file a file
     * @return whether it lies inside a reference folder (by its absolute path; links not followed)
     */
    public boolean isReference(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        for (Path r : references) {
            if (abs.startsWith(r)) {
                return true;
            }
        }
        return false;
    }

    private int formatRank(String format) {
        int i = formatOrder.indexOf(format);
        return i < 0 ? formatOrder.size() : i;
    }

    /** @return best first: reference files, then the rules in order, then the path */
    public Comparator<FileFacts> order() {
        Comparator<FileFacts> c = Comparator.comparing((FileFacts f) -> !isReference(f.path()));
        for (Rule r : rules) {
            c = c.thenComparing(comparator(r));
        }
        return c.thenComparing(f -> f.path().toString());
    }

    private Comparator<FileFacts> comparator(Rule r) {
        switch (r) {
            case LARGEST:
                return Comparator.comparingLong(FileFacts::pixels).reversed();
            case BIGGEST_FILE:
                return Comparator.comparingLong(FileFacts::size).reversed();
            case BEST_FORMAT:
                return Comparator.comparingInt(f -> formatRank(f.format()));
            case RICHEST_METADATA:
                return Comparator.comparingInt(FileFacts::metadataFields).reversed();
            case OLDEST:
                return Comparator.comparing(FileFacts::date);
            case NEWEST:
                return Comparator.comparing(FileFacts::date).reversed();
            default:
                throw new AssertionError(r);
        }
    }

    /**
     * @param group the files of one group (at least one)
     * @return the file to keep
     */
    public FileFacts keeper(List<FileFacts> group) {
        if (group.isEmpty()) {
            throw new IllegalArgumentException("empty group");
        }
        return Collections.min(group, order());
    }

    /**
     * @param keeper the chosen file
     * @param group its group
     * @return why it was chosen: the first rule that set it apart from the runner-up, in words
     */
    public String why(FileFacts keeper, List<FileFacts> group) {
        List<FileFacts> sorted = new ArrayList<>(group);
        sorted.sort(order());
        if (sorted.size() < 2) {
            return "the only file";
        }
        FileFacts next = sorted.get(1);
        if (isReference(keeper.path()) && !isReference(next.path())) {
            return "in a reference folder";
        }
        for (Rule r : rules) {
            if (comparator(r).compare(keeper, next) != 0) {
                return r.cliName() + " (" + describe(r, keeper) + " vs " + describe(r, next) + ")";
            }
        }
        return "first by path (the rules tie)";
    }

    private static String describe(Rule r, FileFacts f) {
        switch (r) {
            case LARGEST:
                return f.pixels() == 0 ? "size unknown" : String.format(Locale.ROOT, "%.2f MP", f.pixels() / 1e6);
            case BIGGEST_FILE:
                return f.size() + " bytes";
            case BEST_FORMAT:
                return f.format().isEmpty() ? "no extension" : f.format();
            case RICHEST_METADATA:
                return f.metadataFields() + " EXIF fields";
            default:
                return f.date().toString();
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Rule r : rules) {
            s.append(s.length() == 0 ? "" : ",").append(r.cliName());
        }
        return s.toString();
    }
}
