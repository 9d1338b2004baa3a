package dev.imgsim.index;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Runs a system command for a test's set-up; says whether it worked. */
final class Sh {
    private Sh() {}

    static boolean run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
