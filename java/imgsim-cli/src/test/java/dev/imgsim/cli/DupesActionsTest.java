package dev.imgsim.cli;

import static dev.imgsim.cli.CliTest.imgsim;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.imgsim.dupes.FileFacts;

/**
 * {@code imgsim dupes --keep/--action/--apply}, {@code imgsim undo} and {@code imgsim decisions}
 * through the installed launcher, on real photos with planted copies.
 */
public class DupesActionsTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final Path SAMPLES = Paths.get(System.getProperty("imgsim.root", ".")).toAbsolutePath().resolve("samples");

    /** lib/: three photos; lib/copies/: a half-size PNG of each; ref/: a byte copy of one; then indexed. */
    private Path[] library() throws Exception {
        Path top = tmp.newFolder("photos").toPath();
        Path lib = Files.createDirectories(top.resolve("lib"));
        Path copies = Files.createDirectories(lib.resolve("copies"));
        Path ref = Files.createDirectories(top.resolve("ref"));
        for (String name : new String[] {"astronaut", "coffee", "rocket"}) {
            Files.copy(SAMPLES.resolve(name + ".jpg"), lib.resolve(name + ".jpg"));
            BufferedImage img = ImageIO.read(SAMPLES.resolve(name + ".jpg").toFile());
            BufferedImage half = new BufferedImage(img.getWidth() / 2, img.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
            half.createGraphics().drawImage(img.getScaledInstance(half.getWidth(), half.getHeight(), Image.SCALE_AREA_AVERAGING),
                    0, 0, null);
            ImageIO.write(half, "png", copies.resolve(name + "-half.png").toFile());
        }
        Files.copy(SAMPLES.resolve("astronaut.jpg"), ref.resolve("astronaut-ref.jpg"));
        Path idx = top.resolve("idx");
        CliTest.Run r = imgsim("index", top.toString(), "--index", idx.toString());
        assertEquals(r.toString(), 0, r.code);
        return new Path[] {top, lib, ref, idx};
    }

    private static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.toString().contains("/idx/")) {
                    out.put(dir.relativize(p).toString(), FileFacts.sha256(p));
                }
            }
        }
        return out;
    }

    private static JsonArray json(CliTest.Run r) {
        assertEquals(r.toString(), 0, r.code);
        return JsonParser.parseString(r.out).getAsJsonArray();
    }

    private static JsonObject groupOf(JsonArray groups, String file) {
        for (JsonElement g : groups) {
            for (JsonElement id : g.getAsJsonObject().getAsJsonArray("ids")) {
                if (id.getAsString().endsWith(file)) {
                    return g.getAsJsonObject();
                }
            }
        }
        return null;
    }

    @Test
    public void moveIsADryRunUntilApplyThenMovesExactlyTheNonKeepersAndUndoRestoresEverything() throws Exception {
        Path[] l = library();
        Path top = l[0];
        Path lib = l[1];
        Path ref = l[2];
        Path idx = l[3];
        Path out = tmp.newFolder("dupes-out").toPath();
        Map<String, String> before = hashes(top);
        String[] move = {"dupes", "--index", idx.toString(), "--keep", "largest,oldest", "--reference", ref.toString(),
            "--action", "move", "--to", out.toString(), "--json"};
        JsonArray plan = json(imgsim(move));
        assertEquals("astronaut (3 files), coffee, rocket", 3, plan.size());
        JsonObject astronaut = groupOf(plan, "astronaut-ref.jpg");
        assertNotNull(plan.toString(), astronaut);
        assertEquals("the reference copy is kept", ref.resolve("astronaut-ref.jpg").toString(), astronaut.get("keep").getAsString());
        assertEquals("largest (kept) vs half size", lib.resolve("coffee.jpg").toString(),
                groupOf(plan, "coffee.jpg").get("keep").getAsString());
        assertEquals("a dry run touches nothing", before, hashes(top));
        assertEquals(0, hashes(out).size());

        Path journal = tmp.getRoot().toPath().resolve("journal.jsonl");
        List<String> apply = new ArrayList<>(List.of(move));
        apply.addAll(List.of("--apply", "--journal", journal.toString()));
        JsonArray applied = json(imgsim(apply.toArray(new String[0])));
        int moved = 0;
        for (JsonElement g : applied) {
            for (JsonElement a : g.getAsJsonObject().getAsJsonArray("actions")) {
                assertEquals(a.toString(), "applied", a.getAsJsonObject().get("status").getAsString());
                Path from = Paths.get(a.getAsJsonObject().get("file").getAsString());
                Path to = Paths.get(a.getAsJsonObject().get("to").getAsString());
                assertFalse(from + " moved away", Files.exists(from));
                assertEquals(before.get(top.relativize(from).toString()), FileFacts.sha256(to));
                assertTrue(to + " below --to", to.startsWith(out));
                moved++;
            }
            assertTrue("keepers stay", Files.exists(Paths.get(g.getAsJsonObject().get("keep").getAsString())));
        }
        assertEquals("lib/astronaut.jpg and the three half-size copies", 4, moved);
        assertTrue("reference files are never touched", Files.exists(ref.resolve("astronaut-ref.jpg")));

        CliTest.Run undo = imgsim("undo", journal.toString());
        assertEquals(undo.toString(), 0, undo.code);
        assertTrue(undo.out, undo.out.startsWith("4 restored"));
        assertEquals("undo restores every file byte for byte", before, hashes(top));
        CliTest.Run again = imgsim("undo", journal.toString());
        assertTrue("a second undo does nothing: " + again.out, again.out.startsWith("0 restored"));
    }

    @Test
    public void hardlinksKeepTheOriginalsInTheTrashAndChangedFilesAreLeftAlone() throws Exception {
        Path[] l = library();
        Path top = l[0];
        Path lib = l[1];
        Path idx = l[3];
        Map<String, String> before = hashes(top);
        // a file changed after indexing is never acted on
        Files.setLastModifiedTime(lib.resolve("copies/rocket-half.png"), java.nio.file.attribute.FileTime.fromMillis(0));
        Path journal = tmp.getRoot().toPath().resolve("links.jsonl");
        JsonArray applied = json(imgsim("dupes", "--index", idx.toString(), "--action", "hardlink", "--apply", "--journal",
                journal.toString(), "--json"));
        JsonObject coffee = groupOf(applied, "coffee.jpg");
        JsonObject link = coffee.getAsJsonArray("actions").get(0).getAsJsonObject();
        assertEquals("applied", link.get("status").getAsString());
        assertTrue("the copy is now the kept file", Files.isSameFile(lib.resolve("copies/coffee-half.png"), lib.resolve("coffee.jpg")));
        assertEquals("its original waits in the trash", before.get("lib/copies/coffee-half.png"),
                FileFacts.sha256(Paths.get(link.get("to").getAsString())));
        assertTrue(Paths.get(link.get("to").getAsString()).startsWith(idx.resolve("imgsim-trash")));
        JsonObject rocket = groupOf(applied, "rocket.jpg").getAsJsonArray("actions").get(0).getAsJsonObject();
        assertEquals("skipped", rocket.get("status").getAsString());
        assertTrue(rocket.toString(), rocket.get("reason").getAsString().contains("changed since it was indexed"));
        assertEquals(0, imgsim("undo", journal.toString()).code);
        assertEquals(before, hashes(top));
        assertFalse(Files.isSameFile(lib.resolve("copies/coffee-half.png"), lib.resolve("coffee.jpg")));
    }

    @Test
    public void killedMidApplyNothingIsLostAndUndoRestoresIt() throws Exception {
        Path[] l = library();
        Path top = l[0];
        Path idx = l[3];
        Map<String, String> before = hashes(top);
        Random rnd = new Random(42);
        Path out = tmp.newFolder("killed-out").toPath();
        String launcher = System.getProperty("imgsim.launcher",
                Paths.get(System.getProperty("imgsim.root", ".")).toAbsolutePath().resolve("build/install/imgsim/bin/imgsim").toString());
        int tries = Integer.getInteger("imgsim.test.killTries", 4); // gradle :imgsim-cli:test -PkillTries=20
        for (int attempt = 0; attempt < tries; attempt++) {
            Path journal = tmp.getRoot().toPath().resolve("killed-" + attempt + ".jsonl");
            ProcessBuilder pb = new ProcessBuilder(launcher, "dupes", "--index", idx.toString(), "--action",
                    attempt % 2 == 0 ? "move" : "symlink", "--to", out.toString(), "--apply", "--journal", journal.toString());
            pb.environment().put("JAVA_OPTS", "-Dimgsim.test.stepDelayMs=400");
            pb.redirectErrorStream(true).redirectOutput(tmp.getRoot().toPath().resolve("killed-" + attempt + ".log").toFile());
            Process p = pb.start();
            // wait for the first step to begin, then kill at a random moment of the four (each >= 400 ms)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!(Files.exists(journal) && Files.readString(journal).contains("\"begin\"")) && p.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long wait = rnd.nextInt(1200);
            Thread.sleep(wait);
            assertTrue("attempt " + attempt + " was still applying when killed", p.isAlive());
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            String log = Files.readString(journal);
            assertTrue("killed mid-apply: " + log, log.contains("\"begin\""));
            CliTest.Run undo = imgsim("undo", journal.toString());
            assertEquals("attempt " + attempt + " (killed " + wait + " ms into the apply): " + undo, 0, undo.code);
            assertEquals("attempt " + attempt + ": every file back, byte for byte", before, hashes(top));
        }
    }

    @Test
    public void decisionsSplitAndHideGroupsAndSurviveRenamesAndReindexing() throws Exception {
        Path[] l = library();
        Path top = l[0];
        Path lib = l[1];
        Path idx = l[3];
        CliTest.Run mark = imgsim("decisions", "--index", idx.toString(), "--not-duplicate", lib.resolve("rocket.jpg").toString(),
                lib.resolve("copies/rocket-half.png").toString());
        assertEquals(mark.toString(), 0, mark.code);
        assertEquals(0, imgsim("decisions", "--index", idx.toString(), "--resolved", lib.resolve("coffee.jpg").toString(),
                lib.resolve("copies/coffee-half.png").toString()).code);
        JsonArray groups = json(imgsim("dupes", "--index", idx.toString(), "--json"));
        assertEquals("only the astronaut group is left: " + groups, 1, groups.size());
        assertNotNull(groupOf(groups, "astronaut.jpg"));
        assertEquals(3, json(imgsim("dupes", "--index", idx.toString(), "--json", "--all")).size());

        // every file renamed, a new index built, the verdicts carried over by export/import
        Path exported = tmp.getRoot().toPath().resolve("decisions.jsonl");
        assertEquals(0, imgsim("decisions", "--index", idx.toString(), "--export", exported.toString()).code);
        Path renamed = tmp.newFolder("renamed").toPath();
        try (Stream<Path> s = Files.walk(top)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p) && !p.startsWith(idx)) {
                    Files.copy(p, renamed.resolve("img-" + Integer.toHexString(p.toString().hashCode()) + "-"
                            + p.getFileName().toString().replaceAll(".*\\.", "x.")));
                }
            }
        }
        Path idx2 = tmp.getRoot().toPath().resolve("idx2");
        assertEquals(0, imgsim("index", renamed.toString(), "--index", idx2.toString()).code);
        assertEquals(0, imgsim("decisions", "--index", idx2.toString(), "--import", exported.toString()).code);
        assertEquals("the verdicts hold after renaming and re-indexing", 1,
                json(imgsim("dupes", "--index", idx2.toString(), "--json")).size());
        CliTest.Run bad = imgsim("decisions", "--index", idx2.toString(), "--import", tmp.newFile("bad.jsonl").toPath()
                .toString());
        assertEquals("an empty file imports nothing", 0, bad.code);
    }
}
