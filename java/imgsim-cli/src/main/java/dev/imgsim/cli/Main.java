package dev.imgsim.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

import dev.imgsim.ImgsimException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code imgsim} command: index a folder of images, search it, find duplicates, compare two
 * images, print a similarity matrix. Exit codes: 0 all went well, 1 some inputs failed (the rest
 * were done), 2 usage error or a fatal error.
 */
@Command(name = "imgsim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Find images by what they show: index a folder, search it, find duplicates; search texts by meaning.",
        subcommands = {IndexCommand.class, SearchCommand.class, CheckCommand.class, DupesCommand.class, UndoCommand.class,
            DecisionsCommand.class, CompareCommand.class, CalibrateCommand.class,
            MatrixCommand.class, EmbedCommand.class, TextCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 some inputs failed, 2 usage or fatal error."})
public final class Main implements Runnable {
    /** Some inputs failed; the others were done. */
    static final int SOME_FAILED = 1;
    /** Usage error, or a fatal error (no index, unusable model, unwritable index). */
    static final int FATAL = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.exit(run(args, out, System.err));
    }

    /** Runs the command line with the given streams; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("imgsim: " + message(e));
            if (!(e instanceof ImgsimException) && !(e instanceof java.io.IOException)
                    && !(e instanceof java.io.UncheckedIOException) && !(e instanceof IllegalArgumentException)
                    && !(e instanceof IllegalStateException)) {
                e.printStackTrace(new PrintWriter(line.getErr(), true));
            }
            return FATAL;
        });
        return cl.execute(args);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getName() : m;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: index, search, check, dupes, compare, matrix, embed or text");
    }

    /** The version from the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"imgsim " + (v == null ? "(development build)" : v)};
        }
    }
}
