package dev.imgsim.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import dev.imgsim.CopyCalibration;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.CopyGroup;
import dev.imgsim.index.DuplicateGroup;
import dev.imgsim.index.FileStamp;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.dupes.Action;
import dev.imgsim.dupes.ActionPlan;
import dev.imgsim.dupes.Decisions;
import dev.imgsim.dupes.FileFacts;
import dev.imgsim.dupes.Journal;
import dev.imgsim.dupes.KeepPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code imgsim dupes --index IDX}: groups of copies (verified), or of look-alikes above a cosine threshold. */
@Command(name = "dupes", mixinStandardHelpOptions = true,
        description = "Prints the groups of copies in the index: images verified to be the same picture, maybe edited"
            + " (turned, mirrored, cropped, padded, screenshotted, recompressed, recoloured), each pair with its band"
            + " (exact copy or edited copy), transform and confidence; most confident groups first. With --threshold,"
            + " groups images whose embeddings' cosine is at or above it instead (look-alikes, unverified)."
            + " Optionally an HTML report with thumbnails. With --keep or --action, chooses the file to keep in each"
            + " group and plans what to do with the others: a dry run unless --apply is given; applied actions go to"
            + " a journal that `imgsim undo` reverts. Groups marked with `imgsim decisions` are left out.")
