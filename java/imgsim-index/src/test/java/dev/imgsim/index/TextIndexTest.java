package dev.imgsim.index;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.text.TextEmbedder;

/** TextIndex: text embeddings stored and searched the way ImageIndex stores image embeddings. */
public class TextIndexTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    static TextEmbedder text;

    @BeforeClass
    public static void setUp() {
        text = TextEmbedder.create();
    }

    @AfterClass
    public static void tearDown() {
        text.close();
    }

    static final List<String> IDS = Arrays.asList("png", "ssh", "kernel", "chess", "bread");
    static final List<String> DOCS = Arrays.asList(
            "Library for reading and writing PNG image files, with support for transparency and gamma.",
            "Secure shell client: log into remote machines over an encrypted connection.",
            "The Linux kernel: drivers, scheduling and memory management for the operating system.",
            "A chess engine that plays strong games and analyses positions.",
            "Recipes for baking sourdough bread and other loaves at home.");

    @Test
    public void documentsAreFoundByMeaningAndPersist() throws Exception {
        Path dir = tmp.newFolder("idx").toPath();
        try (TextIndex idx = TextIndex.open(dir, text)) {
            idx.addAll(IDS, DOCS);
            idx.add("extra", "something else entirely", java.util.Collections.singletonMap("lang", "en"));
            assertEquals(6, idx.size());
            assertEquals("ssh", idx.search("connect to a server remotely", 3).get(0).id());
            assertEquals("bread", idx.search("how to bake a loaf", 3).get(0).id());
        }
        try (TextIndex ro = TextIndex.openReadOnly(dir, text)) {
            List<Hit> hits = ro.search("picture file format", 2);
            assertEquals("png", hits.get(0).id());
            assertTrue(hits.get(0).similarity() > hits.get(1).similarity());
            assertEquals("en", ro.search("something else entirely", 1).get(0).fields().get("lang"));
            assertTrue(ro.searchAbove("chess", 0.99).isEmpty());
            try {
                ro.add("x", "y");
                fail("read-only");
            } catch (IllegalStateException expected) {
            }
        }
        try (TextIndex idx = TextIndex.open(dir, text)) {
            assertTrue(idx.remove("chess"));
            assertEquals(5, idx.size());
        }
    }

    @Test
    public void anIndexOfAnotherModelIsRefused() throws Exception {
        Path dir = tmp.newFolder("other").toPath();
        try (VectorIndex other = VectorIndex.open(dir, "some-image-model", 384, IndexOptions.defaults())) {
            float[] v = new float[384];
            v[0] = 1;
            other.add("a", v, java.util.Collections.<String, String>emptyMap());
        }
        try {
            TextIndex.open(dir, text).close();
            fail("another model's index");
        } catch (ModelMismatchException expected) {
            assertTrue(expected.getMessage(), Files.exists(dir));
        }
        try (TextIndex idx = TextIndex.open(tmp.newFolder("fresh").toPath(), text)) {
            idx.addAll(Arrays.asList("a"), Arrays.asList("b", "c"));
            fail("ids and documents must pair up");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("1 ids for 2 documents"));
        }
    }
}
