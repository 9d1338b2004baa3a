package dev.imgsim.dupes;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import com.google.gson.JsonObject;

import dev.imgsim.index.FileStamp;

/**
 * What acting on groups of duplicates will do, file by file, decided before anything is touched:
 * the keeper of each group (by a {@link KeepPolicy}), and for each other file the {@link Action}
 * and its target, or why it is left alone. {@link #apply(Journal)} then carries it out, journaled.
 *
 * <p>Safety rules, each a reason a step is skipped: files inside reference folders are never
 * touched; a file whose size or modification time differs from the index's record (or that has
 * no record) is left alone; a file whose real path (links resolved) lies outside the scanned roots
 * is left alone; a keeper must exist and be a regular file, and a group never loses its keeper (so
 * never its last copy); a hard link is never attempted across filesystems; a file already the same
 * file as its keeper is left alone. Before each step of {@code apply}, the file's SHA-256 is
 * checked again against the plan's.
 */
public final class ActionPlan {
    /** One file of one group. */
    public static final class Step {
        final int group;
        final Path file;
        final Path keeper;
        final Action action;
        final Path target;
        final String skip;
        final long size;
        final String sha256;
        /** Set by {@link ActionPlan#apply}: carried out, or why it failed. */
        private boolean applied;
        private String failure;

        Step(int group, Path file, Path keeper, Action action, Path target, String skip, long size, String sha256) {
            this.group = group;
            this.file = file;
            this.keeper = keeper;
            this.action = action;
            this.target = target;
            this.skip = skip;
            this.size = size;
            this.sha256 = sha256;
        }

        /** @return the group's number, from 1 */
        public int group() {
            return group;
        }

        /** @return the file acted on */
        public Path file() {
            return file;
        }

        /** @return the group's kept file */
        public Path keeper() {
            return keeper;
        }

        /** @return the action */
        public Action action() {
            return action;
        }

        /** @return where the file goes (move, trash) or where its original is kept (links); null for delete */
        public Path target() {
            return target;
        }

        /** @return why the file is left alone, or null when the step will run */
        public String skip() {
            return skip;
        }

        /** @return whether {@link ActionPlan#apply} carried the step out */
        public boolean applied() {
            return applied;
        }

        /** @return why {@link ActionPlan#apply} could not carry it out (rolled back), or null */
        public String failure() {
            return failure;
        }
    }

    /** One group's keeper and why. */
    public static final class Kept {
        final int group;
        final Path file;
        final String why;

        Kept(int group, Path file, String why) {
            this.group = group;
            this.file = file;
            this.why = why;
        }

        /** @return the group's number, from 1 */
        public int group() {
            return group;
        }

        /** @return the kept file */
        public Path file() {
            return file;
        }

        /** @return why the policy chose it */
        public String why() {
            return why;
        }
    }

    /** Settings of a plan. */
    public static final class Options {
        Action action = Action.MOVE;
        Path to;
        Path trash;
        List<Path> roots = Collections.emptyList();
        Map<String, FileStamp> stamps = Collections.emptyMap();
        Map<String, String> choices = Collections.emptyMap();

        /**
         * @param choices content hash to {@code keep} / {@code remove} (a review page's export):
         *     when given, they decide instead of the keep policy; files without a choice are left alone
         * @return these options
         */
        public Options choices(Map<String, String> choices) {
            this.choices = choices;
            return this;
        }

        /**
         * @param action what to do with the files not kept
         * @param to the destination folder for {@link Action#MOVE}
         * @param trash the trash folder (trash, and the originals replaced by links)
         * @return these options
         */
        public Options action(Action action, Path to, Path trash) {
            this.action = Objects.requireNonNull(action, "action");
            this.to = to;
            this.trash = trash;
            if (action == Action.MOVE && to == null) {
                throw new IllegalArgumentException("--action move needs --to DIR");
            }
            if ((action == Action.TRASH || action == Action.HARDLINK || action == Action.SYMLINK) && trash == null) {
                throw new IllegalArgumentException(action.cliName() + " needs a trash folder");
            }
            return this;
        }

        /**
         * @param roots the folders that were scanned: only files whose real path lies inside one are acted on;
         *     empty for each file's own folder
         * @return these options
         */
        public Options roots(List<Path> roots) {
            this.roots = roots;
            return this;
        }

        /**
         * @param stamps the index's record of each file ({@code ImageIndex.fileStamps()})
         * @return these options
         */
        public Options stamps(Map<String, FileStamp> stamps) {
            this.stamps = stamps;
            return this;
        }
    }

    private final List<Kept> kept;
    private final List<Step> steps;
    private final Options options;