final class DupesCommand extends ModelCommand implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @Option(names = "--threshold", paramLabel = "T",
            description = "Group by raw cosine similarity at or above T (for example 0.95) instead of verified copies.")
    Double threshold;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report with thumbnails.")
    Path html;

    @Option(names = "--exact", description = "With --threshold: compare every pair exactly instead of searching the HNSW graph.")
    boolean exact;

    @Option(names = "--json", description = "Print a JSON list of groups: {\"ids\": [...], \"confidence\", \"pairs\": [{\"a\", \"b\","
            + " \"similarity\", \"copy\", \"band\", \"confidence\", \"transform\", ...}]}; with --threshold {\"ids\", \"similarity\"}.")
    boolean json;

    @Option(names = "--keep", paramLabel = "RULES", description = "Which file of a group to keep: largest, biggest-file,"
            + " best-format, richest-metadata, oldest, newest; comma-separated, the first that differs decides, then the"
            + " path (default with --action: largest,richest-metadata,oldest).")
    String keep;

    @Option(names = "--reference", paramLabel = "DIR", description = "A reference folder (repeatable): its files are kept"
            + " first and never modified.")
    List<Path> references = new ArrayList<>();

    @Option(names = "--format-order", paramLabel = "LIST", split = ",", description = "Formats for best-format, best first"
            + " (default: " + KeepPolicy.DEFAULT_FORMAT_ORDER_SPEC + ").")
    List<String> formatOrder;

    @Option(names = "--action", paramLabel = "ACTION", description = "What to do with the files not kept: move (--to DIR),"
            + " hardlink, symlink (the originals go to the trash folder), trash, delete (cannot be undone).")
    String action;

    @Option(names = "--to", paramLabel = "DIR", description = "Destination folder of --action move (paths below it mirror"
            + " the files' absolute paths).")
    Path to;

    @Option(names = "--trash", paramLabel = "DIR", description = "Trash folder (trash, and originals replaced by links;"
            + " default: IDX/imgsim-trash).")
    Path trash;

    @Option(names = "--apply", description = "Carry the actions out (without it: a dry run that only prints the plan).")
    boolean apply;

    @Option(names = "--journal", paramLabel = "FILE", description = "Journal of an applied run (default:"
            + " IDX/imgsim-journals/dupes-YYYYMMDD-HHMMSS.jsonl); `imgsim undo FILE` reverts it.")
    Path journal;

    @Option(names = "--root", paramLabel = "DIR", description = "A scanned root (repeatable): only files whose real path"
            + " lies inside one are acted on (default: each file's own folder, so links leading elsewhere are refused).")
    List<Path> roots = new ArrayList<>();

    @Option(names = "--decisions", paramLabel = "FILE", description = "A decisions file exported by the --html review page:"
            + " its keep/remove choices decide instead of --keep (files without a choice are left alone); with --apply"
            + " its not-duplicate verdicts are also remembered in the index.")
    Path decisionsFile;

    @Option(names = "--strict", description = "Call fewer pairs copies, more surely (CopyCalibration.strict(): 99 %% of"
            + " the benchmark's pairs were copies, against 91 %% by default, finding about two thirds as many).")
    boolean strict;

    @Option(names = "--learned", description = "Decide with the learned decision (CopyCalibration.learned(): trees over the"
            + " verification's evidence; docs/QUALITY.md) instead of the rules.")
    boolean learned;

    @Option(names = "--copy-threshold", paramLabel = "P", description = "The learned decision with this copy threshold (a"
            + " confidence, what `imgsim calibrate` fitted to pairs you labelled).")
    Double copyThreshold;

    @Option(names = "--all", description = "Also show groups that `imgsim decisions` marked resolved or split.")
    boolean all;

    /** One group as shown: its ids, its score (confidence or similarity) and, for copies, its verified pairs. */
    static final class Shown {
        final List<String> ids;
        final double score;
        final List<CopyGroup.Pair> pairs;

        Shown(List<String> ids, double score, List<CopyGroup.Pair> pairs) {
            this.ids = ids;
            this.score = score;
            this.pairs = pairs;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (action == null && (apply || to != null || journal != null)) {
            throw new IllegalArgumentException("--apply, --to and --journal need --action");
        }
        if (threshold != null && !(threshold >= -1 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be within [-1, 1], got " + threshold);
        }
        if ((strict || learned || copyThreshold != null) && threshold != null) {
            throw new IllegalArgumentException((strict ? "--strict" : learned ? "--learned" : "--copy-threshold")
                    + " applies to verified copies, not to --threshold");
        }
        if (strict && (learned || copyThreshold != null)) {
            throw new IllegalArgumentException("--strict cannot be combined with --learned or --copy-threshold");
        }
        if (copyThreshold != null && !(copyThreshold >= 0 && copyThreshold <= 1)) {
            throw new IllegalArgumentException("--copy-threshold is a confidence in [0, 1], got " + copyThreshold);
        }
        if (exact && threshold == null) {
            throw new IllegalArgumentException("--exact needs --threshold (verified copies always search the graph)");
        }
        if (threshold == null) {
            return copies();
        }
        List<Shown> shown = new ArrayList<>();
        long size;
        Map<String, FileStamp> stamps;
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            List<DuplicateGroup> groups = exact ? idx.duplicatesExact(threshold) : idx.duplicates(threshold);
            for (DuplicateGroup g : groups) {
                shown.add(new Shown(g.ids(), g.similarity(), Collections.emptyList()));
            }
            size = idx.size();
            stamps = action != null ? idx.fileStamps() : Collections.emptyMap();
        }
        shown = decided(shown);
        PrintWriter out = out();
        ActionPlan plan = plan(shown, stamps);
        int code = act(plan); // before printing, so each action's status is what happened
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < shown.size(); i++) {
                j.raw(i == 0 ? "" : ", ").open('{').field("ids", Json.strings(shown.get(i).ids)).raw(", ")
                        .field("similarity", Json.number(shown.get(i).score));
                keepJson(j, plan, i + 1);
                j.close('}');
            }
            out.println(j.close(']'));
        } else {
            int images = shown.stream().mapToInt(g -> g.ids.size()).sum();
            out.printf(Locale.ROOT, "%d duplicate group%s (%d images of %d) at similarity >= %.3f%n", shown.size(),
                    shown.size() == 1 ? "" : "s", images, size, threshold);
            for (int i = 0; i < shown.size(); i++) {
                out.printf(Locale.ROOT, "group %d, similarity >= %.4f:%n", i + 1, shown.get(i).score);
                for (String id : shown.get(i).ids) {
                    out.println("  " + id);
                }
                keepText(out, plan, i + 1);
            }
        }
        out.flush();
        if (html != null) {
            List<HtmlReport.Group> sections = new ArrayList<>();
            for (int i = 0; i < shown.size(); i++) {
                Shown g = shown.get(i);
                sections.add(keeper(new HtmlReport.Group(String.format(Locale.ROOT, "%d images, similarity &ge; %.4f",
                        g.ids.size(), g.score), g.ids, List.of()), plan, i + 1));
            }
            HtmlReport.write(html, index, String.format(Locale.ROOT, "cosine similarity &ge; %.3f", threshold), size, sections);
            err().println("imgsim: wrote " + html);
        }
        return code;
    }

    /** Whether the index holds files and the first of them (up to 50) have no copy features. */
    private static boolean withoutCopyFeatures(ImageIndex idx) {
        List<String> files = new ArrayList<>(idx.fileStamps().keySet());
        return !files.isEmpty() && files.stream().limit(50).noneMatch(id -> idx.copyFeatures(id).isPresent());
    }

    private int copies() throws Exception {
        List<Shown> shown = new ArrayList<>();
        long size;
        Map<String, FileStamp> stamps;
        try (ImageSimilarity sim = model.open(); ImageIndex idx = ImageIndex.openReadOnly(index, sim)) {
            CopyCalibration calibration = strict ? CopyCalibration.strict()
                    : copyThreshold != null ? CopyCalibration.withThreshold(copyThreshold)
                    : learned ? CopyCalibration.learned() : CopyCalibration.defaults();
            for (CopyGroup g : idx.copies(calibration)) {
                shown.add(new Shown(g.ids(), g.confidence(), g.pairs()));
            }
            size = idx.size();
            stamps = action != null ? idx.fileStamps() : Collections.emptyMap();
            if (shown.isEmpty() && withoutCopyFeatures(idx)) {
                System.err.println("imgsim dupes: the indexed files have no copy features (indexed with --no-copies), so none"
                        + " can be a copy; index them again without --no-copies, or use --threshold for look-alikes by cosine");
            }
        }
        shown = decided(shown);
        PrintWriter out = out();
        ActionPlan plan = plan(shown, stamps);
        int code = act(plan); // before printing, so each action's status is what happened
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < shown.size(); i++) {
                Shown g = shown.get(i);
                j.raw(i == 0 ? "" : ", ").open('{').field("ids", Json.strings(g.ids)).raw(", ")
                        .field("confidence", Json.number(g.score)).raw(", \"pairs\": [");
                for (int p = 0; p < g.pairs.size(); p++) {
                    CopyGroup.Pair pair = g.pairs.get(p);
                    j.raw(p == 0 ? "" : ", ").open('{').field("a", Json.string(pair.first())).raw(", ")
                            .field("b", Json.string(pair.second())).raw(", ").match(pair.match()).close('}');
                }
                j.raw("]");
                keepJson(j, plan, i + 1);
                j.close('}');
            }
            out.println(j.close(']'));
        } else {
            int images = shown.stream().mapToInt(g -> g.ids.size()).sum();
            out.printf(Locale.ROOT, "%d copy group%s (%d images of %d), verified%n", shown.size(), shown.size() == 1 ? "" : "s",
                    images, size);
            for (int i = 0; i < shown.size(); i++) {
                Shown g = shown.get(i);
                out.printf(Locale.ROOT, "group %d, confidence >= %.3f:%n", i + 1, g.score);
                for (String id : g.ids) {
                    out.println("  " + id);
                }
                for (CopyGroup.Pair p : g.pairs) {
                    out.printf(Locale.ROOT, "  - %s -> %s: %s, similarity %.4f%n", p.first(), p.second(), p.match().describe(),
                            p.match().similarity());
                }
                keepText(out, plan, i + 1);
            }
        }
        out.flush();
        if (html != null) {
            List<HtmlReport.Group> sections = new ArrayList<>();
            for (int i = 0; i < shown.size(); i++) {
                Shown g = shown.get(i);
                List<String> notes = new ArrayList<>();
                for (CopyGroup.Pair p : g.pairs) {
                    notes.add(p.second() + " is " + p.match().describe() + " (" + p.match().band() + ", " + p.match().transform()
                            + ") of " + p.first());
                }
                sections.add(keeper(new HtmlReport.Group(String.format(Locale.ROOT, "%d images, confidence &ge; %.3f",
                        g.ids.size(), g.score), g.ids, notes), plan, i + 1));
            }
            HtmlReport.write(html, index, "verified copies", size, sections);
            err().println("imgsim: wrote " + html);
        }
        return code;
    }

    /**
     * The groups without what {@code imgsim decisions} settled: pairs marked "not a duplicate" are
     * cut (a group falls apart into what stays connected), groups marked resolved are left out.
     */
    private List<Shown> decided(List<Shown> groups) throws IOException {
        Decisions d = Decisions.of(index);
        if (decisionsFile != null) {
            d.absorb(Decisions.load(decisionsFile));
        }
        if (all || d.size() == 0) {
            return groups;
        }
        Map<String, String> sha = new HashMap<>();
        List<Shown> out = new ArrayList<>();
        for (Shown g : groups) {
            for (String id : g.ids) {
                try {
                    sha.put(id, FileFacts.sha256(Paths.get(id)));
                } catch (IOException | RuntimeException notAFile) {
                    sha.put(id, "missing:" + id);
                }
            }
            // the group's edges: its verified pairs, or every pair of a similarity group
            List<String[]> edges = new ArrayList<>();
            if (!g.pairs.isEmpty()) {
                for (CopyGroup.Pair p : g.pairs) {
                    edges.add(new String[] {p.first(), p.second()});
                }
            } else {
                for (int a = 0; a < g.ids.size(); a++) {
                    for (int b = a + 1; b < g.ids.size(); b++) {
                        edges.add(new String[] {g.ids.get(a), g.ids.get(b)});
                    }
                }
            }
            Map<String, String> parent = new HashMap<>();
            for (String id : g.ids) {
                parent.put(id, id);
            }
            for (String[] e : edges) {
                if (!d.isNotDuplicate(sha.get(e[0]), sha.get(e[1]))) {
                    parent.put(root(parent, e[0]), root(parent, e[1]));
                }
            }
            Map<String, List<String>> parts = new java.util.LinkedHashMap<>();
            for (String id : g.ids) {
                parts.computeIfAbsent(root(parent, id), k -> new ArrayList<>()).add(id);
            }
            for (List<String> part : parts.values()) {
                Set<String> shas = new LinkedHashSet<>();
                part.forEach(id -> shas.add(sha.get(id)));
                if (part.size() < 2 || d.isResolved(shas)) {
                    continue;
                }
                List<CopyGroup.Pair> pairs = new ArrayList<>();
                for (CopyGroup.Pair p : g.pairs) {
                    if (part.contains(p.first()) && part.contains(p.second()) && !d.isNotDuplicate(sha.get(p.first()),
                            sha.get(p.second()))) {
                        pairs.add(p);
                    }
                }
                out.add(new Shown(part, g.score, pairs));
            }
        }
        return out;
    }

    private static String root(Map<String, String> parent, String id) {
        String r = id;
        while (!parent.get(r).equals(r)) {
            r = parent.get(r);
        }
        return r;
    }

    /** The keep/act plan, when --keep, --reference or --action asks for one. */
    private ActionPlan plan(List<Shown> groups, Map<String, FileStamp> stamps) throws IOException {
        if (keep == null && action == null && references.isEmpty() && decisionsFile == null) {
            return null;
        }
        KeepPolicy policy = keep == null ? KeepPolicy.DEFAULT : KeepPolicy.parse(keep);
        policy = policy.references(references);
        if (formatOrder != null) {
            policy = policy.formatOrder(formatOrder);
        }
        ActionPlan.Options o = new ActionPlan.Options().stamps(stamps).roots(roots);
        if (decisionsFile != null) {
            o.choices(Decisions.load(decisionsFile).choices());
        }
        if (action != null) {
            o.action(Action.of(action), to, trash != null ? trash : index.resolve("imgsim-trash"));
        }
        List<List<String>> ids = new ArrayList<>();
        for (Shown g : groups) {
            ids.add(g.ids);
        }
        return ActionPlan.plan(ids, policy, o);
    }

    /** Marks the group's keeper on the review page: the plan's, else the default policy's. */
    private HtmlReport.Group keeper(HtmlReport.Group section, ActionPlan plan, int group) {
        if (plan != null) {
            for (ActionPlan.Kept k : plan.kept()) {
                if (k.group() == group) {
                    return section.keep(k.file().toString(), k.why());
                }
            }
            return section;
        }
        List<FileFacts> files = new ArrayList<>();
        for (String id : section.ids) {
            try {
                files.add(FileFacts.read(Paths.get(id)));
            } catch (IOException | RuntimeException notAFile) {
                // not on disk: no choice to make about it
            }
        }
        if (files.size() < 2) {
            return section;
        }
        FileFacts k = KeepPolicy.DEFAULT.keeper(files);
        return section.keep(k.path().toString(), KeepPolicy.DEFAULT.why(k, files));
    }

    private void keepJson(Json j, ActionPlan plan, int group) {
        if (plan == null) {
            return;
        }
        for (ActionPlan.Kept k : plan.kept()) {
            if (k.group() == group) {
                j.raw(", ").field("keep", Json.string(k.file().toString())).raw(", ").field("keepReason", Json.string(k.why()));
            }
        }
        if (action == null) {
            return;
        }
        j.raw(", \"actions\": [");
        boolean first = true;
        for (ActionPlan.Step s : plan.steps()) {
            if (s.group() != group) {
                continue;
            }
            j.raw(first ? "" : ", ").open('{').field("file", Json.string(s.file().toString())).raw(", ")
                    .field("action", Json.string(s.action().cliName()));
            if (s.target() != null) {
                j.raw(", ").field("to", Json.string(s.target().toString()));
            }
            j.raw(", ").field("status", Json.string(s.skip() != null ? "skipped" : s.failure() != null ? "failed"
                    : s.applied() ? "applied" : "planned"));
            if (s.skip() != null || s.failure() != null) {
                j.raw(", ").field("reason", Json.string(s.skip() != null ? s.skip() : s.failure()));
            }
            j.close('}');
            first = false;
        }
        j.raw("]");
    }

    private void keepText(PrintWriter out, ActionPlan plan, int group) {
        if (plan == null) {
            return;
        }
        for (ActionPlan.Kept k : plan.kept()) {
            if (k.group() == group) {
                out.println("  keep " + k.file() + ": " + k.why());
            }
        }
        for (ActionPlan.Step s : plan.steps()) {
            if (s.group() != group || action == null) {
                continue;
            }
            if (s.skip() != null) {
                out.println("  leave " + s.file() + ": " + s.skip());
            } else if (s.failure() != null) {
                out.println("  failed " + s.file() + ": " + s.failure());
            } else {
                out.println("  " + (s.applied() ? "" : "would ") + s.action().cliName() + " " + s.file()
                        + (s.target() == null ? "" : (s.action() == Action.MOVE || s.action() == Action.TRASH ? " -> "
                                : " (original kept at ") + s.target() + (s.action() == Action.MOVE || s.action() == Action.TRASH
                                ? "" : ")")));
            }
        }
    }

    /** Applies the plan when --apply is given; returns the exit code. */
    private int act(ActionPlan plan) throws IOException {
        if (plan == null || action == null) {
            return 0;
        }
        long planned = plan.steps().stream().filter(s -> s.skip() == null).count();
        long left = plan.steps().size() - planned;
        if (!apply) {
            err().printf(Locale.ROOT, "imgsim: dry run: %d file%s would be %s, %d left alone; add --apply to do it%n", planned,
                    planned == 1 ? "" : "s", Action.of(action) == Action.MOVE ? "moved" : Action.of(action).cliName()
                            + (Action.of(action).cliName().endsWith("e") ? "d" : "ed"), left);
            return 0;
        }
        Path file = journal != null ? journal : index.resolve("imgsim-journals").resolve("dupes-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)) + ".jsonl");
        ActionPlan.Report r;
        try (Journal j = Journal.append(file)) {
            r = plan.apply(j);
        }
        if (decisionsFile != null) {
            Decisions.of(index).importFrom(decisionsFile);
        }
        err().printf(Locale.ROOT, "imgsim: %d done, %d left alone, %d failed; journal %s (imgsim undo %s reverts it)%n",
                r.done(), r.skipped(), r.failures().size(), file, file);
        for (String f : r.failures()) {
            err().println("imgsim: failed: " + f);
        }
        return r.failures().isEmpty() ? 0 : 1;
    }
}
