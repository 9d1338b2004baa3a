package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The ONNX Runtime library is chosen once per process, so each case runs {@link RuntimeProbe}
 * in a fresh JVM: a library that is too old or is not ONNX Runtime must give a clear
 * {@link ImageSimilarityException}, twice, and the JVM must exit normally.
 */
public class RuntimeLibraryTest {
    private static List<String> probe(Path library) throws IOException, InterruptedException {
        String classpath = System.getProperty("imgsim.test.classpath");
        assertTrue("imgsim.test.classpath is set by the Gradle build", classpath != null);
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Path out = Files.createTempFile("imgsim-probe", ".txt");
        try {
            Process p = new ProcessBuilder(java.toString(), "-Xmx256m",
                    "-Dimgsim.onnxruntime.path=" + library.toAbsolutePath(),
                    "-cp", classpath, RuntimeProbe.class.getName())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue("probe JVM finished within 60 s", p.waitFor(60, TimeUnit.SECONDS));
            List<String> lines = new ArrayList<>(Files.readAllLines(out, StandardCharsets.UTF_8));
            assertEquals("probe JVM exit status; output: " + lines, 0, p.exitValue());
            lines.removeIf(l -> !l.startsWith("OK") && !l.startsWith("dev.imgsim."));
            assertEquals("two attempts reported: " + lines, 2, lines.size());
            return lines;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    public void aTooOldRuntimeIsRefusedWithBothVersions() throws Exception {
        String old = System.getProperty("imgsim.test.oldOrt");
        assertTrue("imgsim.test.oldOrt (ONNX Runtime 1.21.1) is extracted by the Gradle build",
                old != null && Files.isRegularFile(Paths.get(old)));
        for (String line : probe(Paths.get(old))) {
            assertTrue(line, line.startsWith(ImageSimilarityException.class.getName() + ": "));
            for (String part : Arrays.asList("1.21.1", "1.22", "imgsim.onnxruntime.path")) {
                assertTrue("message names " + part + ": " + line, line.contains(part));
            }
        }
    }

    @Test
    public void aLibraryThatIsNotOnnxRuntimeIsRefused() throws Exception {
        Path notOrt = Paths.get(System.getProperty("java.home"), "lib", "libjava.so");
        assertTrue(notOrt + " exists", Files.isRegularFile(notOrt));
        for (String line : probe(notOrt)) {
            assertTrue(line, line.startsWith(ImageSimilarityException.class.getName() + ": "));
            assertTrue(line, line.contains(notOrt.toString()));
        }
    }
}
