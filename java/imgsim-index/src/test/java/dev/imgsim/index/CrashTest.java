package dev.imgsim.index;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.ImageSimilarity;

/** A writer killed with SIGKILL in the middle of addAll leaves an index that reopens consistent. */
public class CrashTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @Test
    public void killedDuringAddAllReopensConsistentAndResumes() throws Exception {
        Path images = tmp.newFolder("images").toPath();
        int count = 200;
        for (int i = 0; i < count; i++) {
            Pictures.jpeg(images.resolve(String.format("img-%03d.jpg", i)), Pictures.scene(96, 72, 1000 + i));
        }
        Path dir = tmp.getRoot().toPath().resolve("index");
        String java = Paths.javaBinary();
        Process child = new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("imgsim.test.classpath"),
                "-Dimgsim.root=" + Pictures.root(), CrashChild.class.getName(), dir.toString(), images.toString())
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = out.readLine()) != null && !line.equals("open")) {
            lines.add(line);
        }
        assertEquals("child output: " + lines, "open", line);
        long committed = 0;
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            // one writer per directory, across processes too
            IndexLockedException locked = assertThrows(IndexLockedException.class, () -> ImageIndex.open(dir, sim));
            assertTrue(locked.getMessage(), locked.getMessage().contains(dir.toString()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try (ImageIndex reader = ImageIndex.openReadOnly(dir, sim)) {
                while ((committed = reader.size()) < 20 && System.nanoTime() < deadline && child.isAlive()) {
                    Thread.sleep(20);
                }
            }
            assertTrue("child died early", child.isAlive());
            child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no close
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue());
            assertTrue("committed " + committed, committed >= 20 && committed < count);

            List<Path> files;
            try (Stream<Path> s = Files.list(images)) {
                files = s.sorted().collect(Collectors.toList());
            }
            try (ImageIndex index = ImageIndex.open(dir, sim)) {
                long survived = index.size();
                assertTrue("survived " + survived + ", seen committed " + committed, survived >= committed && survived < count);
                // every surviving entry is whole: its own nearest neighbour
                for (Path f : files) {
                    if (index.embedding(f.toString()).isPresent()) {
                        assertEquals(f.toString(), index.search(f, 1).get(0).id());
                    }
                }
                IndexReport resumed = index.addAll(files, null);
                assertEquals(survived, resumed.skipped());
                assertEquals(count - survived, resumed.added());
                assertEquals(count, index.size());
            }
        } finally {
            child.destroyForcibly();
        }
    }

    /** The java launcher of this JVM. */
    static final class Paths {
        private Paths() {}

        static String javaBinary() {
            return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        }
    }
}
