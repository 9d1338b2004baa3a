package dev.imgsim.spark;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.imageio.ImageIO;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.ImageSimilarity;

/** Spark local[2] against the single-JVM API, on real photos and broken files. */
public class SparkImagesTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static SparkSession spark;
    private static ImageSimilarity sim;
    private static Path images;
    private static Map<String, float[]> embedded;

    @BeforeClass
    public static void start() throws IOException {
        images = tmp.newFolder("images").toPath();
        Path samples = Paths.get(System.getProperty("imgsim.root", ".")).resolve("samples");
        for (String name : new String[] {"astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg"}) {
            Files.copy(samples.resolve(name), images.resolve(name));
        }
        // a near copy: the astronaut at half size as PNG
        BufferedImage astronaut = ImageIO.read(samples.resolve("astronaut.jpg").toFile());
        BufferedImage half = new BufferedImage(astronaut.getWidth() / 2, astronaut.getHeight() / 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = half.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(astronaut, 0, 0, half.getWidth(), half.getHeight(), null);
        g.dispose();
        Files.createDirectories(images.resolve("sub"));
        ImageIO.write(half, "png", images.resolve("sub").resolve("astronaut-half.png").toFile());
        // broken inputs: text, empty, truncated JPEG
        Files.write(images.resolve("notes.txt"), "not an image".getBytes("UTF-8"));
        Files.write(images.resolve("empty.jpg"), new byte[0]);
        byte[] coffee = Files.readAllBytes(samples.resolve("coffee.jpg"));
        Files.write(images.resolve("truncated.jpg"), Arrays.copyOf(coffee, 600));

        spark = SparkSession.builder().master("local[2]").appName("imgsim-test")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        sim = ImageSimilarity.create();
        embedded = new HashMap<>();
    }

    @AfterClass
    public static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (sim != null) {
            sim.close();
        }
    }

    private static Dataset<Row> files() {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images.toString());
    }

    private static String name(Row r) {
        String path = r.getString(r.fieldIndex("path"));
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Test
    public void embeddingsEqualTheSingleJvmApiAndBadFilesBecomeErrorRows() throws IOException {
        Dataset<Row> out = ImageEmbeddings.builder().build().transform(files().repartition(3));
        assertEquals(Arrays.asList("path", "modificationTime", "length", "embedding", "error"),
                Arrays.asList(out.schema().fieldNames()));
        List<Row> rows = out.collectAsList();
        // Spark's file sources skip zero-length files: empty.jpg yields no row at all
        Set<String> names = new HashSet<>();
        rows.forEach(r -> names.add(name(r)));
        assertEquals(new HashSet<>(Arrays.asList("astronaut.jpg", "chelsea.jpg", "coffee.jpg", "rocket.jpg",
                "astronaut-half.png", "notes.txt", "truncated.jpg")), names);
        Set<String> errors = new HashSet<>();
        for (Row r : rows) {
            String name = name(r);
            if (r.isNullAt(3)) {
                assertNotNull(name, r.getString(4));
                assertTrue(r.getString(4), r.getString(4).startsWith("ImageDecodeException: "));
                errors.add(name);
                continue;
            }
            assertNull(r.getString(4));
            float[] spark = ImageDuplicates.floats(r.getList(3));
            Path file = Paths.get(java.net.URI.create(r.getString(0)));
            float[] single = sim.embed(file);
            double diff = 0;
            for (int i = 0; i < single.length; i++) {
                diff = Math.max(diff, Math.abs(single[i] - spark[i]));
            }
            assertEquals(name, single.length, spark.length);
            assertTrue(name + ": max abs difference " + diff, diff <= 1e-5);
        }
        assertEquals(new HashSet<>(Arrays.asList("notes.txt", "truncated.jpg")), errors);
        String truncated = rows.stream().filter(r -> name(r).equals("truncated.jpg")).findFirst().get().getString(4);
        assertTrue("the error names the file: " + truncated, truncated.contains("truncated.jpg"));
    }

    @Test
    public void duplicatesAreFoundByEveryMethod() {
        Dataset<Row> out = ImageEmbeddings.builder().build().transform(files()).cache();
        for (ImageDuplicates.Method m : ImageDuplicates.Method.values()) {
            List<Row> pairs = ImageDuplicates.builder().minSimilarity(0.9).method(m).build().find(out).collectAsList();
            Set<String> found = new HashSet<>();
            for (Row p : pairs) {
                String a = p.getString(0).substring(p.getString(0).lastIndexOf('/') + 1);
                String b = p.getString(1).substring(p.getString(1).lastIndexOf('/') + 1);
                assertTrue(m + " orders each pair", p.getString(0).compareTo(p.getString(1)) < 0);
                assertTrue(m + " reports only pairs above the threshold: " + p, p.getDouble(2) >= 0.9);
                found.add(a.compareTo(b) < 0 ? a + "|" + b : b + "|" + a);
            }
            assertEquals(m + ": " + pairs, new HashSet<>(Arrays.asList("astronaut-half.png|astronaut.jpg")), found);
        }
        out.unpersist();
    }

    @Test
    public void verifiedCopiesAreTheLibrarysDecisionAndTurnedCopiesAreFound() throws IOException {
        Path dir = tmp.newFolder("copies").toPath();
        Path samples = Paths.get(System.getProperty("imgsim.root", ".")).resolve("samples");
        for (String name : new String[] {"astronaut.jpg", "chelsea.jpg", "chelsea-cropped-brighter.jpg", "coffee.jpg",
            "rocket.jpg"}) {
            Files.copy(samples.resolve(name), dir.resolve(name));
        }
        // the astronaut turned 90 degrees: far from the original by cosine, found through the turned view
        BufferedImage a = ImageIO.read(samples.resolve("astronaut.jpg").toFile());
        BufferedImage turned = new BufferedImage(a.getHeight(), a.getWidth(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                turned.setRGB(y, a.getWidth() - 1 - x, a.getRGB(x, y));
            }
        }
        ImageIO.write(turned, "png", dir.resolve("astronaut-turned.png").toFile());
        // the rocket in a screenshot (a fifth of a white page, a title bar, a line of text): found
        // through the screenshot's inner picture
        BufferedImage rocket = ImageIO.read(samples.resolve("rocket.jpg").toFile());
        BufferedImage shot = new BufferedImage(rocket.getWidth() * 9 / 4, rocket.getHeight() * 9 / 4, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = shot.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, shot.getWidth(), shot.getHeight());
        g.setColor(new java.awt.Color(60, 90, 160));
        g.fillRect(0, 0, shot.getWidth(), shot.getHeight() / 12);
        g.setColor(java.awt.Color.BLACK);
        g.drawString("A launch, as the page shows it", 6, shot.getHeight() - 10);
        g.drawImage(rocket, shot.getWidth() / 4, shot.getHeight() / 3, null);
        g.dispose();
        ImageIO.write(shot, "png", dir.resolve("rocket-page.png").toFile());
        Dataset<Row> features = ImageEmbeddings.builder().copyFeatures(true).build()
                .transform(spark.read().format("binaryFile").load(dir.toString())).cache();
        List<Row> copies = ImageDuplicates.builder().minSimilarity(0.5).method(ImageDuplicates.Method.EXACT).verifyCopies(true)
                .build().find(features).collectAsList();
        Map<String, Row> found = new HashMap<>();
        for (Row p : copies) {
            String x = p.getString(0).substring(p.getString(0).lastIndexOf('/') + 1);
            String y = p.getString(1).substring(p.getString(1).lastIndexOf('/') + 1);
            found.put(x.compareTo(y) < 0 ? x + "|" + y : y + "|" + x, p);
            assertTrue(p.toString(), p.getBoolean(p.fieldIndex("copy")));
        }
        assertEquals(copies.toString(), new HashSet<>(Arrays.asList("astronaut-turned.png|astronaut.jpg",
                "chelsea-cropped-brighter.jpg|chelsea.jpg", "rocket-page.png|rocket.jpg")), found.keySet());
        // each verdict is the single-JVM library's for the same two files
        for (Map.Entry<String, Row> e : found.entrySet()) {
            String[] names = e.getKey().split("\\|");
            dev.imgsim.Match m = sim.compare(dir.resolve(names[0]), dir.resolve(names[1]));
            Row p = e.getValue();
            assertEquals(e.getKey(), m.band().name(), p.getString(p.fieldIndex("band")));
            assertEquals(e.getKey(), m.confidence(), p.getDouble(p.fieldIndex("confidence")), 1e-6);
        }
        assertTrue("the turn is named: " + found, found.get("astronaut-turned.png|astronaut.jpg").getString(
                found.get("astronaut-turned.png|astronaut.jpg").fieldIndex("transform")).startsWith("TURN_"));
        try {
            ImageDuplicates.builder().verifyCopies(true).build().find(ImageEmbeddings.builder().build().transform(
                    spark.read().format("binaryFile").load(dir.toString())));
            org.junit.Assert.fail("verified without features");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage(), expected.getMessage().contains("copyFeatures(true)"));
        }
        features.unpersist();
    }

    @Test
    public void bitsPerBandFollowTheThreshold() {
        assertEquals(16, ImageDuplicates.bitsFor(0.95, 24));
        assertTrue(ImageDuplicates.bitsFor(0.9, 24) < ImageDuplicates.bitsFor(0.95, 24));
        assertTrue(ImageDuplicates.bitsFor(0.99, 24) > ImageDuplicates.bitsFor(0.95, 24));
    }

    @Test
    public void missingOrWrongColumnsAreRefusedUpFront() {
        Dataset<Row> f = files();
        try {
            ImageEmbeddings.builder().contentColumn("bytes").build().transform(f);
            fail("missing column accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("'bytes'"));
        }
        try {
            ImageEmbeddings.builder().contentColumn("path").build().transform(f);
            fail("string column accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("not binary"));
        }
        try {
            ImageDuplicates.builder().build().find(f);
            fail("missing embedding column accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("'embedding'"));
        }
    }

    @Test
    public void jobWritesParquetWithErrorRowsAndPairs() {
        String out = tmp.getRoot().toPath().resolve("out.parquet").toString();
        String pairs = tmp.getRoot().toPath().resolve("pairs.parquet").toString();
        EmbedImagesJob.Args a = EmbedImagesJob.Args.parse(new String[] {
            "--input", images.toString(), "--output", out, "--duplicates", pairs, "--threshold", "0.9", "--partitions", "2"});
        EmbedImagesJob.Summary s = EmbedImagesJob.run(spark, a);
        assertEquals(7, s.files);
        assertEquals(2, s.errors);
        assertEquals(1, s.pairs);
        Dataset<Row> written = spark.read().parquet(out);
        assertEquals(5, written.filter("embedding is not null").count());
        assertFalse(Arrays.asList(written.schema().fieldNames()).contains("content"));
        try {
            EmbedImagesJob.Args.parse(new String[] {"--input", "x"});
            fail("missing --output accepted");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("--output"));
        }
    }
}
