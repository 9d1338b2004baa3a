package dev.imgsim.dupes;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;

/**
 * Remembered verdicts on duplicates, keyed by content (SHA-256), so they survive renames, moves
 * and re-indexing: "these two are not duplicates" and "this group is resolved" (leave it out of
 * later reports). Stored as JSON lines ({@value #FILE_NAME} in the index directory), one verdict
 * per line, appended; exported and imported as the same format.
 *
 * <pre>
 * {"verdict": "not-duplicate", "sha256": ["ab12...", "cd34..."], "paths": ["a.jpg", "b.jpg"], "time": "..."}
 * {"verdict": "resolved", "sha256": ["ab12...", "ef56...", ...], "paths": [...], "time": "..."}
 * </pre>
 *
 * Not thread-safe; one process at a time should write a file (the CLI appends whole lines).
 */
public final class Decisions {
    /** The file name in an index directory. */
    public static final String FILE_NAME = "imgsim-decisions.jsonl";

    private static final Gson GSON = new Gson();

    private final Path file;
    private final Set<String> notDuplicate = new HashSet<>();
    private final List<Set<String>> resolved = new ArrayList<>();
    private final java.util.Map<String, String> choices = new java.util.HashMap<>();
    private int count;

    private Decisions(Path file) {
        this.file = file;
    }

    /**
     * @param indexDirectory an index directory
     * @return its decisions (none if the file does not exist yet)
     * @throws IOException if the file cannot be read or holds a bad line (named)
     */
    public static Decisions of(Path indexDirectory) throws IOException {
        return load(indexDirectory.resolve(FILE_NAME));
    }

    /**
     * @param file a decisions file
     * @return its decisions
     * @throws IOException if it cannot be read or holds a bad line (its number is named)
     */
    public static Decisions load(Path file) throws IOException {
        Decisions d = new Decisions(file);
        if (Files.exists(file)) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (line.isEmpty()) {
                    continue;
                }
                try {
                    d.take(GSON.fromJson(line, JsonObject.class));
                } catch (JsonParseException | IllegalArgumentException | IllegalStateException | NullPointerException e) {
                    throw new IOException(file + " line " + (i + 1) + " is not a decision: " + e.getMessage(), e);
                }
            }
        }
        return d;
    }

    private void take(JsonObject o) {
        String verdict = o.get("verdict").getAsString();
        Set<String> shas = new TreeSet<>();
        o.getAsJsonArray("sha256").forEach(e -> shas.add(e.getAsString()));
        if (verdict.equals("not-duplicate")) {
            if (shas.size() != 2) {
                throw new IllegalArgumentException("a not-duplicate verdict names two different contents");
            }
            notDuplicate.add(String.join(",", shas));
        } else if (verdict.equals("resolved")) {
            resolved.add(shas);
        } else if (verdict.equals("keep") || verdict.equals("remove")) {
            if (shas.size() != 1) {
                throw new IllegalArgumentException("a " + verdict + " choice names one content");
            }
            choices.put(shas.iterator().next(), verdict);
        } else {
            throw new IllegalArgumentException("unknown verdict '" + verdict + "' (not-duplicate, resolved, keep or remove)");
        }
        count++;
    }

    /**
     * The review page's per-file choices: content hash to {@code keep} or {@code remove}, what
     * {@code imgsim dupes --decisions FILE} carries out.
     *
     * @return the choices (unmodifiable)
     */
    public java.util.Map<String, String> choices() {
        return Collections.unmodifiableMap(choices);
    }

    /**
     * Takes the verdicts of another set in memory too (nothing is written), e.g. a review page's
     * file on top of an index's own.
     *
     * @param other more verdicts
     */
    public void absorb(Decisions other) {
        notDuplicate.addAll(other.notDuplicate);
        resolved.addAll(other.resolved);
        choices.putAll(other.choices);
        count += other.count;
    }

    /** @return the number of verdicts */
    public int size() {
        return count;
    }

    /**
     * @param shaA content hash of one file
     * @param shaB of the other
     * @return whether the pair was marked "not a duplicate"
     */
    public boolean isNotDuplicate(String shaA, String shaB) {
        Set<String> pair = new TreeSet<>();
        pair.add(shaA);
        pair.add(shaB);
        return notDuplicate.contains(String.join(",", pair));
    }

    /**
     * @param shas the content hashes of a group's files
     * @return whether a "resolved" verdict covers all of them
     */
    public boolean isResolved(Set<String> shas) {
        for (Set<String> r : resolved) {
            if (r.containsAll(shas)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Records that two files are not duplicates (appended to the file at once).
     *
     * @param a a file
     * @param b another
     * @throws IOException if they cannot be read or the file cannot be written
     */
    public void markNotDuplicate(Path a, Path b) throws IOException {
        String sa = FileFacts.sha256(a);
        String sb = FileFacts.sha256(b);
        if (sa.equals(sb)) {
            throw new IllegalArgumentException(a + " and " + b + " have the same content: they are duplicates byte for byte");
        }
        append("not-duplicate", new LinkedHashSet<>(List.of(sa, sb)), List.of(a, b));
    }

    /**
     * Records that a group is resolved: later reports leave out any group made only of these contents.
     *
     * @param files the group's files
     * @throws IOException if they cannot be read or the file cannot be written
     */
    public void markResolved(List<Path> files) throws IOException {
        Set<String> shas = new LinkedHashSet<>();
        for (Path f : files) {
            shas.add(FileFacts.sha256(f));
        }
        append("resolved", shas, files);
    }

    private void append(String verdict, Set<String> shas, List<Path> paths) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("verdict", verdict);
        o.add("sha256", GSON.toJsonTree(new ArrayList<>(shas)));
        List<String> ps = new ArrayList<>();
        for (Path p : paths) {
            ps.add(p.toString());
        }
        o.add("paths", GSON.toJsonTree(ps));
        o.addProperty("time", Instant.now().toString());
        appendLine(GSON.toJson(o));
        take(o);
    }

    private void appendLine(String line) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(line);
            w.write('\n');
        }
    }

    /**
     * Appends every verdict of another decisions file (e.g. exported elsewhere, or from the review page).
     *
     * @param other the file to import
     * @return how many verdicts were imported
     * @throws IOException if it cannot be read (a bad line is named) or this file cannot be written
     */
    public int importFrom(Path other) throws IOException {
        Decisions.load(other); // validates every line first: nothing is appended from a bad file
        List<String> lines = Files.readAllLines(other, StandardCharsets.UTF_8);
        int n = 0;
        for (String line : lines) {
            if (!line.trim().isEmpty()) {
                JsonObject o = GSON.fromJson(line, JsonObject.class);
                appendLine(GSON.toJson(o));
                take(o);
                n++;
            }
        }
        return n;
    }

    /**
     * Writes every verdict to a file (the same format), for another index or machine.
     *
     * @param target the file to write
     * @throws IOException if it cannot be written
     */
    public void exportTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.copy(file, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.write(target, Collections.<String>emptyList(), StandardCharsets.UTF_8);
        }
    }
}
