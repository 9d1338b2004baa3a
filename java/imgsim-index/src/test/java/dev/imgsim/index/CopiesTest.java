package dev.imgsim.index;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import org.apache.lucene.index.IndexableField;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.Band;
import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.Match;
import dev.imgsim.Transform;

/** Copy search and verified copy groups over an index of the samples, their edited copies and unrelated scenes. */
public class CopiesTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    static ImageSimilarity sim;

    @BeforeClass
    public static void openModel() {
        sim = ImageSimilarity.create();
    }

    @AfterClass
    public static void closeModel() {
        sim.close();
    }

    /** samples + a turned copy of chelsea, a crop of astronaut, and unrelated scenes. */
    private List<Path> collection(Path dir) throws IOException {
        List<Path> files = new ArrayList<>(ImageIndexTest.samples());
        BufferedImage cat = ImageIO.read(Pictures.samples().resolve("chelsea.jpg").toFile());
        files.add(Pictures.jpeg(dir.resolve("chelsea-turned.jpg"), Pictures.rotate(cat, 1)));
        BufferedImage astro = ImageIO.read(Pictures.samples().resolve("astronaut.jpg").toFile());
        files.add(Pictures.jpeg(dir.resolve("astronaut-crop.jpg"),
                astro.getSubimage(astro.getWidth() / 4, astro.getHeight() / 5, astro.getWidth() / 2, astro.getHeight() / 2)));
        for (int i = 0; i < 6; i++) {
            files.add(Pictures.jpeg(dir.resolve("scene" + i + ".jpg"), Pictures.scene(320, 240, 100 + i)));
        }
        return files;
    }

    @Test
    public void copySearchPutsTheOriginalOfATurnedCopyFirstAndNamesTheTurn() throws IOException {
        Path dir = tmp.newFolder("files").toPath();
        List<Path> files = collection(dir);
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("idx").toPath(), sim)) {
            index.addAll(files, null);
            BufferedImage coffee = ImageIO.read(Pictures.samples().resolve("coffee.jpg").toFile());
            Path query = Pictures.jpeg(dir.resolve("q.jpg"), Pictures.rotate(coffee, 3));
            List<CopyHit> hits = index.searchCopies(query, 3);
            assertEquals(3, hits.size());
            CopyHit top = hits.get(0);
            assertEquals(hits.toString(), Pictures.samples().resolve("coffee.jpg").toString(), top.id());
            assertTrue(top.match().toString(), top.match().isCopy());
            assertEquals(top.match().toString(), 90, top.match().transform().degrees());
            assertFalse(hits.get(1).toString(), hits.get(1).match().isCopy());
            // the original stands out from the other candidates: the search is surer than the pair alone
            Match pair = sim.compare(Pictures.samples().resolve("coffee.jpg"), query);
            assertTrue(top.match() + " vs " + pair, top.match().confidence() > pair.confidence());
            assertEquals(pair.band(), top.match().band());
            // a copy of nothing indexed: no copies among the hits
            Path other = Pictures.jpeg(dir.resolve("other.jpg"), Pictures.scene(300, 300, 999));
            for (CopyHit h : index.searchCopies(other, 5)) {
                assertFalse(h.toString(), h.match().isCopy());
            }
            assertTrue(index.copyFeatures(top.id()).isPresent());
        }
    }

    @Test
    public void anIndexWithoutCopyFeaturesSearchesAlikeAndFindsNoCopiesUntilTheyAreStored() throws IOException {
        Path dir = tmp.newFolder("files").toPath();
        List<Path> files = collection(dir);
        Path turned = dir.resolve("chelsea-turned.jpg");
        Path idx = tmp.newFolder("idx").toPath();
        IndexOptions plain = IndexOptions.builder().copyFeatures(false).build();
        try (ImageIndex index = ImageIndex.open(idx, sim, plain)) {
            assertFalse(index.options().copyFeatures());
            IndexReport r = index.addAll(files, null);
            assertEquals(files.size(), r.added());
            index.add("picture", ImageIO.read(Pictures.samples().resolve("coffee.jpg").toFile()));
            for (Path f : files) {
                assertFalse(f.toString(), index.copyFeatures(f.toString()).isPresent());
            }
            assertFalse(index.copyFeatures("picture").isPresent());
            // the same embeddings as with copy features: "more like this" unchanged
            assertArrayEquals(dev.imgsim.Vectors.normalise(sim.embed(turned)), index.embedding(turned.toString()).get(), 1e-6f);
            assertEquals(turned.toString(), index.search(turned, 1).get(0).id());
            assertTrue(index.copies().isEmpty());
            for (CopyHit h : index.searchCopies(Pictures.samples().resolve("chelsea.jpg"), 3)) {
                assertFalse(h.toString(), h.match().isCopy());
            }
            // under the same setting nothing is analysed again
            assertEquals(files.size(), index.addAll(files, null).skipped());
        }
        // reopened with the defaults: the files are analysed again and their copies found
        try (ImageIndex index = ImageIndex.open(idx, sim)) {
            assertTrue(index.options().copyFeatures());
            assertEquals(files.size(), index.addAll(files, null).added());
            assertTrue(index.copyFeatures(turned.toString()).isPresent());
            assertTrue(index.copies().stream().anyMatch(g -> g.ids().contains(turned.toString())));
        }
    }

    @Test
    public void theThumbnailIsTheGridAtUnitLengthAndFlatPicturesHaveNone() throws IOException {
        BufferedImage cat = ImageIO.read(Pictures.samples().resolve("chelsea.jpg").toFile());
        CopyFeatures f = sim.analyze(cat);
        float[] t = CopyThumbnails.thumbnail(f.fingerprint());
        assertEquals(256, t.length);
        double norm = 0;
        double sum = 0;
        for (float v : t) {
            norm += v * v;
            sum += v;
        }
        assertEquals(1.0, norm, 1e-4);
        assertEquals(0.0, sum, 1e-3);
        // indexed as a vector field beside the stored features
        IndexableField[] fields = Copies.fields(f);
        assertTrue(Arrays.stream(fields).anyMatch(x -> x.name().equals(Copies.THUMB)));
        // a copy with mild edits keeps its thumbnail, another picture does not
        float[] brighter = CopyThumbnails.thumbnail(sim.analyze(Pictures.brighter(cat, 40)).fingerprint());
        float[] other = CopyThumbnails.thumbnail(sim.analyze(ImageIO.read(Pictures.samples().resolve("coffee.jpg").toFile())).fingerprint());
        assertTrue(dot(t, brighter) > 0.99);
        assertTrue(dot(t, other) < 0.8);
        // a blank picture: no thumbnail, no vector field
        CopyFeatures blank = sim.analyze(new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB));
        assertEquals(null, CopyThumbnails.thumbnail(blank.fingerprint()));
        assertFalse(Arrays.stream(Copies.fields(blank)).anyMatch(x -> x.name().equals(Copies.THUMB)));
    }

    @Test
    public void theThumbnailTurnedBackMatchesACopyTurnedByAHalfOrThreeQuarters() throws IOException {
        BufferedImage cat = ImageIO.read(Pictures.samples().resolve("chelsea.jpg").toFile());
        float[] t = CopyThumbnails.thumbnail(sim.analyze(cat).fingerprint());
        // four quarter turns are the thumbnail itself; a half turn is the grid read backwards
        float[] full = CopyThumbnails.turns(t, 4).get(1);
        assertArrayEquals(t, full, 0f);
        float[] half = CopyThumbnails.turns(t, 2).get(1);
        for (int i = 0; i < t.length; i++) {
            assertEquals(t[t.length - 1 - i], half[i], 0f);
        }
        // the turns a copy search looks up bring a copy turned by 180 and by 270 degrees
        // (anticlockwise: Pictures.rotate's 2 and 1 quarters clockwise) back to the original's
        float[] upsideDown = CopyThumbnails.thumbnail(sim.analyze(Pictures.rotate(cat, 2)).fingerprint());
        float[] quarter = CopyThumbnails.thumbnail(sim.analyze(Pictures.rotate(cat, 1)).fingerprint());
        List<float[]> upsideDownViews = CopyThumbnails.turns(upsideDown, Copies.THUMB_TURNS);
        List<float[]> quarterViews = CopyThumbnails.turns(quarter, Copies.THUMB_TURNS);
        assertTrue(dot(t, upsideDown) < Copies.TURNED_THUMB_MIN);
        assertTrue(dot(t, upsideDownViews.get(1)) > 0.99);
        assertTrue(dot(t, quarterViews.get(2)) > 0.99);
        assertTrue(dot(t, quarterViews.get(1)) < Copies.TURNED_THUMB_MIN);
    }

    @Test
    public void aScreenshotsInnerPictureHasTheThumbnailOfThePictureAlone() throws IOException {
        BufferedImage rocket = ImageIO.read(Pictures.samples().resolve("rocket.jpg").toFile());
        float[] alone = CopyThumbnails.thumbnail(sim.analyze(rocket).fingerprint());
        byte[] shot = sim.analyze(Pictures.screenshot(rocket, 2.2)).fingerprint();
        float[] inner = CopyThumbnails.innerThumbnail(shot);
        assertEquals(256, inner.length);
        // the screenshot's own thumbnail is the canvas's; its inner picture's is the picture's
        assertTrue(dot(alone, CopyThumbnails.thumbnail(shot)) < 0.9);
        assertTrue(dot(alone, inner) > 0.95);
        // a photo edge to edge has no inner picture, nor a thumbnail of one
        BufferedImage cat = ImageIO.read(Pictures.samples().resolve("chelsea.jpg").toFile());
        assertEquals(null, CopyThumbnails.innerThumbnail(sim.analyze(cat).fingerprint()));
    }

    @Test
    public void theWordsOfLocalFeaturesFindTheOriginalOfACropOrAMirrorFirstAndNeverADeletedImage() throws IOException {
        Path dir = tmp.newFolder("files").toPath();
        List<Path> files = collection(dir);
        String coffeeId = Pictures.samples().resolve("coffee.jpg").toString();
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("idx").toPath(), sim)) {
            index.addAll(files, null);
            BufferedImage coffee = ImageIO.read(Pictures.samples().resolve("coffee.jpg").toFile());
            int w = coffee.getWidth();
            int h = coffee.getHeight();
            // a crop of 30 % of the area, off centre; and the picture mirrored
            BufferedImage crop = coffee.getSubimage(w / 3, h / 5, w * 11 / 20, h * 11 / 20);
            BufferedImage mirror = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    mirror.setRGB(w - 1 - x, y, coffee.getRGB(x, y));
                }
            }
            List<int[]> queries = new ArrayList<>();
            for (BufferedImage q : List.of(crop, mirror)) {
                int[] words = CopyWords.words(sim.analyze(q).fingerprint());
                assertTrue(words.length + " words", words.length > 200);
                queries.add(words);
                assertEquals(coffeeId, firstByWords(index, words));
            }
            // a flat picture has no words
            BufferedImage blank = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
            assertEquals(0, CopyWords.words(sim.analyze(blank).fingerprint()).length);
            // a removed image is never among them
            assertTrue(index.remove(coffeeId));
            for (int[] words : queries) {
                assertFalse(coffeeId.equals(firstByWords(index, words)));
            }
        }
    }

    @Test
    public void theFirstImagesByWordsAreSearchedForPartsWhereverTheyRankBySimilarity() {
        // candidates most similar first: documents 10, 11, ..., 19
        List<double[]> cands = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            cands.add(new double[] {10 + i, 0.9 - 0.01 * i});
        }
        // the first by words are documents 18 and 15, then 12; 99 is not a candidate
        boolean[] parts = CopyWords.searchParts(cands, 3, List.of(18, 15, 12, 99));
        for (int i = 0; i < 10; i++) {
            int doc = 10 + i;
            boolean expected = i < 3 || doc == 18 || doc == 15;
            assertEquals("document " + doc, expected, parts[i]);
        }
        assertEquals(2, CopyWords.PARTS);
        // no words (a flat picture, an index written before words): the first by similarity only
        boolean[] none = CopyWords.searchParts(cands, 3, List.of());
        for (int i = 0; i < 10; i++) {
            assertEquals(i < 3, none[i]);
        }
    }

    private static String firstByWords(ImageIndex index, int[] words) {
        return index.vectors().read(s -> {
            int[] near = CopyWords.nearest(s, words, 3, -1);
            return near.length == 0 ? null : s.storedFields().document(near[0]).get(IndexSchema.ID);
        });
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
        }
        return d;
    }

    @Test
    public void aScreenshotOfAStoredPictureFindsItAndItsInnerPictureIsStored() throws IOException {
        Path dir = tmp.newFolder("files").toPath();
        List<Path> files = collection(dir);
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("idx").toPath(), sim)) {
            index.addAll(files, null);
            BufferedImage rocket = ImageIO.read(Pictures.samples().resolve("rocket.jpg").toFile());
            Path shot = Pictures.png(dir.resolve("shot.png"), Pictures.screenshot(rocket, 2.2));
            CopyHit top = index.searchCopies(shot, 1).get(0);
            assertEquals(top.toString(), Pictures.samples().resolve("rocket.jpg").toString(), top.id());
            assertTrue(top.match().toString(), top.match().isCopy());
            index.addAll(List.of(shot), null);
            float[] stored = index.copyFeatures(shot.toString()).get().innerEmbedding().get();
            assertArrayEquals(sim.analyze(shot).innerEmbedding().get(), stored, 1e-6f);
            assertFalse("a photo edge to edge", index.copyFeatures(Pictures.samples().resolve("chelsea.jpg").toString()).get().innerEmbedding().isPresent());
            assertTrue(index.copies().stream().anyMatch(g -> g.ids().contains(shot.toString())
                    && g.ids().contains(Pictures.samples().resolve("rocket.jpg").toString())));
        }
    }

    @Test
    public void copiesGroupsVerifiedPairsOnlyAndBareVectorsAreNeverCopies() throws IOException {
        Path dir = tmp.newFolder("files").toPath();
        List<Path> files = collection(dir);
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("idx").toPath(), sim)) {
            index.addAll(files, null);
            // a bare vector identical to an indexed image: found by duplicates(), never by copies()
            index.add("bare", index.embedding(Pictures.samples().resolve("rocket.jpg").toString()).get(), Map.of());
            index.commit();
            List<CopyGroup> groups = index.copies();
            List<List<String>> ids = new ArrayList<>();
            for (CopyGroup g : groups) {
                ids.add(g.ids());
                assertTrue(g.confidence() > 0.5);
                for (CopyGroup.Pair p : g.pairs()) {
                    assertTrue(p.toString(), p.match().isCopy());
                }
            }
            String s = Pictures.samples().toString();
            assertTrue(ids.toString(), ids.contains(sorted(s + "/chelsea-cropped-brighter.jpg", s + "/chelsea.jpg",
                    dir + "/chelsea-turned.jpg")));
            assertTrue(ids.toString(), ids.contains(sorted(dir + "/astronaut-crop.jpg", s + "/astronaut.jpg")));
            assertEquals(ids.toString(), 2, groups.size());
            CopyGroup cats = groups.stream().filter(g -> g.ids().size() == 3).findFirst().get();
            assertTrue(cats.toString(), cats.pairs().stream().anyMatch(p -> p.match().transform() != Transform.NONE));
            // the bare vector has no fingerprint: duplicates() pairs it, copies() cannot
            assertTrue(index.duplicates(0.99).stream().anyMatch(g -> g.ids().contains("bare")));
            CopyHit bare = index.searchCopies(Pictures.samples().resolve("rocket.jpg"), 2).stream()
                    .filter(h -> h.id().equals("bare")).findFirst().get();
            assertEquals(Band.SIMILAR, bare.match().band());
        }
    }

    @Test
    public void anIndexFromBeforeCopyDetectionIsAnalysedAgainOnTheNextAddAll() throws IOException {
        List<Path> files = ImageIndexTest.samples();
        Path dir = tmp.newFolder("idx").toPath();
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            for (Path f : files) {
                index.add(f.toString(), sim.embed(f), Map.of()); // what an older version stored: no copy features
            }
            index.commit();
            assertTrue(index.copies().isEmpty());
            IndexReport r = index.addAll(files, null);
            assertEquals(files.size(), r.added());
            assertEquals(1, index.copies().size());
            assertEquals(files.size(), index.addAll(files, null).skipped());
        }
    }

    @Test
    public void anIndexFromBeforeInnerPicturesIsAnalysedAgainOnTheNextAddAll() throws IOException {
        List<Path> files = ImageIndexTest.samples();
        Path dir = tmp.newFolder("idx").toPath();
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            VectorIndex v = index.vectors();
            v.write(() -> {
                try {
                    for (Path f : files) {
                        // what session 14 stored: the copy field alone, no inner picture field
                        long[] stamp = {Files.size(f), Files.getLastModifiedTime(f).toMillis()};
                        v.put(f.toString(), sim.embed(f), Map.of(), stamp, Copies.fields(sim.analyze(f))[0]);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return null;
            });
            index.commit();
            assertEquals(files.size(), index.addAll(files, null).added());
            assertEquals(files.size(), index.addAll(files, null).skipped());
            assertEquals(1, index.copies().size());
        }
    }

    @Test
    public void aCustomCalibrationIsHonoured() throws IOException {
        Random rnd = new Random(1);
        double[] strict = new double[200];
        Arrays.fill(strict, 0.9999);
        strict[rnd.nextInt(200)] = 0.5;
        CopyCalibration never = CopyCalibration.fromBackground(strict, 0.01);
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("idx").toPath(), sim)) {
            index.addAll(ImageIndexTest.samples(), null);
            assertEquals(1, index.copies().size());
            // chelsea vs its brighter crop is an edited copy, well under a threshold of ~1
            for (CopyGroup g : index.copies(never)) {
                for (CopyGroup.Pair p : g.pairs()) {
                    assertTrue(p.toString(), p.match().band() == Band.EXACT_COPY || p.match().verification() >= 0.9999);
                }
            }
            Match m = index.searchCopies(sim.analyze(Pictures.samples().resolve("chelsea.jpg")), 1, never).get(0).match();
            assertEquals(Band.EXACT_COPY, m.band());
        }
    }

    private static List<String> sorted(String... ids) {
        List<String> out = new ArrayList<>(Arrays.asList(ids));
        java.util.Collections.sort(out);
        return out;
    }
}
