package dev.imgsim.cli;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.imageio.ImageIO;

import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** The installed {@code imgsim} launcher, end to end, as a user runs it. */
public class CliTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    static Path photos;
    static Path root = Paths.get(System.getProperty("imgsim.root", ".")).toAbsolutePath();

    /** What one run printed and returned. */
    static final class Run {
        int code;
        String out;
        String err;

        @Override
        public String toString() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    static Run imgsim(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("imgsim.launcher", root.resolve("build/install/imgsim/bin/imgsim").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Process p = pb.start();
        p.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> copy(p.getErrorStream(), err));
        drain.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue("imgsim " + String.join(" ", args) + " timed out", p.waitFor(120, TimeUnit.SECONDS));
        drain.join();
        Run r = new Run();
        r.code = p.exitValue();
        r.out = new String(out, StandardCharsets.UTF_8);
        r.err = err.toString(StandardCharsets.UTF_8);
        return r;
    }

    static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process ended
        }
    }

    static BufferedImage scene(long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        BufferedImage img = new BufferedImage(200, 150, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        for (int i = 0; i < 12; i++) {
            g.setColor(new Color(rnd.nextInt(0xFFFFFF)));
            g.fillRect(rnd.nextInt(200), rnd.nextInt(150), 20 + rnd.nextInt(100), 20 + rnd.nextInt(80));
        }
        g.dispose();
        return img;
    }

    @BeforeClass
    public static void folder() throws IOException {
        photos = makePhotos(tmp.newFolder("photos").toPath());
    }

    /**
     * Two photos, a smaller JPEG copy of one of them, a drawing in a subfolder, a non-image file,
     * an empty file named like an image.
     */
    static Path makePhotos(Path photos) throws IOException {
        Files.copy(root.resolve("samples/chelsea.jpg"), photos.resolve("cat.jpg"));
        Files.copy(root.resolve("samples/rocket.jpg"), photos.resolve("rocket.jpg"));
        BufferedImage cat = ImageIO.read(root.resolve("samples/chelsea.jpg").toFile());
        BufferedImage smaller = new BufferedImage(cat.getWidth() / 2, cat.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = smaller.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(cat, 0, 0, smaller.getWidth(), smaller.getHeight(), null);
        g.dispose();
        ImageIO.write(smaller, "jpg", photos.resolve("cat-small.jpg").toFile());
        Files.createDirectory(photos.resolve("sub"));
        ImageIO.write(scene(1), "png", photos.resolve("sub/drawing.png").toFile());
        Files.write(photos.resolve("notes.txt"), "shopping list".getBytes(StandardCharsets.UTF_8));
        Files.write(photos.resolve("empty.jpg"), new byte[0]);
        return photos;
    }

    static JsonElement json(Run r) {
        try {
            return JsonParser.parseString(r.out);
        } catch (RuntimeException e) {
            throw new AssertionError("not JSON: " + r, e);
        }
    }

    @Test
    public void indexReportsFailuresWithExitCode1AndJsonCounts() throws Exception {
        Path idx = tmp.getRoot().toPath().resolve("idx-json");
        Run r = imgsim("index", photos.toString(), "--index", idx.toString(), "--json");
        assertEquals(r.toString(), 1, r.code);
        JsonObject o = json(r).getAsJsonObject();
        assertEquals(r.toString(), 4, o.get("added").getAsInt());
        assertEquals(4, o.get("indexed").getAsInt());
        JsonArray failed = o.getAsJsonArray("failed");
        assertEquals(1, failed.size());
        assertTrue(failed.get(0).getAsJsonObject().get("file").getAsString().endsWith("empty.jpg"));
        assertTrue(failed.get(0).getAsJsonObject().get("reason").getAsString().contains("empty"));
        assertTrue(o.getAsJsonArray("ignored").get(0).getAsString().endsWith("notes.txt"));
        // again: nothing new, the empty file still fails
        Run again = imgsim("index", photos.toString(), "--index", idx.toString(), "--json");
        assertEquals(4, json(again).getAsJsonObject().get("unchanged").getAsInt());
        assertFalse(json(again).getAsJsonObject().get("optimized").getAsBoolean());
        assertEquals(1, again.code);
        // merged into one segment: the same images, searches still answer
        Run merged = imgsim("index", photos.toString(), "--index", idx.toString(), "--json", "--optimize");
        assertTrue(merged.toString(), json(merged).getAsJsonObject().get("optimized").getAsBoolean());
        assertEquals(4, json(merged).getAsJsonObject().get("indexed").getAsInt());
        Run found = imgsim("search", photos.resolve("cat.jpg").toString(), "--index", idx.toString(), "-k", "1", "--json");
        assertEquals(photos.resolve("cat.jpg").toString(), json(found).getAsJsonArray().get(0).getAsJsonObject().get("id").getAsString());
        // human output names what was skipped and why
        Run human = imgsim("index", photos.toString(), "--index", idx.toString(), "--progress", "lines");
        assertTrue(human.out, human.out.contains("empty.jpg") && human.out.contains("notes.txt") && human.out.contains("4 unchanged"));
        assertTrue(human.err, human.err.contains("indexed 5/5 files"));
    }

    @Test
    public void searchAndDupesPrintJsonScriptsCanParse() throws Exception {
        Path idx = tmp.getRoot().toPath().resolve("idx-search");
        assertEquals(1, imgsim("index", photos.toString(), "--index", idx.toString()).code);
        Run s = imgsim("search", photos.resolve("cat.jpg").toString(), "--index", idx.toString(), "-k", "3", "--json");
        assertEquals(s.toString(), 0, s.code);
        JsonArray hits = json(s).getAsJsonArray();
        assertEquals(3, hits.size());
        assertEquals(photos.resolve("cat.jpg").toString(), hits.get(0).getAsJsonObject().get("id").getAsString());
        assertTrue(hits.get(0).getAsJsonObject().get("similarity").getAsDouble() >= 0.999);
        assertEquals(photos.resolve("cat-small.jpg").toString(), hits.get(1).getAsJsonObject().get("id").getAsString());

        Run d = imgsim("dupes", "--index", idx.toString(), "--threshold", "0.85", "--json");
        assertEquals(d.toString(), 0, d.code);
        JsonArray groups = json(d).getAsJsonArray();
        assertEquals(d.toString(), 1, groups.size());
        JsonObject g = groups.get(0).getAsJsonObject();
        assertEquals(List.of(photos.resolve("cat-small.jpg").toString(), photos.resolve("cat.jpg").toString()),
                List.of(g.getAsJsonArray("ids").get(0).getAsString(), g.getAsJsonArray("ids").get(1).getAsString()));
        assertTrue(g.get("similarity").getAsDouble() >= 0.85);

        Run text = imgsim("search", photos.resolve("cat.jpg").toString(), "--index", idx.toString(), "-k", "1");
        assertTrue(text.out, text.out.matches("1\\.0000  .*cat\\.jpg\\R"));
    }

    @Test
    public void anIndexWithoutCopyFeaturesHasNoCopiesAndDupesSaysWhy() throws Exception {
        Path idx = tmp.getRoot().toPath().resolve("idx-no-copies");
        Run i = imgsim("index", photos.toString(), "--index", idx.toString(), "--no-copies");
        assertEquals(i.toString(), 1, i.code); // as without it: one file of the folder is not an image
        Run d = imgsim("dupes", "--index", idx.toString(), "--json");
        assertEquals(d.toString(), 0, d.code);
        assertEquals(d.toString(), 0, json(d).getAsJsonArray().size());
        assertTrue(d.err, d.err.contains("no copy features") && d.err.contains("--no-copies"));
        // indexed again without it: the files are analysed and the copy found
        assertEquals(1, imgsim("index", photos.toString(), "--index", idx.toString()).code);
        Run again = imgsim("dupes", "--index", idx.toString(), "--json");
        assertEquals(again.toString(), 1, json(again).getAsJsonArray().size());
        assertFalse(again.err, again.err.contains("no copy features"));
    }

    @Test
    public void dupesReportsVerifiedCopiesByDefaultAndSearchCopiesNamesTheTurn() throws Exception {
        Path idx = tmp.getRoot().toPath().resolve("idx-copies");
        assertEquals(1, imgsim("index", photos.toString(), "--index", idx.toString()).code);
        Run d = imgsim("dupes", "--index", idx.toString(), "--json");
        assertEquals(d.toString(), 0, d.code);
        JsonArray groups = json(d).getAsJsonArray();
        assertEquals(d.toString(), 1, groups.size());
        JsonObject g = groups.get(0).getAsJsonObject();
        assertEquals(List.of(photos.resolve("cat-small.jpg").toString(), photos.resolve("cat.jpg").toString()),
                List.of(g.getAsJsonArray("ids").get(0).getAsString(), g.getAsJsonArray("ids").get(1).getAsString()));
        JsonObject pair = g.getAsJsonArray("pairs").get(0).getAsJsonObject();
        assertTrue(pair.toString(), pair.get("copy").getAsBoolean());
        assertTrue(pair.toString(), pair.get("band").getAsString().endsWith("_copy"));
        assertEquals(pair.toString(), "none", pair.get("transform").getAsString());
        assertTrue(pair.get("confidence").getAsDouble() > 0.5 && g.get("confidence").getAsDouble() > 0.5);
        Run text = imgsim("dupes", "--index", idx.toString());
        assertTrue(text.out, text.out.startsWith("1 copy group (2 images of 4), verified") && text.out.contains("copy"));

        BufferedImage cat = ImageIO.read(photos.resolve("cat.jpg").toFile());
        BufferedImage turned = new BufferedImage(cat.getHeight(), cat.getWidth(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < cat.getHeight(); y++) {
            for (int x = 0; x < cat.getWidth(); x++) {
                turned.setRGB(y, cat.getWidth() - 1 - x, cat.getRGB(x, y)); // 90 degrees counter-clockwise
            }
        }
        Path q = tmp.getRoot().toPath().resolve("turned-cat.png");
        ImageIO.write(turned, "png", q.toFile());
        Run s = imgsim("search", q.toString(), "--index", idx.toString(), "--copies", "-k", "2", "--json");
        assertEquals(s.toString(), 0, s.code);
        JsonArray hits = json(s).getAsJsonArray();
        JsonObject top = hits.get(0).getAsJsonObject();
        assertTrue(top.toString(), top.get("id").getAsString().endsWith("cat.jpg") && top.get("copy").getAsBoolean());
        assertEquals(top.toString(), "turn_90", top.get("transform").getAsString());
        Run plain = imgsim("search", q.toString(), "--index", idx.toString(), "--copies", "-k", "1");
        assertTrue(plain.out, plain.out.contains("turned 90°"));
        Run c = imgsim("compare", photos.resolve("cat.jpg").toString(), q.toString(), "--json");
        assertEquals(c.toString(), 0, c.code);
        assertEquals("turn_90", json(c).getAsJsonObject().get("transform").getAsString());
        assertEquals(2, imgsim("search", q.toString(), "--index", idx.toString(), "--copies", "--exact").code);
        assertEquals(2, imgsim("dupes", "--index", idx.toString(), "--exact").code);

        // check: the turned cat is already indexed (exit 1), a new picture is not (exit 0), garbage is an error (exit 2)
        BufferedImage noise = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        java.util.Random rnd = new java.util.Random(5);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, ((x / 40 + y / 30) % 2 == 0 ? 0x204080 : 0xe0c020) ^ rnd.nextInt(0x10));
            }
        }
        Path fresh = tmp.getRoot().toPath().resolve("fresh.png");
        ImageIO.write(noise, "png", fresh.toFile());
        Run ck = imgsim("check", q.toString(), fresh.toString(), "--index", idx.toString(), "--json");
        assertEquals(ck.toString(), 1, ck.code);
        JsonArray checked = json(ck).getAsJsonArray();
        assertEquals(2, checked.size());
        JsonObject first = checked.get(0).getAsJsonObject();
        assertTrue(first.toString(), first.get("found").getAsBoolean());
        assertTrue(first.toString(), first.getAsJsonArray("matches").get(0).getAsJsonObject().get("id").getAsString().endsWith("cat.jpg"));
        assertEquals("turn_90", first.getAsJsonArray("matches").get(0).getAsJsonObject().get("transform").getAsString());
        assertEquals(checked.toString(), false, checked.get(1).getAsJsonObject().get("found").getAsBoolean());
        Run none = imgsim("check", fresh.toString(), "--index", idx.toString());
        assertEquals(none.toString(), 0, none.code);
        assertTrue(none.out, none.out.trim().endsWith("not indexed"));
        Path garbage = tmp.getRoot().toPath().resolve("garbage.jpg");
        java.nio.file.Files.write(garbage, new byte[] {1, 2, 3, 4});
        Run bad = imgsim("check", garbage.toString(), fresh.toString(), "--index", idx.toString());
        assertEquals(bad.toString(), 2, bad.code);
        assertTrue(bad.err, bad.err.contains("garbage.jpg"));
        assertTrue(bad.out, bad.out.contains("not indexed"));

        // search takes several images in one run
        Run many = imgsim("search", photos.resolve("cat.jpg").toString(), q.toString(), "--index", idx.toString(), "-k", "1",
                "--json");
        assertEquals(many.toString(), 0, many.code);
        JsonArray results = json(many).getAsJsonArray();
        assertEquals(2, results.size());
        assertEquals(q.toString(), results.get(1).getAsJsonObject().get("query").getAsString());
        assertTrue(results.get(0).getAsJsonObject().getAsJsonArray("hits").get(0).getAsJsonObject().get("id").getAsString()
                .endsWith("cat.jpg"));
        Run manyText = imgsim("search", photos.resolve("cat.jpg").toString(), q.toString(), "--index", idx.toString(), "-k", "1");
        assertTrue(manyText.out, manyText.out.startsWith("# " + photos.resolve("cat.jpg")));
    }

    @Test
    public void anEmptyFolderIndexesNothingAndSucceeds() throws Exception {
        Path empty = tmp.newFolder("empty-folder").toPath();
        Path idx = tmp.getRoot().toPath().resolve("idx-empty");
        Run r = imgsim("index", empty.toString(), "--index", idx.toString(), "--json");
        assertEquals(r.toString(), 0, r.code);
        assertEquals(0, json(r).getAsJsonObject().get("files").getAsInt());
        Run d = imgsim("dupes", "--index", idx.toString(), "--json");
        assertEquals(0, d.code);
        assertEquals(0, json(d).getAsJsonArray().size());
    }

    @Test
    public void aMissingIndexOrFolderIsAFatalErrorWithExitCode2() throws Exception {
        Path missing = tmp.getRoot().toPath().resolve("no-such-index");
        Run s = imgsim("search", photos.resolve("cat.jpg").toString(), "--index", missing.toString());
        assertEquals(s.toString(), 2, s.code);
        assertTrue(s.err, s.err.contains(missing.toString()) && s.err.contains("no index"));
        assertEquals(2, imgsim("dupes", "--index", missing.toString()).code);
        Run noDir = imgsim("index", photos.resolve("nope").toString(), "--index", missing.toString());
        assertEquals(2, noDir.code);
        assertTrue(noDir.err, noDir.err.contains("does not exist"));
    }

    @Test
    public void usageErrorsExitWith2AndEveryCommandHasHelp() throws Exception {
        assertEquals(2, imgsim().code);
        assertEquals(2, imgsim("frobnicate").code);
        assertEquals(2, imgsim("search", "x.jpg").code); // --index missing
        Run bad = imgsim("dupes", "--index", "x", "--threshold", "high");
        assertEquals(2, bad.code);
        assertTrue(bad.err, bad.err.contains("--threshold"));
        for (String c : new String[] {"index", "search", "check", "dupes", "undo", "decisions", "compare", "calibrate", "matrix",
                "embed", "text"}) {
            Run h = imgsim(c, "--help");
            assertEquals(h.toString(), 0, h.code);
            assertTrue(h.out, h.out.startsWith("Usage: imgsim " + c));
            // picocli warns on stderr when a description is not a valid format string (a bare "%")
            assertFalse(c + ": " + h.err, h.err.contains("WARN"));
        }
        Run top = imgsim("--help");
        assertEquals(0, top.code);
        assertTrue(top.out.contains("Exit codes"));
    }

    @Test
    public void calibrateFitsTheCopyThresholdToLabelledPairs() throws Exception {
        Path pairs = tmp.getRoot().toPath().resolve("pairs.tsv");
        Files.write(pairs, String.join("\n", "# labelled by hand; paths relative to this file",
                "copy\tphotos/cat.jpg\tphotos/cat-small.jpg",
                "different\tphotos/cat.jpg\tphotos/rocket.jpg",
                "different\t" + photos.resolve("rocket.jpg") + "\t" + photos.resolve("sub/drawing.png"), "").getBytes(StandardCharsets.UTF_8));
        Run r = imgsim("calibrate", pairs.toString(), "--json");
        assertEquals(r.toString(), 0, r.code);
        JsonObject o = json(r).getAsJsonObject();
        assertEquals(1, o.get("copies").getAsInt());
        assertEquals(2, o.get("different").getAsInt());
        assertEquals(r.out, 1.0, o.get("precision").getAsDouble(), 0);
        assertEquals(r.out, 1.0, o.get("recall").getAsDouble(), 0);
        double t = o.get("threshold").getAsDouble();
        JsonArray ps = o.getAsJsonArray("pairs");
        assertEquals(3, ps.size());
        assertTrue(r.out, ps.get(0).getAsJsonObject().get("confidence").getAsDouble() >= t);
        assertTrue(r.out, ps.get(1).getAsJsonObject().get("confidence").getAsDouble() < t);
        Run text = imgsim("calibrate", pairs.toString());
        assertTrue(text.out, text.out.contains("3 labelled pairs: 1 copies, 2 different") && text.out.contains("--copy-threshold"));
        // a fitted threshold is accepted where copies are decided; nonsense is a usage error
        Path idx = tmp.getRoot().toPath().resolve("idx-calibrated");
        imgsim("index", photos.toString(), "--index", idx.toString());
        Run d = imgsim("dupes", "--index", idx.toString(), "--copy-threshold", Double.toString(t), "--json");
        assertEquals(d.toString(), 0, d.code);
        assertEquals(d.out, 1, json(d).getAsJsonArray().size());
        Run never = imgsim("dupes", "--index", idx.toString(), "--copy-threshold", "1", "--json");
        assertEquals(never.out, 0, json(never).getAsJsonArray().size());
        assertEquals(2, imgsim("dupes", "--index", idx.toString(), "--copy-threshold", "1.5").code);
        assertEquals(2, imgsim("dupes", "--index", idx.toString(), "--copy-threshold", "0.9", "--strict").code);
        Files.write(pairs, "copy\tphotos/cat.jpg\n".getBytes(StandardCharsets.UTF_8));
        Run bad = imgsim("calibrate", pairs.toString());
        assertEquals(bad.toString(), 2, bad.code);
        assertTrue(bad.err, bad.err.contains("line 1"));
    }

    @Test
    public void compareAndMatrix() throws Exception {
        Run c = imgsim("compare", photos.resolve("cat.jpg").toString(), photos.resolve("cat-small.jpg").toString(), "--json");
        assertEquals(c.toString(), 0, c.code);
        assertTrue(json(c).getAsJsonObject().get("similarity").getAsDouble() > 0.85);
        Run bad = imgsim("compare", photos.resolve("cat.jpg").toString(), photos.resolve("notes.txt").toString());
        assertEquals(bad.toString(), 1, bad.code);
        assertTrue(bad.err, bad.err.contains("notes.txt"));
        Run m = imgsim("matrix", photos.toString(), "--json");
        assertEquals(m.toString(), 1, m.code); // the empty .jpg fails, the rest is printed
        JsonObject o = json(m).getAsJsonObject();
        assertEquals(4, o.getAsJsonArray("files").size());
        assertEquals(1.0, o.getAsJsonArray("matrix").get(0).getAsJsonArray().get(0).getAsDouble(), 1e-5);
    }

    @Test
    public void textIndexReportsBadLinesAndTextSearchFindsByMeaning() throws Exception {
        Path jsonl = tmp.newFile("docs.jsonl").toPath();
        Files.write(jsonl, String.join("\n",
                "{\"id\": \"ssh\", \"text\": \"Secure shell client: log into remote machines over an encrypted connection.\"}",
                "{\"id\": \"png\", \"text\": \"Library for reading and writing PNG image files.\"}",
                "{\"id\": \"broken\"",
                "",
                "{\"id\": 7, \"text\": \"an id that is a number\"}",
                "{\"id\": \"bread\", \"text\": \"Recipes for baking sourdough bread at home.\", \"extra\": [1, 2]}",
                "[\"not an object\"]").getBytes(StandardCharsets.UTF_8));
        Path idx = tmp.getRoot().toPath().resolve("text-index");
        Run ix = imgsim("text", "index", jsonl.toString(), "--index", idx.toString());
        assertEquals(ix.toString(), 1, ix.code); // some lines were bad, the others indexed
        assertTrue(ix.out, ix.out.contains("indexed 3 texts"));
        for (String line : new String[] {":3: not valid JSON", ":5: \"id\" is not a string", ":7: not a JSON object"}) {
            assertTrue(ix.err, ix.err.contains(jsonl + line));
        }
        Run s = imgsim("text", "search", "log in to a server remotely", "--index", idx.toString(), "-k", "2", "--json");
        assertEquals(s.toString(), 0, s.code);
        JsonArray hits = json(s).getAsJsonArray();
        assertEquals(2, hits.size());
        assertEquals("ssh", hits.get(0).getAsJsonObject().get("id").getAsString());
        assertTrue(hits.get(0).getAsJsonObject().get("similarity").getAsDouble()
                > hits.get(1).getAsJsonObject().get("similarity").getAsDouble());
        Run plain = imgsim("text", "search", "baking", "--index", idx.toString(), "-k", "1");
        assertEquals(plain.toString(), 0, plain.code);
        assertTrue(plain.out, plain.out.trim().endsWith("bread"));
        // by words only: "sourdough" is in one text, so BM25 returns that one alone
        Run words = imgsim("text", "search", "sourdough", "--index", idx.toString(), "-k", "3", "--mode", "bm25", "--json");
        assertEquals(words.toString(), 0, words.code);
        assertEquals(1, json(words).getAsJsonArray().size());
        assertEquals(3, json(imgsim("text", "search", "sourdough", "--index", idx.toString(), "-k", "3", "--mode", "dense",
                "--json")).getAsJsonArray().size());
        // reranked by a cross-encoder (the seeded tiny test model: its order is its own, not the first stage's)
        Run rr = imgsim("text", "search", "log in to a server remotely", "--index", idx.toString(), "-k", "2", "--rerank",
                root.resolve("models/fixtures/ce-tiny").toString(), "--rerank-depth", "3", "--json");
        assertEquals(rr.toString(), 0, rr.code);
        JsonArray reranked = json(rr).getAsJsonArray();
        assertEquals(2, reranked.size());
        double first = reranked.get(0).getAsJsonObject().get("rerank").getAsDouble();
        assertTrue(rr.out, first >= reranked.get(1).getAsJsonObject().get("rerank").getAsDouble());
        Run noDepth = imgsim("text", "search", "x", "--index", idx.toString(), "--rerank-depth", "5");
        assertEquals(noDepth.toString(), 2, noDepth.code);
        assertTrue(noDepth.err, noDepth.err.contains("--rerank-depth needs --rerank"));
        // a second load merged into one segment: the index answers as before
        Path more = tmp.newFile("more.jsonl").toPath();
        Files.write(more, "{\"id\": \"tea\", \"text\": \"How to brew green tea.\"}\n".getBytes(StandardCharsets.UTF_8));
        Run opt = imgsim("text", "index", more.toString(), "--index", idx.toString(), "--optimize");
        assertEquals(opt.toString(), 0, opt.code);
        assertTrue(opt.out, opt.out.contains("(4 in the index, merged into one segment)"));
        try (java.util.stream.Stream<Path> files = Files.list(idx)) {
            assertEquals("one segment", 1, files.filter(f -> f.getFileName().toString().endsWith(".si")).count());
        }
        assertEquals("ssh", json(imgsim("text", "search", "log in to a server remotely", "--index", idx.toString(), "-k", "1",
                "--json")).getAsJsonArray().get(0).getAsJsonObject().get("id").getAsString());
        Run badMode = imgsim("text", "search", "x", "--index", idx.toString(), "--mode", "fuzzy");
        assertEquals(badMode.toString(), 2, badMode.code);
        assertTrue(badMode.err, badMode.err.contains("--mode must be hybrid, dense or bm25"));
        Run e = imgsim("text", "embed", "hello");
        assertEquals(e.toString(), 0, e.code);
        assertEquals(384, json(e).getAsJsonArray().size());
        assertEquals(2, imgsim("text", "search", "x").code); // --index missing
        Run missing = imgsim("text", "search", "x", "--index", tmp.getRoot().toPath().resolve("nothing").toString());
        assertEquals(missing.toString(), 2, missing.code);
        for (String c : new String[] {"index", "search", "embed"}) {
            Run h = imgsim("text", c, "--help");
            assertEquals(h.toString(), 0, h.code);
            assertTrue(h.out, h.out.startsWith("Usage: imgsim text " + c));
            assertFalse(c + ": " + h.err, h.err.contains("WARN"));
        }
    }
}
