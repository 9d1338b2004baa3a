package dev.imgsim.elasticsearch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.SearchMode;
import dev.imgsim.index.TextIndex;
import dev.imgsim.text.TextEmbedder;

/** Against a real Elasticsearch 8.18 node started in this JVM (Netty4 HTTP on 127.0.0.1). */
public class ElasticsearchIndexTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static EmbeddedElasticsearch node;
    private static ImageSimilarity sim;
    private static List<Path> files;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeClass
    public static void start() throws Exception {
        sim = ImageSimilarity.create();
        Path dir = tmp.newFolder("images").toPath();
        files = new ArrayList<>();
        Path samples = Paths.get(System.getProperty("imgsim.root", ".")).resolve("samples");
        for (String name : new String[] {"astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"}) {
            Files.copy(samples.resolve(name), dir.resolve(name));
            files.add(dir.resolve(name));
        }
        Random rnd = new Random(7);
        for (int i = 0; i < 40; i++) {
            BufferedImage img = new BufferedImage(96, 80, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(rnd.nextInt(0xFFFFFF)));
            g.fillRect(0, 0, 96, 80);
            for (int k = 0; k < 6; k++) {
                g.setColor(new Color(rnd.nextInt(0xFFFFFF)));
                g.fillOval(rnd.nextInt(80), rnd.nextInt(64), 10 + rnd.nextInt(40), 10 + rnd.nextInt(40));
            }
            g.dispose();
            Path f = dir.resolve(String.format("shapes-%02d.png", i));
            ImageIO.write(img, "png", f.toFile());
            files.add(f);
        }
        node = EmbeddedElasticsearch.start();
    }

    @AfterClass
    public static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static JsonNode get(String path) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(node.url() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body);
    }

    @Test
    public void searchByImageAnswersLikeTheEmbeddedIndex() throws Exception {
        Path local = tmp.newFolder("local").toPath();
        try (ImageIndex index = ImageIndex.open(local, sim);
                ElasticsearchImageIndex es = ElasticsearchImageIndex.builder(node.url(), "photos").model(sim).open()) {
            index.addAll(files, null);
            index.add("tagged", sim.embed(files.get(1)), Collections.singletonMap("caption", "a cat"));
            index.commit();
            assertEquals(files.size() + 1, es.bulkLoad(index));
            assertEquals(files.size() + 1, es.count());
            for (Path q : new Path[] {files.get(0), files.get(2), files.get(10)}) {
                List<Hit> remote = es.search(q, 5);
                List<Hit> exact = index.searchExact(sim.embed(q), 5);
                assertEquals(5, remote.size());
                assertEquals("top hit of " + q, q.toString(), remote.get(0).id());
                assertEquals(1.0, remote.get(0).similarity(), 1e-3);
                for (int i = 0; i < 5; i++) {
                    assertEquals(q + " rank " + i, exact.get(i).similarity(), remote.get(i).similarity(), 1e-3);
                }
            }
            List<Hit> cat = es.search(files.get(1), 2);
            Map<String, String> fields = cat.get(0).id().equals("tagged") ? cat.get(0).fields() : cat.get(1).fields();
            assertEquals(Collections.singletonMap("caption", "a cat"), fields);
            // a filter on a stored field runs inside the kNN search: the one tagged image, whatever the query
            List<Hit> tagged = es.search(files.get(3), 5, Collections.singletonMap("caption", "a cat"));
            assertEquals(1, tagged.size());
            assertEquals("tagged", tagged.get(0).id());
            // the mapping on the cluster is the documented one
            JsonNode v = get("/photos/_mapping").path("photos").path("mappings").path("properties").path("embedding");
            assertEquals("dense_vector", v.path("type").asText());
            assertEquals(sim.embeddingSize(), v.path("dims").asInt());
            assertEquals("dot_product", v.path("similarity").asText());
            assertEquals("hnsw", v.path("index_options").path("type").asText());
            es.deleteIndex();
        }
    }

    @Test
    public void quantisedIndexesRescoreToExactCosines() throws Exception {
        Map<String, float[]> vectors = new LinkedHashMap<>();
        for (Path f : files) {
            vectors.put(f.getFileName().toString(), sim.embed(f));
        }
        for (VectorIndexType type : new VectorIndexType[] {VectorIndexType.INT8_HNSW, VectorIndexType.BBQ_HNSW}) {
            String name = "photos-" + type.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            try (ElasticsearchImageIndex es = ElasticsearchImageIndex.builder(node.url(), name).model(sim)
                    .vectorIndexType(type).open()) {
                assertEquals(files.size(), es.bulkLoad(vectors.entrySet().iterator()));
                for (String q : new String[] {"astronaut.jpg", "shapes-05.png"}) {
                    List<Hit> top = es.search(vectors.get(q), 3);
                    assertEquals(type + ": top hit of " + q, q, top.get(0).id());
                    assertEquals(type + ": rescored with the floats", 1.0, top.get(0).similarity(), 1e-3);
                    double exact = dev.imgsim.Vectors.cosine(vectors.get(q), vectors.get(top.get(1).id()));
                    assertEquals(type + ": second hit's cosine", exact, top.get(1).similarity(), 1e-3);
                }
                JsonNode v = get("/" + name + "/_mapping").path(name).path("mappings").path("properties").path("embedding");
                assertEquals(type.json(), v.path("index_options").path("type").asText());
                es.deleteIndex();
            }
        }
    }

    @Test
    public void sparkParquetOutputLoadsAndAnswersByImage() throws Exception {
        // models/fixtures/spark-samples.parquet: EmbedImagesJob over samples/ and one text file
        Path root = Paths.get(System.getProperty("imgsim.root", "."));
        Path parquet = root.resolve("models/fixtures/spark-samples.parquet");
        try (ElasticsearchImageIndex es = ElasticsearchImageIndex.builder(node.url(), "lake").model(sim).open()) {
            assertEquals("the error row is skipped", 5, es.bulkLoadParquet(parquet.toString(), "path"));
            List<Hit> top = es.search(root.resolve("samples/chelsea.jpg"), 2);
            assertTrue(top.get(0).id(), top.get(0).id().endsWith("/chelsea.jpg"));
            assertEquals(1.0, top.get(0).similarity(), 1e-3);
            assertTrue(top.get(1).id(), top.get(1).id().endsWith("/chelsea-cropped-brighter.jpg"));
            // the same files without Spark's _SUCCESS marker: a job that did not finish is refused
            Path unfinished = tmp.newFolder("unfinished.parquet").toPath();
            try (java.util.stream.Stream<Path> files = Files.list(parquet)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (!f.getFileName().toString().equals("_SUCCESS")) {
                        Files.copy(f, unfinished.resolve(f.getFileName()));
                    }
                }
            }
            try {
                es.bulkLoadParquet(unfinished.toString(), "path");
                fail("an unfinished job's output was loaded");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("_SUCCESS"));
            }
            es.deleteIndex();
        }
    }

    @Test
    public void aDimensionMismatchIsRefusedBeforeAnyDocumentIsSent() {
        try (ElasticsearchImageIndex small = ElasticsearchImageIndex.builder(node.url(), "tiny").dimension(8).open()) {
            try {
                ElasticsearchImageIndex.builder(node.url(), "tiny").model(sim).open().close();
                fail("an index of dimension 8 accepted a model of " + sim.embeddingSize());
            } catch (ElasticsearchIndexException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("dimension 8") && e.getMessage().contains(node.url()));
            }
            Map<String, float[]> docs = new LinkedHashMap<>();
            docs.put("ok", new float[8]);
            docs.get("ok")[0] = 1;
            docs.put("wrong", new float[9]);
            try {
                small.bulkLoad(docs.entrySet().iterator());
                fail("a 9-value vector was accepted");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("'wrong'"));
            }
            try {
                small.search(new float[9], 3);
                fail("a 9-value query was sent");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("dimension 8"));
            }
            small.refresh();
            assertEquals("nothing of the refused batch was sent", 0, small.count());
            small.deleteIndex();
        }
    }

    @Test
    public void aBulkWithOneBadDocumentNamesItAndWritesTheRest() {
        try (ElasticsearchImageIndex es = ElasticsearchImageIndex.builder(node.url(), "partial").dimension(4).bulkSize(3)
                .open()) {
            char[] huge = new char[40_000]; // a keyword longer than Lucene's 32,766-byte term limit
            Arrays.fill(huge, 'x');
            for (int i = 0; i < 7; i++) {
                Map<String, String> fields = i == 4 ? Collections.singletonMap("note", new String(huge))
                        : Collections.singletonMap("note", "fine");
                try {
                    es.add("doc-" + i, new float[] {1, i, 0, 0}, fields);
                    assertTrue("doc-" + i + " was stored", i != 4);
                } catch (ElasticsearchBulkException e) {
                    assertEquals(4, i);
                    assertEquals(Collections.singleton("doc-4"), e.failures().keySet());
                    assertTrue(e.getMessage(), e.getMessage().contains("'doc-4'") && e.getMessage().contains(node.url()));
                }
            }
            assertEquals(6, es.count());
            Map<String, float[]> load = new LinkedHashMap<>();
            for (int i = 0; i < 7; i++) {
                load.put("bulk-" + i, new float[] {0, 1, i, 0});
            }
            try {
                es.bulkLoad(load.entrySet().iterator());
            } catch (ElasticsearchBulkException e) {
                fail("no bad document in this load: " + e.failures());
            }
            assertEquals(13, es.count());
            es.deleteIndex();
        }
    }

    @Test
    public void aLoadRunAgainAfterACrashSkipsWhatItWroteAndRewritesWhatChanged() {
        Map<String, float[]> docs = new LinkedHashMap<>();
        Random rnd = new Random(3);
        for (int i = 0; i < 45; i++) {
            float[] v = new float[8];
            for (int j = 0; j < 8; j++) {
                v[j] = (float) rnd.nextGaussian();
            }
            docs.put("d-" + i, v);
        }
        List<long[]> progress = new ArrayList<>();
        try (ElasticsearchImageIndex es = ElasticsearchImageIndex.builder(node.url(), "resume").dimension(8).bulkSize(10)
                .progress((p, w, sk) -> progress.add(new long[] {p, w, sk})).open()) {
            java.util.Iterator<Map.Entry<String, float[]>> all = docs.entrySet().iterator();
            int[] n = {0};
            java.util.Iterator<Map.Entry<String, float[]>> dying = new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    return all.hasNext();
                }

                @Override
                public Map.Entry<String, float[]> next() {
                    if (++n[0] > 25) {
                        throw new IllegalStateException("the loading process died");
                    }
                    return all.next();
                }
            };
            try {
                es.bulkLoad(dying);
                fail("the load went on");
            } catch (IllegalStateException expected) {
                // as if the process had crashed after its second bulk request
            }
            es.refresh();
            assertEquals("two full requests of 10 reached the cluster", 20, es.count());
            docs.get("d-3")[0] += 2; // changed since the first load
            progress.clear();
            assertEquals(45, es.bulkLoad(docs.entrySet().iterator()));
            long[] last = progress.get(progress.size() - 1);
            assertEquals("processed", 45, last[0]);
            assertEquals("written: the 25 missing and the changed one", 26, last[1]);
            assertEquals("skipped: already there, unchanged", 19, last[2]);
            assertEquals("each document once", 45, es.count());
            List<Hit> top = es.search(docs.get("d-3"), 1);
            assertEquals("d-3", top.get(0).id());
            assertEquals("the changed vector was rewritten", 1.0, top.get(0).similarity(), 1e-4);
            es.deleteIndex();
        }
    }

    @Test
    public void anUnreachableClusterIsNamed() {
        try {
            ElasticsearchImageIndex.builder("http://127.0.0.1:1", "photos").dimension(4).open().close();
            fail("opened an index on a closed port");
        } catch (ElasticsearchIndexException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("cannot reach Elasticsearch at http://127.0.0.1:1"));
        }
    }

    @Test
    public void textSearchIsHybridByDefaultAndPrivateOnRequest() throws Exception {
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("lucene", "Apache Lucene is a high-performance full-text search engine library written in Java");
        docs.put("spark", "Apache Spark is a unified analytics engine for large-scale data processing on clusters");
        docs.put("cats", "Cats are small domesticated carnivorous mammals often kept as pets");
        docs.put("jpeg", "libjpeg-turbo is a JPEG image codec that uses SIMD instructions to accelerate compression");
        docs.put("zstd", "Zstandard is a fast lossless compression algorithm with high compression ratios");
        try (TextEmbedder text = TextEmbedder.create()) {
            Path local = tmp.newFolder("text-local").toPath();
            try (ElasticsearchTextIndex es = ElasticsearchTextIndex.builder(node.url(), "docs").model(text).open();
                    TextIndex embedded = TextIndex.open(local, text)) {
                assertEquals(5, es.addAll(docs));
                embedded.addAll(new ArrayList<>(docs.keySet()), new ArrayList<>(docs.values()));
                for (String q : new String[] {"search engine library", "pet animals", "compress images quickly"}) {
                    for (SearchMode mode : SearchMode.values()) {
                        List<Hit> remote = es.search(q, 3, mode);
                        List<Hit> here = embedded.search(q, 3, mode);
                        assertEquals(mode + " for '" + q + "'", ids(here), ids(remote));
                        for (int i = 0; i < remote.size(); i++) {
                            assertEquals(mode + " cosine", here.get(i).similarity(), remote.get(i).similarity(), 1e-3);
                        }
                    }
                }
                assertEquals("lucene", es.search("full-text search", 1).get(0).id());
                JsonNode src = get("/docs/_doc/cats").path("_source");
                assertTrue("the text is stored for BM25", src.path("text").asText().startsWith("Cats are"));
                es.deleteIndex();
            }
            try (ElasticsearchTextIndex vectorsOnly = ElasticsearchTextIndex.builder(node.url(), "private-docs").model(text)
                    .storeText(false).open()) {
                vectorsOnly.addAll(docs);
                assertEquals("cats", vectorsOnly.search("pet animals", 1).get(0).id());
                assertEquals("cats", vectorsOnly.search(text.embed("pet animals"), 1).get(0).id());
                JsonNode src = get("/private-docs/_doc/cats").path("_source");
                assertFalse("only the vector left the machine: " + src, src.has("text"));
                assertEquals(text.embeddingSize(), src.path("embedding").size());
                try {
                    vectorsOnly.search("pet animals", 1, SearchMode.BM25);
                    fail("BM25 without texts");
                } catch (IllegalStateException e) {
                    assertTrue(e.getMessage(), e.getMessage().contains("storeText(false)"));
                }
                try {
                    ElasticsearchTextIndex.builder(node.url(), "private-docs").model(text).open().close();
                    fail("a vectors-only index was opened for hybrid search");
                } catch (ElasticsearchIndexException e) {
                    assertTrue(e.getMessage(), e.getMessage().contains("no text field"));
                }
                vectorsOnly.deleteIndex();
            }
        }
    }

    @Test
    public void longTextsAreSplitIntoWindowsAsTheEmbeddedIndexSplitsThem() throws Exception {
        String[] office = {
            "The quarterly report lists the invoices that were paid before the end of the fiscal period.",
            "Each department submits its budget forecast to the finance office in a spreadsheet.",
            "The auditors compared the ledger entries with the bank statements line by line.",
            "Expense claims above the approved limit require a signature from a manager.",
            "Payroll is processed on the twenty-fifth of every month through the accounting system.",
        };
        java.util.Random rnd = new java.util.Random(3);
        StringBuilder head = new StringBuilder();
        while (head.toString().split("\\s+").length < 400) {
            head.append(office[rnd.nextInt(office.length)]).append(' ');
        }
        String passage = "During the storm the lighthouse keeper climbed the tower and repaired the cracked lens so that"
                + " ships could see the beam again before midnight.";
        String tail = "The tax return was filed together with the annual statement of accounts. ".repeat(20);
        String longText = head + passage + " " + tail;
        Map<String, String> docs = new LinkedHashMap<>();
        docs.put("ledger", longText);
        docs.put("cats", "Cats are small domesticated carnivorous mammals often kept as pets");
        docs.put("zstd", "Zstandard is a fast lossless compression algorithm with high compression ratios");
        try (TextEmbedder text = TextEmbedder.create()) {
            Path local = tmp.newFolder("text-long").toPath();
            try (ElasticsearchTextIndex es = ElasticsearchTextIndex.builder(node.url(), "long-docs").model(text).open();
                    TextIndex embedded = TextIndex.open(local, text)) {
                int windows = embedded.chunkCount(longText);
                assertTrue("the long text is split: " + windows, windows > 5);
                assertEquals("texts, not windows", 3, es.addAll(docs));
                embedded.addAll(new ArrayList<>(docs.keySet()), new ArrayList<>(docs.values()));
                assertEquals("count() counts texts", 3, es.count());
                assertEquals("each window is a document", windows + 2, get("/long-docs/_count").path("count").asInt());
                for (SearchMode mode : SearchMode.values()) {
                    String q = mode == SearchMode.DENSE ? "fixing the lamp of a coastal beacon in bad weather"
                            : "the lighthouse keeper fixed the lamp in a storm";
                    List<Hit> remote = es.search(q, 3, mode);
                    List<Hit> here = embedded.search(q, 3, mode);
                    assertEquals(mode + ": same documents as the embedded index", ids(here), ids(remote));
                    assertEquals(mode + ": the long text, by its passage", "ledger", remote.get(0).id());
                    Hit h = remote.get(0);
                    assertEquals(mode + " cosine of the best window", here.get(0).similarity(), h.similarity(), 1e-3);
                    assertEquals(mode + ": the matched window", here.get(0).fields().get(TextIndex.CHUNK_START),
                            h.fields().get(TextIndex.CHUNK_START));
                    int a = Integer.parseInt(h.fields().get(TextIndex.CHUNK_START));
                    int b = Integer.parseInt(h.fields().get(TextIndex.CHUNK_END));
                    assertTrue(mode + ": the window holds the passage", longText.substring(a, b).contains("lighthouse keeper"));
                    assertEquals(Integer.toString(windows), h.fields().get(TextIndex.CHUNK_COUNT));
                }
                // the passage sits after the model's 256 tokens: a text embedded whole never shows it
                try (ElasticsearchTextIndex whole = ElasticsearchTextIndex.builder(node.url(), "whole-docs").model(text)
                        .chunking(dev.imgsim.index.Chunking.NONE).open()) {
                    whole.addAll(docs);
                    assertEquals(3, get("/whole-docs/_count").path("count").asInt());
                    Hit h = whole.search("fixing the lamp of a coastal beacon in bad weather", 1, SearchMode.DENSE).get(0);
                    assertTrue("truncated: the passage is lost (" + h.id() + ")", !h.id().equals("ledger")
                            || h.similarity() < es.search("fixing the lamp of a coastal beacon in bad weather", 1, SearchMode.DENSE)
                                    .get(0).similarity() - 0.1);
                    whole.deleteIndex();
                }
                // a shorter version replaces it: the windows beyond its new last are deleted
                es.add("ledger", head.toString(), java.util.Collections.emptyMap());
                int now = embedded.chunkCount(head.toString());
                assertTrue(now > 1 && now < windows);
                assertEquals(3, es.count());
                assertEquals("stale windows deleted", now + 2, get("/long-docs/_count").path("count").asInt());
                es.add("ledger", "A short ledger note.", java.util.Collections.emptyMap());
                assertEquals("one document left of the text", 3, get("/long-docs/_count").path("count").asInt());
                assertEquals("ledger", es.search("short ledger note", 1).get(0).id());
                assertTrue(es.search("short ledger note", 1).get(0).fields().isEmpty());
                // the long version again: all its windows back
                assertEquals(3, es.addAll(docs));
                assertEquals(windows + 2, get("/long-docs/_count").path("count").asInt());
                es.deleteIndex();
            }
        }
    }

    private static List<String> ids(List<Hit> hits) {
        List<String> out = new ArrayList<>();
        for (Hit h : hits) {
            out.add(h.id());
        }
        return out;
    }

    @Test
    public void theMappingIsWhatTheDocsSay() throws Exception {
        JsonNode es = JSON.readTree(ElasticsearchImageIndex.mapping(512, VectorIndexType.INT8_HNSW, 16, 100));
        JsonNode d = es.path("mappings").path("properties").path("embedding");
        assertEquals("dense_vector", d.path("type").asText());
        assertEquals(512, d.path("dims").asInt());
        assertEquals("int8_hnsw", d.path("index_options").path("type").asText());
        assertEquals(16, d.path("index_options").path("m").asInt());
        assertEquals("dot_product", d.path("similarity").asText());
        JsonNode t = JSON.readTree(ElasticsearchTextIndex.mapping(384, "english", VectorIndexType.HNSW, 16, 100));
        assertEquals("english", t.path("mappings").path("properties").path("text").path("analyzer").asText());
    }
}