    private ActionPlan(List<Kept> kept, List<Step> steps, Options options) {
        this.kept = Collections.unmodifiableList(kept);
        this.steps = Collections.unmodifiableList(steps);
        this.options = options;
    }

    /** @return each group's keeper */
    public List<Kept> kept() {
        return kept;
    }

    /** @return every file not kept: its action or why it is left alone */
    public List<Step> steps() {
        return steps;
    }

    /**
     * Plans the action for groups of duplicates (ids are file paths, as {@code imgsim index} stores them).
     *
     * @param groups the groups, each a list of ids
     * @param policy chooses each group's keeper
     * @param options the action and the safety inputs
     * @return the plan; nothing has been touched
     * @throws IOException if a file's facts or hash cannot be read
     */
    public static ActionPlan plan(List<List<String>> groups, KeepPolicy policy, Options options) throws IOException {
        List<Kept> kept = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        Set<Path> taken = new HashSet<>();
        for (int g = 0; g < groups.size(); g++) {
            List<FileFacts> files = new ArrayList<>();
            for (String id : groups.get(g)) {
                Path p = Paths.get(id);
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.add(FileFacts.read(p));
                }
            }
            if (files.size() < 2) {
                continue; // fewer than two files left on disk: nothing to choose between
            }
            List<FileFacts> remove = new ArrayList<>(files);
            FileFacts keeper;
            if (options.choices.isEmpty()) {
                keeper = policy.keeper(files);
                kept.add(new Kept(g + 1, keeper.path(), policy.why(keeper, files)));
            } else {
                List<FileFacts> keep = new ArrayList<>();
                remove.clear();
                for (FileFacts f : files) {
                    String c = options.choices.get(f.sha256());
                    if ("keep".equals(c)) {
                        keep.add(f);
                    } else if ("remove".equals(c)) {
                        remove.add(f);
                    }
                }
                if (keep.isEmpty()) {
                    for (FileFacts f : remove) {
                        steps.add(new Step(g + 1, f.path(), null, options.action, null, "no file of its group is marked keep"
                                + " on the review page: the group's last copy is left alone", f.size(), null));
                    }
                    continue;
                }
                keeper = policy.keeper(keep);
                kept.add(new Kept(g + 1, keeper.path(), "marked keep on the review page"));
            }
            for (FileFacts f : remove) {
                if (f == keeper) {
                    continue;
                }
                String skip = skipReason(f, keeper, policy, options);
                Path target = skip == null ? target(f.path(), options, taken) : null;
                steps.add(new Step(g + 1, f.path(), keeper.path(), options.action, target, skip, f.size(),
                        skip == null ? f.sha256() : null));
            }
        }
        return new ActionPlan(kept, steps, options);
    }

    private static String skipReason(FileFacts f, FileFacts keeper, KeepPolicy policy, Options o) throws IOException {
        Path file = f.path();
        if (policy.isReference(file)) {
            return "in a reference folder (never modified)";
        }
        FileStamp stamp = o.stamps.get(file.toString());
        if (stamp == null) {
            return "the index has no record of this file's size and time: index it again first";
        }
        if (!stamp.matches(file)) {
            return "changed since it was indexed (" + stamp + " then): index it again first";
        }
        Path real = file.toRealPath();
        if (!inside(real, o.roots.isEmpty() ? Collections.singletonList(file.toAbsolutePath().getParent()) : o.roots)) {
            return "its real path " + real + " is outside the scanned roots";
        }
        if (Files.isSameFile(file, keeper.path())) {
            return "already the same file as " + keeper.path();
        }
        if (o.action == Action.HARDLINK) {
            FileStore a = Files.getFileStore(file);
            FileStore b = Files.getFileStore(keeper.path());
            if (!a.equals(b)) {
                return "on another filesystem (" + a + ") than " + keeper.path() + " (" + b + "): hard links cannot"
                        + " cross filesystems; use --action symlink or move";
            }
        }
        return null;
    }

    private static boolean inside(Path real, List<Path> roots) throws IOException {
        for (Path r : roots) {
            if (r != null && Files.isDirectory(r) && real.startsWith(r.toRealPath())) {
                return true;
            }
        }
        return false;
    }

    /** Where a file goes: below the destination (or trash) folder, with its absolute path kept as folders. */
    private static Path target(Path file, Options o, Set<Path> taken) {
        Path base;
        switch (o.action) {
            case MOVE:
                base = o.to;
                break;
            case DELETE:
                return null;
            default:
                base = o.trash;
        }
        Path abs = file.toAbsolutePath().normalize();
        Path rel = abs.getRoot() == null ? abs : abs.getRoot().relativize(abs);
        Path t = base.toAbsolutePath().normalize().resolve(rel.toString());
        Path candidate = t;
        for (int i = 1; Files.exists(candidate, LinkOption.NOFOLLOW_LINKS) || taken.contains(candidate); i++) {
            candidate = t.resolveSibling(t.getFileName() + "." + i);
        }
        taken.add(candidate);
        return candidate;
    }

    /** What {@link #apply} did. */
    public static final class Report {
        int done;
        int skipped;
        final List<String> failures = new ArrayList<>();

        /** @return steps carried out */
        public int done() {
            return done;
        }

        /** @return steps left alone by the plan */
        public int skipped() {
            return skipped;
        }

        /** @return steps that failed while applying (file: reason); each was rolled back */
        public List<String> failures() {
            return failures;
        }
    }

    /**
     * Carries out the plan's steps in order, each journaled before and after.
     *
     * @param journal where each step is recorded (the caller closes it)
     * @return what was done
     * @throws IOException if the journal cannot be written (the step is not attempted)
     */
    public Report apply(Journal journal) throws IOException {
        Report report = new Report();
        JsonObject run = new JsonObject();
        run.addProperty("op", "run");
        run.addProperty("action", options.action.cliName());
        journal.write(run);
        long seq = 0;
        long delayMs = Long.getLong("imgsim.test.stepDelayMs", 0); // lets tests kill the process mid-apply
        for (Step s : steps) {
            if (s.skip != null) {
                report.skipped++;
                continue;
            }
            seq++;
            String reason = recheck(s);
            if (reason != null) {
                s.failure = reason;
                report.failures.add(s.file + ": " + reason);
                continue;
            }
            JsonObject begin = new JsonObject();
            begin.addProperty("op", "begin");
            begin.addProperty("seq", seq);
            begin.addProperty("action", s.action.cliName());
            begin.addProperty("file", s.file.toAbsolutePath().toString());
            begin.addProperty("keeper", s.keeper.toAbsolutePath().toString());
            if (s.target != null) {
                begin.addProperty("target", s.target.toString());
            }
            begin.addProperty("size", s.size);
            begin.addProperty("sha256", s.sha256);
            journal.write(begin);
            try {
                run(s, delayMs);
            } catch (IOException | RuntimeException e) {
                String rolledBack = rollBack(s);
                s.failure = e + rolledBack;
                report.failures.add(s.file + ": " + e + rolledBack);
                JsonObject failed = new JsonObject();
                failed.addProperty("op", "failed");
                failed.addProperty("seq", seq);
                failed.addProperty("reason", e.toString() + rolledBack);
                journal.write(failed);
                continue;
            }
            JsonObject done = new JsonObject();
            done.addProperty("op", "done");
            done.addProperty("seq", seq);
            journal.write(done);
            s.applied = true;
            report.done++;
        }
        return report;
    }

    private static String recheck(Step s) throws IOException {
        if (!Files.isRegularFile(s.keeper)) {
            return "its keeper " + s.keeper + " is gone: the group's last copy is left alone";
        }
        if (!Files.isRegularFile(s.file, LinkOption.NOFOLLOW_LINKS)) {
            return "no longer a regular file";
        }
        if (!FileFacts.sha256(s.file).equals(s.sha256)) {
            return "changed since the plan was made";
        }
        return null;
    }

    private static void run(Step s, long delayMs) throws IOException {
        switch (s.action) {
            case MOVE:
            case TRASH:
                move(s.file, s.target);
                break;
            case HARDLINK:
                move(s.file, s.target);
                pause(delayMs);
                Files.createLink(s.file, s.keeper);
                break;
            case SYMLINK:
                move(s.file, s.target);
                pause(delayMs);
                Files.createSymbolicLink(s.file, s.keeper.toAbsolutePath());
                break;
            case DELETE:
                Files.delete(s.file);
                break;
            default:
                throw new AssertionError(s.action);
        }
        pause(delayMs);
    }

    private static void pause(long ms) {
        if (ms > 0) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Moves a file, atomically when source and target share a filesystem. */
    static void move(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException acrossFilesystems) {
            Files.move(from, to); // copy, then delete the source: a crash leaves both, never neither
        }
    }

    private static String rollBack(Step s) {
        try {
            if (s.target != null && Files.exists(s.target) && !Files.exists(s.file, LinkOption.NOFOLLOW_LINKS)) {
                move(s.target, s.file);
                return " (rolled back)";
            }
            return "";
        } catch (IOException e) {
            return " (roll-back failed: " + e + "; the file is at " + s.target + ")";
        }
    }
}
