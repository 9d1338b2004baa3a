package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.imgsim.dupes.Decisions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code imgsim decisions --index IDX ...}: remembered verdicts that later dupes runs honour. */
@Command(name = "decisions", mixinStandardHelpOptions = true,
        description = "Remembers verdicts on duplicates, by content (SHA-256), so they survive renames, moves and"
            + " re-indexing; `imgsim dupes` honours them (--all shows everything): --not-duplicate A B cuts that pair"
            + " out of its group, --resolved FILE... leaves a group made of these contents out of later reports."
            + " Stored in IDX/" + Decisions.FILE_NAME + "; --export and --import copy them between indexes.")
final class DecisionsCommand implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
    Path index;

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    static final class What {
        @Option(names = "--not-duplicate", arity = "2", paramLabel = "FILE", description = "Two files that are not duplicates.")
        List<Path> notDuplicate;

        @Option(names = "--resolved", arity = "2..*", paramLabel = "FILE", description = "The files of a resolved group.")
        List<Path> resolved;

        @Option(names = "--export", paramLabel = "FILE", description = "Write every verdict to FILE.")
        Path export;

        @Option(names = "--import", paramLabel = "FILE", description = "Add every verdict of FILE (all lines are checked first).")
        Path importFile;

        @Option(names = "--list", description = "Print the verdicts file's path and how many verdicts it holds.")
        boolean list;
    }

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(index)) {
            throw new IllegalArgumentException("no index at " + index);
        }
        Decisions d = Decisions.of(index);
        PrintWriter out = spec.commandLine().getOut();
        if (what.notDuplicate != null) {
            d.markNotDuplicate(what.notDuplicate.get(0), what.notDuplicate.get(1));
            out.println("not a duplicate: " + what.notDuplicate.get(0) + " / " + what.notDuplicate.get(1));
        } else if (what.resolved != null) {
            d.markResolved(new ArrayList<>(what.resolved));
            out.println("resolved: " + what.resolved.size() + " files");
        } else if (what.export != null) {
            d.exportTo(what.export);
            out.println(d.size() + " verdicts written to " + what.export);
        } else if (what.importFile != null) {
            out.println(d.importFrom(what.importFile) + " verdicts imported from " + what.importFile);
        } else {
            out.println(d.size() + " verdicts in " + index.resolve(Decisions.FILE_NAME));
        }
        out.flush();
        return 0;
    }
}
