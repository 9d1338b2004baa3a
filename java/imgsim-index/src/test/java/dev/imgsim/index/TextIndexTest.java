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
            List<Hit> hits = ro.search("picture file format", 2, SearchMode.DENSE);
            assertEquals("png", hits.get(0).id());
            assertTrue(hits.get(0).similarity() > hits.get(1).similarity());
            assertEquals("png", ro.search("picture file format", 2).get(0).id());
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

    @Test
    public void bm25FindsOnlyDocumentsSharingAWordAndHybridFusesBothLists() throws Exception {
        try (TextIndex idx = TextIndex.open(tmp.newFolder("modes").toPath(), text)) {
            idx.addAll(IDS, DOCS);
            // "sourdough" is in one document only: BM25 returns just it; dense ranks every document
            List<Hit> words = idx.search("sourdough", 5, SearchMode.BM25);
            assertEquals(1, words.size());
            assertEquals("bread", words.get(0).id());
            assertEquals(5, idx.search("sourdough", 5, SearchMode.DENSE).size());
            // stemming (EnglishAnalyzer): "engines" matches "engine"
            assertEquals("chess", idx.search("engines", 5, SearchMode.BM25).get(0).id());
            // no shared word: BM25 finds nothing, hybrid falls back to meaning
            assertTrue(idx.search("xyzzy quux", 5, SearchMode.BM25).isEmpty());
            List<Hit> dense = idx.search("log in to a server", 5, SearchMode.DENSE);
            assertEquals(dense.get(0).id(), idx.search("log in to a server", 5).get(0).id());
            // every hit keeps its cosine in every mode
            Hit viaWords = words.get(0);
            Hit viaMeaning = idx.search("sourdough", 5, SearchMode.DENSE).stream()
                    .filter(h -> h.id().equals("bread")).findFirst().get();
            assertEquals(viaMeaning.similarity(), viaWords.similarity(), 1e-6);
            // a document that only the words find still comes back in hybrid
            idx.add("opaque", "qwxzv-7 utility");
            assertEquals("opaque", idx.search("qwxzv", 1, SearchMode.BM25).get(0).id());
            // RRF: first in BM25 beats anything first only in dense; linear: 0.5 + its dense share
            assertEquals("opaque", idx.search("qwxzv", 1, Fusion.rrf(60, 1, 1)).get(0).id());
            assertTrue(idx.search("qwxzv", 2, Fusion.linear(0.5)).stream().anyMatch(h -> h.id().equals("opaque")));
        }
    }

    @Test
    public void fusionOrdersByWeightedRanksOrScores() {
        java.util.List<java.util.Map.Entry<String, Double>> a = Arrays.asList(entry("x", 0.9), entry("y", 0.8), entry("z", 0.1));
        java.util.List<java.util.Map.Entry<String, Double>> b = Arrays.asList(entry("z", 12.0), entry("y", 11.0));
        // RRF k=0: x 1/1, y 1/2 + 1/2, z 1/3 + 1/1
        List<java.util.Map.Entry<String, Double>> rrf = Fusion.rrf(0, 1, 1).fuse(a, b);
        assertEquals(Arrays.asList("z", "x", "y"), Arrays.asList(rrf.get(0).getKey(), rrf.get(1).getKey(), rrf.get(2).getKey()));
        // linear, dense only: the dense order
        List<java.util.Map.Entry<String, Double>> dense = Fusion.linear(1.0).fuse(a, b);
        assertEquals("x", dense.get(0).getKey());
        // linear, words only: the BM25 order
        assertEquals("z", Fusion.linear(0.0).fuse(a, b).get(0).getKey());
        try {
            Fusion.rrf(60, 0, 0);
            fail("weights");
        } catch (IllegalArgumentException expected) {
        }
    }

    @Test
    public void theFusionDepthFollowsKUnlessSet() {
        Fusion f = TextIndex.DEFAULT_FUSION;
        assertEquals(0, f.depth());
        assertEquals(Fusion.AUTO_DEPTH_FLOOR, f.depthFor(1));
        assertEquals(Fusion.AUTO_DEPTH_FLOOR, f.depthFor(10));
        assertEquals(500, f.depthFor(500));
        assertEquals(100, f.depth(100).depthFor(10));
        assertEquals(200, f.depth(100).depthFor(200));
        assertEquals(Fusion.AUTO_DEPTH_FLOOR, f.depth(100).depth(0).depthFor(10));
        assertTrue(f.toString(), f.toString().contains("depth auto"));
        try {
            f.depth(-1);
            fail("negative depth");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("-1"));
        }
    }

    private static java.util.Map.Entry<String, Double> entry(String k, double v) {
        return new java.util.AbstractMap.SimpleImmutableEntry<>(k, v);
    }

    @Test
    public void anIndexWithoutWordsIsSearchedByMeaningInEveryMode() throws Exception {
        Path dir = tmp.newFolder("vectors-only").toPath();
        try (VectorIndex v = VectorIndex.open(dir, TextIndex.modelId(text), text.embeddingSize(), IndexOptions.defaults())) {
            float[][] e = text.embedAll(DOCS);
            for (int i = 0; i < IDS.size(); i++) {
                v.add(IDS.get(i), e[i], java.util.Collections.<String, String>emptyMap());
            }
        }
        try (TextIndex idx = TextIndex.openReadOnly(dir, text)) {
            assertTrue(idx.search("sourdough", 5, SearchMode.BM25).isEmpty());
            assertEquals(idx.search("sourdough bread", 3, SearchMode.DENSE), idx.search("sourdough bread", 3));
        }
    }

    @Test
    public void aRerankerReordersTheBestHitsByItsScore() throws Exception {
        java.util.Map<String, String> texts = new java.util.HashMap<>();
        for (int i = 0; i < IDS.size(); i++) {
            texts.put(IDS.get(i), DOCS.get(i));
        }
        // a stand-in for a cross-encoder: counts the texts' words that start with "b"
        Reranker bWords = (q, ts) -> ts.stream().mapToDouble(t -> Arrays.stream(t.split("\\W+")).filter(w -> w.startsWith("b")).count())
                .toArray();
        try (TextIndex idx = TextIndex.open(tmp.newFolder("rerank").toPath(), text)) {
            idx.addAll(IDS, DOCS);
            List<Hit> first = idx.search("connect to a server remotely", 5);
            assertEquals("ssh", first.get(0).id());
            List<Hit> again = bWords.rerank("connect to a server remotely", first, h -> h.id().equals("chess") ? null : texts.get(h.id()));
            assertEquals(5, again.size());
            assertEquals("bread", again.get(0).id());
            assertEquals("2.0", again.get(0).fields().get(Reranker.SCORE_FIELD)); // baking, bread
            assertEquals("chess", again.get(4).id());
            assertEquals(null, again.get(4).fields().get(Reranker.SCORE_FIELD));
            Hit ssh = again.stream().filter(h -> h.id().equals("ssh")).findFirst().get();
            assertEquals(first.get(0).similarity(), ssh.similarity(), 0.0);
            try {
                ((Reranker) (q, ts) -> new double[1]).rerank("q", first, h -> texts.get(h.id()));
                fail("one score for five texts");
            } catch (IllegalStateException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("1 scores for 5 texts"));
            }
        }
    }

    @Test
    public void storedTextsAreWhatARerankerReads() throws Exception {
        try (TextIndex idx = TextIndex.open(tmp.newFolder("stored").toPath(), text)) {
            idx.add("plain", "Secure shell client for remote login.");
            assertEquals(null, idx.search("remote login", 1).get(0).fields().get(TextIndex.TEXT));
            idx.storingText(true);
            idx.addAll(IDS, DOCS);
            for (Hit h : idx.search("connect to a server remotely", 5)) {
                if (!h.id().equals("plain")) {
                    assertEquals(DOCS.get(IDS.indexOf(h.id())), h.fields().get(TextIndex.TEXT));
                }
            }
            // a long document: each window stores its own text, the span its offsets name
            StringBuilder longDoc = new StringBuilder();
            for (int i = 0; i < 600; i++) {
                longDoc.append("word").append(i).append(i == 590 ? " lighthouse keeper" : "").append(' ');
            }
            idx.add("long", longDoc.toString());
            Hit h = idx.search("lighthouse keeper", 1).get(0);
            assertEquals("long", h.id());
            String window = h.fields().get(TextIndex.TEXT);
            assertEquals(longDoc.substring(Integer.parseInt(h.fields().get(TextIndex.CHUNK_START)),
                    Integer.parseInt(h.fields().get(TextIndex.CHUNK_END))), window);
            assertTrue(window, window.contains("lighthouse keeper"));
        }
    }

    @Test
    public void theIndexEmbedsDocumentsAndQueriesWithTheirOwnPrefixes() throws Exception {
        List<String> calls = new java.util.ArrayList<>();
        dev.imgsim.TextEncoder prefixed = new dev.imgsim.TextEncoder() {
            public float[] embed(String t) {
                return text.embed(t);
            }

            public float[][] embedAll(List<String> ts) {
                return text.embedAll(ts);
            }

            @Override
            public float[] embedQuery(String q) {
                calls.add("query " + q);
                return text.embed("query: " + q);
            }

            @Override
            public float[][] embedDocuments(List<String> ds) {
                calls.add("documents " + ds.size());
                return text.embedAll(ds.stream().map(d -> "passage: " + d).collect(java.util.stream.Collectors.toList()));
            }

            public int embeddingSize() {
                return text.embeddingSize();
            }

            public String modelSha256() {
                return text.modelSha256();
            }
        };
        try (TextIndex idx = TextIndex.open(tmp.newFolder("prefixes").toPath(), prefixed)) {
            idx.addAll(IDS, DOCS);
            idx.add("extra", "one more document");
            assertEquals("bread", idx.search("how to bake a loaf", 1).get(0).id());
            assertTrue(calls.toString(), calls.contains("query how to bake a loaf"));
            assertTrue(calls.toString(), calls.contains("documents 1"));
            assertTrue(calls.toString(), calls.stream().noneMatch(c -> c.startsWith("embed")));
        }
    }
}
