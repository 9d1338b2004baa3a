package dev.imgsim.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.imgsim.dupes.Undo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgsim undo JOURNAL}: reverts an applied {@code imgsim dupes --action ... --apply}. */
@Command(name = "undo", mixinStandardHelpOptions = true,
        description = "Reverts what a journal of `imgsim dupes --action ... --apply` records, newest first: moved and"
            + " trashed files go back, links are replaced by their originals; works on a journal cut short by a crash,"
            + " checks each restored file's SHA-256, and is safe to run twice. Deleted files cannot come back and are"
            + " reported (exit code 1).")
final class UndoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "JOURNAL", description = "The journal file (printed by dupes --apply).")
    Path journal;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(journal)) {
            throw new IllegalArgumentException("no journal at " + journal);
        }
        Undo.Report r = Undo.undo(journal);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%d restored, %d had not changed, %d could not be undone%n", r.restored(), r.unchanged(),
                r.problems().size());
        for (String p : r.problems()) {
            out.println("  " + p);
        }
        out.flush();
        return r.problems().isEmpty() ? 0 : Main.SOME_FAILED;
    }
}
