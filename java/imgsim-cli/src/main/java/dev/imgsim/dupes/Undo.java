package dev.imgsim.dupes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonObject;

/**
 * Reverts what a {@link Journal} records, newest step first: moved and trashed files go back,
 * links are replaced by the originals kept in the trash. Works on a journal cut short by a crash
 * (a step begun but not done is undone from whatever state it reached), checks each restored
 * file's SHA-256 against the journal, and records {@code undone} lines, so a second undo does
 * nothing. Deleted files cannot come back and are reported.
 */
public final class Undo {
    private Undo() {
    }

    /** What an undo did. */
    public static final class Report {
        int restored;
        int unchanged;
        final List<String> problems = new ArrayList<>();

        /** @return files put back */
        public int restored() {
            return restored;
        }

        /** @return steps that had not changed anything (begun, then stopped before acting) */
        public int unchanged() {
            return unchanged;
        }

        /** @return steps that could not be undone, with the reason (deleted files, changed files) */
        public List<String> problems() {
            return problems;
        }
    }

    /**
     * @param journalFile the journal of an applied plan
     * @return what was restored and what could not be
     * @throws IOException if the journal cannot be read or written
     */
    public static Report undo(Path journalFile) throws IOException {
        Map<Long, JsonObject> begun = new LinkedHashMap<>();
        Set<Long> undone = new HashSet<>();
        for (JsonObject o : Journal.read(journalFile)) {
            String op = o.get("op").getAsString();
            if (op.equals("begin")) {
                begun.put(o.get("seq").getAsLong(), o);
            } else if (op.equals("undone")) {
                undone.add(o.get("seq").getAsLong());
            }
        }
        List<Long> order = new ArrayList<>(begun.keySet());
        Collections.reverse(order);
        Report report = new Report();
        try (Journal journal = Journal.append(journalFile)) {
            for (long seq : order) {
                if (undone.contains(seq)) {
                    continue;
                }
                JsonObject s = begun.get(seq);
                String problem = undoStep(s, report);
                if (problem != null) {
                    report.problems.add(s.get("file").getAsString() + ": " + problem);
                    continue;
                }
                JsonObject line = new JsonObject();
                line.addProperty("op", "undone");
                line.addProperty("seq", seq);
                journal.write(line);
            }
        }
        return report;
    }

    /** @return null when undone (or nothing to undo), else why not */
    private static String undoStep(JsonObject s, Report report) throws IOException {
        Action action = Action.of(s.get("action").getAsString());
        Path file = Paths.get(s.get("file").getAsString());
        Path keeper = Paths.get(s.get("keeper").getAsString());
        Path target = s.has("target") ? Paths.get(s.get("target").getAsString()) : null;
        String sha = s.get("sha256").getAsString();
        boolean fileThere = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        if (action == Action.DELETE) {
            if (fileThere) {
                report.unchanged++;
                return null;
            }
            return "deleted: it cannot be restored (its group's kept file is " + keeper + ")";
        }
        boolean targetThere = target != null && Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        boolean linkToKeeper = fileThere && (action == Action.SYMLINK || action == Action.HARDLINK)
                && (Files.isSymbolicLink(file) || (Files.isRegularFile(file) && Files.isSameFile(file, keeper)));
        if (linkToKeeper && targetThere) {
            Files.delete(file); // the link that replaced it; the original is at target
            fileThere = false;
        }
        if (fileThere) {
            if (isOriginal(file, sha)) {
                report.unchanged++; // the process stopped before the file was moved (or a copy was cut short)
                return null;
            }
            return "a different file now exists at this path" + (targetThere ? "; its original is at " + target : "");
        }
        if (!targetThere) {
            return "neither the file nor its moved copy " + target + " is there";
        }
        ActionPlan.move(target, file);
        report.restored++;
        if (!isOriginal(file, sha)) {
            return "restored, but its content differs from the journal's SHA-256";
        }
        return null;
    }

    private static boolean isOriginal(Path file, String sha) throws IOException {
        return !Files.isSymbolicLink(file) && Files.isRegularFile(file) && FileFacts.sha256(file).equals(sha);
    }
}
