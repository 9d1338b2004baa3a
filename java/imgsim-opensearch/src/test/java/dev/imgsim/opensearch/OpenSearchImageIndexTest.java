package dev.imgsim.opensearch;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
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

/** Against a real OpenSearch node started in this JVM (k-NN plugin, Lucene engine). */
public class OpenSearchImageIndexTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static EmbeddedOpenSearch node;
    private static ImageSimilarity sim;
    private static List<Path> files;

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
        node = EmbeddedOpenSearch.start();
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

    @Test
    public void searchByImageAnswersLikeTheEmbeddedIndex() throws Exception {
        Path local = tmp.newFolder("local").toPath();
        try (ImageIndex index = ImageIndex.open(local, sim);
                OpenSearchImageIndex os = OpenSearchImageIndex.builder(node.url(), "photos").model(sim).open()) {
            index.addAll(files, null);
            index.add("tagged", sim.embed(files.get(1)), Collections.singletonMap("caption", "a cat"));
            index.commit();
            assertEquals(files.size() + 1, os.bulkLoad(index));
            assertEquals(files.size() + 1, os.count());
            for (Path q : new Path[] {files.get(0), files.get(2), files.get(10)}) {
                List<Hit> remote = os.search(q, 5);
                List<Hit> exact = index.searchExact(sim.embed(q), 5);
                assertEquals(5, remote.size());
                assertEquals("top hit of " + q, q.toString(), remote.get(0).id());
                assertEquals(1.0, remote.get(0).similarity(), 1e-3);
                for (int i = 0; i < 5; i++) {
                    assertEquals(q + " rank " + i, exact.get(i).similarity(), remote.get(i).similarity(), 1e-3);
                }
            }
            List<Hit> cat = os.search(files.get(1), 2);
            Map<String, String> fields = cat.get(0).id().equals("tagged") ? cat.get(0).fields() : cat.get(1).fields();
            assertEquals(Collections.singletonMap("caption", "a cat"), fields);
        }
    }

    @Test
    public void sparkParquetOutputLoadsAndAnswersByImage() throws Exception {
        // models/fixtures/spark-samples.parquet: EmbedImagesJob over samples/ and one text file
        // (java/imgsim-spark: SparkImagesTest.writeParquetFixture regenerates it)
        Path parquet = Paths.get(System.getProperty("imgsim.root", ".")).resolve("models/fixtures/spark-samples.parquet");
        try (OpenSearchImageIndex os = OpenSearchImageIndex.builder(node.url(), "lake").model(sim).open()) {
            assertEquals("the error row is skipped", 5, os.bulkLoadParquet(parquet.toString(), "path"));
            Path chelsea = Paths.get(System.getProperty("imgsim.root", ".")).resolve("samples/chelsea.jpg");
            List<Hit> top = os.search(chelsea, 2);
            assertTrue(top.get(0).id(), top.get(0).id().endsWith("/chelsea.jpg"));
            assertEquals(1.0, top.get(0).similarity(), 1e-3);
            assertTrue(top.get(1).id(), top.get(1).id().endsWith("/chelsea-cropped-brighter.jpg"));
            try {
                os.bulkLoadParquet(parquet.resolve("missing.parquet").toString(), "path");
                fail("a missing file was read");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("missing.parquet"));
            }
            os.deleteIndex();
        }
    }

    @Test
    public void aDimensionMismatchIsRefusedBeforeAnyDocumentIsSent() {
        try (OpenSearchImageIndex small = OpenSearchImageIndex.builder(node.url(), "tiny").dimension(8).open()) {
            try {
                OpenSearchImageIndex.builder(node.url(), "tiny").model(sim).open().close();
                fail("an index of dimension 8 accepted a model of " + sim.embeddingSize());
            } catch (OpenSearchIndexException e) {
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
            small.refresh();
            assertEquals("nothing of the refused batch was sent", 0, small.count());
            small.deleteIndex();
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
        try (OpenSearchImageIndex os = OpenSearchImageIndex.builder(node.url(), "resume").dimension(8).bulkSize(10)
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
                os.bulkLoad(dying);
                fail("the load went on");
            } catch (IllegalStateException expected) {
                // as if the process had crashed after its second bulk request
            }
            os.refresh();
            assertEquals("two full requests of 10 reached the cluster", 20, os.count());
            docs.get("d-3")[0] += 2;
            progress.clear();
            assertEquals(45, os.bulkLoad(docs.entrySet().iterator()));
            long[] last = progress.get(progress.size() - 1);
            assertEquals(45, last[0]);
            assertEquals("written: the 25 missing and the changed one", 26, last[1]);
            assertEquals("skipped: already there, unchanged", 19, last[2]);
            assertEquals("each document once", 45, os.count());
            List<Hit> top = os.search(docs.get("d-3"), 1);
            assertEquals("d-3", top.get(0).id());
            assertEquals(1.0, top.get(0).similarity(), 1e-4);
            os.deleteIndex();
        }
    }

    @Test
    public void anUnreachableClusterIsNamed() {
        try {
            OpenSearchImageIndex.builder("http://127.0.0.1:1", "photos").dimension(4).open().close();
            fail("opened an index on a closed port");
        } catch (OpenSearchIndexException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("cannot reach OpenSearch at http://127.0.0.1:1"));
        }
    }

    @Test
    public void theMappingsAreWhatTheDocsSay() throws Exception {
        JsonNode os = new ObjectMapper().readTree(OpenSearchImageIndex.mapping(512, 16, 100));
        JsonNode v = os.path("mappings").path("properties").path("embedding");
        assertEquals("knn_vector", v.path("type").asText());
        assertEquals(512, v.path("dimension").asInt());
        assertEquals("lucene", v.path("method").path("engine").asText());
        assertEquals("cosinesimil", v.path("method").path("space_type").asText());
        assertTrue(os.path("settings").path("index").path("knn").asBoolean());
        JsonNode es = new ObjectMapper().readTree(OpenSearchImageIndex.elasticsearchMapping(512, 16, 100));
        JsonNode d = es.path("mappings").path("properties").path("embedding");
        assertEquals("dense_vector", d.path("type").asText());
        assertEquals("hnsw", d.path("index_options").path("type").asText());
        assertEquals("dot_product", d.path("similarity").asText());
    }
}
