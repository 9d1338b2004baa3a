package dev.imgsim.index;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.ImageSimilarity;

/** The index through its public API, on the bundled model and on made-up vectors. */
public class ImageIndexTest {
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

    static List<Path> samples() throws IOException {
        try (Stream<Path> s = Files.list(Pictures.samples())) {
            return s.filter(p -> p.toString().endsWith(".jpg")).sorted().collect(Collectors.toList());
        }
    }

    static float[] randomUnit(Random rnd, int dim) {
        float[] v = new float[dim];
        double n = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) rnd.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < dim; i++) {
            v[i] /= (float) Math.sqrt(n);
        }
        return v;
    }

    @Test
    public void nearestHitOfAnIndexedImageIsItself() throws IOException {
        List<Path> files = samples();
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("idx").toPath(), sim)) {
            IndexReport r = index.addAll(files, null);
            assertEquals(files.size(), r.added());
            assertEquals(files.size(), index.size());
            for (Path f : files) {
                List<Hit> hits = index.search(f, 3);
                assertEquals(f.toString(), hits.get(0).id());
                assertTrue(hits.get(0).similarity() >= 0.999);
                assertTrue(hits.get(0).similarity() >= hits.get(1).similarity());
            }
            // the BufferedImage and embedding overloads agree with the file one
            List<Hit> byImage = index.search(javax.imageio.ImageIO.read(files.get(0).toFile()), 1);
            assertEquals(files.get(0).toString(), byImage.get(0).id());
        }
    }

    @Test
    public void topKEqualsAnExactCosineRanking() throws IOException {
        Random rnd = new Random(7);
        int dim = 64;
        List<float[]> vs = new ArrayList<>();
        try (VectorIndex index = VectorIndex.open(tmp.newFolder("vec").toPath(), "test-model", dim, IndexOptions.defaults())) {
            for (int i = 0; i < 300; i++) {
                float[] v = randomUnit(rnd, dim);
                // unnormalised input: the index normalises
                float[] scaled = v.clone();
                for (int j = 0; j < dim; j++) {
                    scaled[j] *= 3.5f;
                }
                vs.add(v);
                index.add("v" + i, scaled, Map.of("n", Integer.toString(i)));
            }
            for (int q = 0; q < 20; q++) {
                float[] query = randomUnit(rnd, dim);
                List<String> expected = exactTop(vs, query, 10);
                List<Hit> hnsw = index.search(query, 10);
                List<Hit> exact = index.searchExact(query, 10);
                assertEquals(expected, hnsw.stream().map(Hit::id).collect(Collectors.toList()));
                assertEquals(expected, exact.stream().map(Hit::id).collect(Collectors.toList()));
                int best = Integer.parseInt(expected.get(0).substring(1));
                assertEquals(cos(vs.get(best), query), hnsw.get(0).similarity(), 1e-6);
                assertEquals(expected.get(0).substring(1), hnsw.get(0).fields().get("n"));
                // searchAbove: exactly the vectors at or above the threshold
                double t = hnsw.get(4).similarity();
                List<Hit> above = index.searchAbove(query, t);
                assertEquals(expected.subList(0, 5), above.stream().map(Hit::id).collect(Collectors.toList()));
            }
        }
    }

    static List<String> exactTop(List<float[]> vs, float[] q, int k) {
        Integer[] idx = new Integer[vs.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -cos(vs.get(i), q)));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add("v" + idx[i]);
        }
        return out;
    }

    static double cos(float[] a, float[] b) {
        return ImageSimilarity.cosine(a, b);
    }

    @Test
    public void int8IndexFindsTheSameNeighboursWithExactSimilarities() throws IOException {
        Random rnd = new Random(11);
        int dim = 128;
        List<float[]> vs = new ArrayList<>();
        IndexOptions int8 = IndexOptions.builder().encoding(IndexOptions.Encoding.INT8).build();
        Path dir = tmp.newFolder("int8").toPath();
        try (VectorIndex index = VectorIndex.open(dir, "m", dim, int8)) {
            for (int i = 0; i < 200; i++) {
                vs.add(randomUnit(rnd, dim));
                index.add("v" + i, vs.get(i), Map.of());
            }
            index.commit();
            for (int q = 0; q < 10; q++) {
                float[] query = vs.get(q * 7);
                List<Hit> hits = index.search(query, 5);
                assertEquals("v" + q * 7, hits.get(0).id());
                assertEquals(1.0, hits.get(0).similarity(), 1e-6);
            }
        }
        // reopened with default options, the recorded INT8 encoding wins
        try (VectorIndex index = VectorIndex.open(dir, "m", dim, IndexOptions.defaults())) {
            assertEquals(IndexOptions.Encoding.INT8, index.options().encoding());
            assertEquals(200, index.size());
        }
    }

    @Test
    public void reopenAfterCloseKeepsEverythingAndRemoveWorks() throws IOException {
        Path dir = tmp.newFolder("reopen").toPath();
        List<Path> files = samples();
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            index.addAll(files, null);
            index.add("made-up", randomUnit(new Random(1), sim.embeddingSize()), Map.of("source", "test"));
        }
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            assertEquals(files.size() + 1, index.size());
            Hit h = index.search(index.embedding("made-up").get(), 1).get(0);
            assertEquals("made-up", h.id());
            assertEquals(Map.of("source", "test"), h.fields());
            assertTrue(index.remove(files.get(0).toString()));
            assertFalse(index.remove("never-added"));
            assertEquals(files.size(), index.size());
            assertFalse(index.embedding(files.get(0).toString()).isPresent());
            for (Hit x : index.search(files.get(0), 10)) {
                assertFalse(x.id().equals(files.get(0).toString()));
            }
        }
        try (ImageIndex index = ImageIndex.openReadOnly(dir, sim)) {
            assertEquals(files.size(), index.size()); // close committed the removal
            assertTrue(index.isReadOnly());
            assertThrows(IllegalStateException.class, () -> index.remove("made-up"));
        }
    }

    @Test
    public void addingAnIdAgainReplacesIt() throws IOException {
        try (VectorIndex index = VectorIndex.open(tmp.newFolder("upsert").toPath(), "m", 8, IndexOptions.defaults())) {
            index.add("a", new float[] {1, 0, 0, 0, 0, 0, 0, 0}, Map.of());
            index.add("a", new float[] {0, 1, 0, 0, 0, 0, 0, 0}, Map.of("v", "2"));
            assertEquals(1, index.size());
            Hit h = index.search(new float[] {0, 1, 0, 0, 0, 0, 0, 0}, 1).get(0);
            assertEquals(1.0, h.similarity(), 1e-9);
            assertEquals("2", h.fields().get("v"));
        }
    }

    @Test
    public void forEachVisitsEveryLiveEntryWithItsVectorAndFields() throws IOException {
        try (VectorIndex index = VectorIndex.open(tmp.newFolder("foreach").toPath(), "m", 8, IndexOptions.defaults())) {
            index.add("a", new float[] {2, 0, 0, 0, 0, 0, 0, 0}, Map.of("k", "1"));
            index.add("b", new float[] {0, 3, 0, 0, 0, 0, 0, 0}, Map.of());
            index.add("c", new float[] {0, 0, 1, 0, 0, 0, 0, 0}, Map.of());
            index.remove("c");
            index.commit();
            Map<String, float[]> seen = new java.util.TreeMap<>();
            Map<String, Map<String, String>> fields = new java.util.TreeMap<>();
            assertEquals(2, index.forEach((id, v, f) -> {
                seen.put(id, v);
                fields.put(id, f);
            }));
            assertEquals(Set.of("a", "b"), seen.keySet());
            assertEquals(1.0, seen.get("a")[0], 1e-6);
            assertEquals(1.0, seen.get("b")[1], 1e-6);
            assertEquals(Map.of("k", "1"), fields.get("a"));
            assertEquals(Map.of(), fields.get("b"));
            ImageIndexException e = assertThrows(ImageIndexException.class, () -> index.forEach((id, v, f) -> {
                throw new IOException("consumer failed on " + id);
            }));
            assertTrue(e.getMessage(), e.getMessage().contains("consumer failed"));
        }
    }

    @Test
    public void anotherModelIsRefusedWithAClearException() throws IOException {
        Path dir = tmp.newFolder("mismatch").toPath();
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            index.add("x", samples().get(0));
        }
        try (ImageSimilarity int8 = ImageSimilarity.builder().model(ImageSimilarity.BundledModel.INT8).build()) {
            ModelMismatchException e = assertThrows(ModelMismatchException.class, () -> ImageIndex.open(dir, int8));
            assertTrue(e.getMessage(), e.getMessage().contains(sim.modelSha256()) && e.getMessage().contains(int8.modelSha256()));
            assertThrows(ModelMismatchException.class, () -> ImageIndex.openReadOnly(dir, int8));
        }
        assertThrows(ModelMismatchException.class, () -> VectorIndex.open(dir, sim.modelSha256(), 256, IndexOptions.defaults()));
        // the index is untouched by the refused opens
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            assertEquals(1, index.size());
        }
    }

    @Test
    public void aSecondWriterIsRefusedButReadersMaySearchBesideIt() throws IOException {
        Path dir = tmp.newFolder("locked").toPath();
        try (ImageIndex writer = ImageIndex.open(dir, sim)) {
            IndexLockedException e = assertThrows(IndexLockedException.class, () -> ImageIndex.open(dir, sim));
            assertTrue(e.getMessage(), e.getMessage().contains("openReadOnly"));
            try (ImageIndex reader = ImageIndex.openReadOnly(dir, sim)) {
                assertEquals(0, reader.size());
                writer.add("x", samples().get(0));
                assertEquals(0, reader.size()); // not committed yet
                writer.commit();
                assertEquals(1, reader.size()); // sees the writer's commit
                assertEquals("x", reader.search(samples().get(0), 1).get(0).id());
            }
        }
        // the lock is released on close
        ImageIndex.open(dir, sim).close();
    }

    @Test
    public void corruptForeignAndMissingIndexesGiveClearExceptions() throws IOException {
        Path dir = tmp.newFolder("corrupt").toPath();
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            index.add("x", samples().get(0));
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("segments_")).collect(Collectors.toList())) {
                byte[] b = Files.readAllBytes(p);
                for (int i = b.length / 3; i < b.length; i++) {
                    b[i] ^= 0x5A;
                }
                Files.write(p, b);
            }
        }
        ImageIndexException e = assertThrows(ImageIndexException.class, () -> ImageIndex.open(dir, sim));
        assertTrue(e.getMessage(), e.getMessage().contains("corrupt") && e.getMessage().contains(dir.toString()));
        assertThrows(ImageIndexException.class, () -> ImageIndex.openReadOnly(dir, sim));

        Path foreign = tmp.newFolder("photos").toPath();
        Files.write(foreign.resolve("holiday.txt"), new byte[] {1, 2, 3});
        e = assertThrows(ImageIndexException.class, () -> ImageIndex.open(foreign, sim));
        assertTrue(e.getMessage(), e.getMessage().contains("not empty"));
        assertTrue(Files.exists(foreign.resolve("holiday.txt")));

        Path missing = tmp.getRoot().toPath().resolve("no-such-index");
        e = assertThrows(ImageIndexException.class, () -> ImageIndex.openReadOnly(missing, sim));
        assertTrue(e.getMessage(), e.getMessage().contains("no index"));

        Path file = tmp.newFile("a-file").toPath();
        assertThrows(ImageIndexException.class, () -> ImageIndex.open(file, sim));
    }

    @Test
    public void aReadOnlyDirectoryIsAClearException() throws Exception {
        Path dir = tmp.newFolder("ro").toPath();
        try (ImageIndex index = ImageIndex.open(dir, sim)) {
            index.add("x", samples().get(0));
        }
        // root writes anywhere: make the directory immutable instead (chattr +i binds root too)
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            org.junit.Assume.assumeTrue("chattr +i is not available here", Sh.run("chattr", "+i", dir.toString()));
        } else {
            assertTrue(dir.toFile().setWritable(false));
        }
        try {
            ImageIndexException e = assertThrows(ImageIndexException.class, () -> ImageIndex.open(dir, sim));
            assertTrue(e.getMessage(), e.getMessage().contains(dir.toString()));
            try (ImageIndex index = ImageIndex.openReadOnly(dir, sim)) {
                assertEquals(1, index.size());
                assertEquals("x", index.search(samples().get(0), 1).get(0).id());
            }
        } finally {
            if (root) {
                Sh.run("chattr", "-i", dir.toString());
            } else {
                dir.toFile().setWritable(true);
            }
        }
    }

    @Test
    public void aFullDiskIsAClearExceptionAndTheLastCommitSurvives() throws Exception {
        // a 3 MB file system of its own (needs root and mount; skipped elsewhere)
        Path mnt = tmp.newFolder("small-disk").toPath();
        org.junit.Assume.assumeTrue("cannot mount a tmpfs here",
                "root".equals(System.getProperty("user.name")) && Sh.run("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt.toString()));
        try {
            Path dir = mnt.resolve("idx");
            Random rnd = new Random(13);
            int committed = 0;
            ImageIndexException failure = null;
            VectorIndex index = VectorIndex.open(dir, "m", 512, IndexOptions.defaults());
            try {
                for (int i = 0; i < 100_000 && failure == null; i++) {
                    try {
                        index.add("v" + i, randomUnit(rnd, 512), Map.of());
                        if (i % 200 == 199) {
                            index.commit();
                            committed = i + 1;
                        }
                    } catch (ImageIndexException e) {
                        failure = e;
                    }
                }
            } finally {
                try {
                    index.close();
                } catch (ImageIndexException e) {
                    failure = failure == null ? e : failure; // closing cannot commit either
                }
            }
            assertNotNull("the disk never filled", failure);
            assertTrue(failure.getMessage(), failure.getMessage().contains(dir.toString())
                    && failure.getMessage().toLowerCase(java.util.Locale.ROOT).contains("no space left"));
            assertTrue(committed > 0);
            try (VectorIndex again = VectorIndex.open(mnt.resolve("idx"), "m", 512, IndexOptions.defaults())) {
                assertTrue(again.size() >= committed);
                assertEquals(1, again.search(again.embedding("v0").get(), 1).size());
            } catch (ImageIndexException stillFull) {
                // reopening for writing may itself need space; the commit must still be readable
                assertTrue(stillFull.getMessage(), stillFull.getMessage().contains(dir.toString()));
            }
        } finally {
            Sh.run("umount", mnt.toString());
        }
    }

    @Test
    public void aClosedIndexThrowsIllegalState() throws IOException {
        ImageIndex index = ImageIndex.open(tmp.newFolder("closed").toPath(), sim);
        index.close();
        index.close(); // idempotent
        float[] v = randomUnit(new Random(2), sim.embeddingSize());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> index.search(v, 1));
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> index.size());
        assertThrows(IllegalStateException.class, () -> index.add("x", samples().get(0)));
        assertThrows(IllegalStateException.class, () -> index.addAll(List.of(), null));
    }

    @Test
    public void badArgumentsAreRefused() throws IOException {
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("args").toPath(), sim)) {
            int d = sim.embeddingSize();
            assertThrows(IllegalArgumentException.class, () -> index.add("x", new float[d - 1], Map.of()));
            assertThrows(IllegalArgumentException.class, () -> index.add("x", new float[d], Map.of()));
            float[] nan = new float[d];
            nan[0] = Float.NaN;
            assertThrows(IllegalArgumentException.class, () -> index.add("x", nan, Map.of()));
            assertThrows(IllegalArgumentException.class, () -> index.search(new float[d], 0));
            assertThrows(IllegalArgumentException.class, () -> index.duplicates(1.5));
            assertThrows(NullPointerException.class, () -> index.add(null, samples().get(0)));
            assertThrows(dev.imgsim.ImageDecodeException.class, () -> index.add("x", Pictures.root().resolve("README.md")));
            assertEquals(0, index.size());
        }
    }

    @Test
    public void addAllReportsBadFilesAndGoesOn() throws IOException {
        Path dir = tmp.newFolder("files").toPath();
        Path good1 = Pictures.jpeg(dir.resolve("a.jpg"), Pictures.scene(160, 120, 1));
        Path good2 = Pictures.jpeg(dir.resolve("b.jpg"), Pictures.scene(160, 120, 2));
        Path text = Files.write(dir.resolve("notes.txt"), "not an image".getBytes());
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        Path truncated = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(Files.readAllBytes(good1), 300));
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path missing = dir.resolve("gone.png");
        List<String> heard = new ArrayList<>();
        int[] last = new int[3];
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("files-idx").toPath(), sim)) {
            IndexReport r = index.addAll(List.of(good1, text, empty, truncated, sub, missing, good2), new ProgressListener() {
                @Override
                public void progress(int done, int total, int failed, long elapsedNanos) {
                    last[0] = done;
                    last[1] = total;
                    last[2] = failed;
                }

                @Override
                public void failed(Path file, String reason) {
                    heard.add(file.getFileName().toString());
                }
            });
            assertEquals(7, r.total());
            assertEquals(2, r.added());
            assertEquals(5, r.failures().size());
            assertEquals(Set.of("notes.txt", "empty.jpg", "cut.jpg", "sub", "gone.png"), new HashSet<>(heard));
            assertEquals(List.of(text, empty, truncated, sub, missing),
                    r.failures().stream().map(IndexReport.Failure::file).collect(Collectors.toList()));
            assertTrue(r.failures().get(1).reason(), r.failures().get(1).reason().contains("empty"));
            assertTrue(r.failures().get(3).reason(), r.failures().get(3).reason().contains("not a regular file"));
            assertTrue(r.failures().get(4).reason(), r.failures().get(4).reason().contains("does not exist"));
            assertEquals(List.of(7, 7, 5), List.of(last[0], last[1], last[2]));
            assertEquals(2, index.size());
            // a second run skips the unchanged files and reports the bad ones again
            IndexReport again = index.addAll(List.of(good1, text, good2), null);
            assertEquals(2, again.skipped());
            assertEquals(0, again.added());
            assertEquals(1, again.failures().size());
            // a changed file is embedded again
            Pictures.jpeg(good1, Pictures.scene(160, 120, 3));
            Files.setLastModifiedTime(good1, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
            assertEquals(1, index.addAll(List.of(good1, good2), null).added());
        }
    }

    @Test
    public void exifOrientationIsAppliedInEmbedPathAndInAddAll() throws IOException {
        Path dir = tmp.newFolder("exif").toPath();
        java.awt.image.BufferedImage upright = javax.imageio.ImageIO.read(samples().get(0).toFile());
        Path plain = Pictures.jpeg(dir.resolve("upright.jpg"), upright);
        List<Path> tagged = new ArrayList<>();
        for (int o : new int[] {3, 6, 8}) {
            tagged.add(Pictures.jpegWithOrientation(dir.resolve("orientation-" + o + ".jpg"), upright, o));
        }
        try (ImageIndex index = ImageIndex.open(tmp.newFolder("exif-idx").toPath(), sim)) {
            List<Path> all = new ArrayList<>(tagged);
            all.add(plain);
            assertEquals(4, index.addAll(all, null).added());
            float[] up = index.embedding(plain.toString()).get();
            float[] upDirect = sim.embed(plain);
            for (Path t : tagged) {
                double c = ImageSimilarity.cosine(up, index.embedding(t.toString()).get());
                assertTrue("addAll " + t + ": " + c, c >= 0.99);
                double d = ImageSimilarity.cosine(upDirect, sim.embed(t));
                assertTrue("embed(Path) " + t + ": " + d, d >= 0.99);
            }
            // without its tag, the same stored file is a different picture to the model
            Path untagged = Pictures.jpeg(dir.resolve("sideways.jpg"), Pictures.rotate(upright, 3));
            assertTrue(ImageSimilarity.cosine(upDirect, sim.embed(untagged)) < 0.95);
        }
    }

    @Test
    public void duplicatesFindsNearCopiesAndMatchesTheExactScan() throws IOException {
        Random rnd = new Random(3);
        int dim = 32;
        try (VectorIndex index = VectorIndex.open(tmp.newFolder("dupes").toPath(), "m", dim, IndexOptions.defaults())) {
            for (int i = 0; i < 400; i++) {
                index.add("v" + i, randomUnit(rnd, dim), Map.of());
            }
            // three planted groups: a pair, a triple chained through its middle, a quadruple
            float[] base = randomUnit(rnd, dim);
            index.add("pair-a", base, Map.of());
            index.add("pair-b", jitter(base, rnd, 0.05), Map.of());
            float[] t = randomUnit(rnd, dim);
            index.add("triple-a", t, Map.of());
            index.add("triple-b", jitter(t, rnd, 0.05), Map.of());
            index.add("triple-c", jitter(index.embedding("triple-b").get(), rnd, 0.05), Map.of());
            float[] q = randomUnit(rnd, dim);
            for (int i = 0; i < 4; i++) {
                index.add("quad-" + i, jitter(q, rnd, 0.03), Map.of());
            }
            List<DuplicateGroup> approx = index.duplicates(0.95);
            List<DuplicateGroup> exact = index.duplicatesExact(0.95);
            assertEquals(exact, approx);
            Set<List<String>> groups = approx.stream().map(DuplicateGroup::ids).collect(Collectors.toSet());
            assertTrue(groups.toString(), groups.contains(List.of("pair-a", "pair-b")));
            assertTrue(groups.toString(), groups.contains(List.of("quad-0", "quad-1", "quad-2", "quad-3")));
            assertTrue(groups.toString(), groups.stream().anyMatch(g -> g.containsAll(List.of("triple-a", "triple-b"))));
            for (DuplicateGroup g : approx) {
                assertTrue(g.similarity() >= 0.95);
            }
            for (int i = 1; i < approx.size(); i++) {
                assertTrue(approx.get(i - 1).similarity() >= approx.get(i).similarity());
            }
        }
    }

    static float[] jitter(float[] v, Random rnd, double amount) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) (rnd.nextGaussian() * amount / Math.sqrt(out.length));
        }
        return out;
    }

    @Test
    public void searchesDuringConcurrentAddsNeverFail() throws Exception {
        Random rnd = new Random(5);
        int dim = 64;
        try (VectorIndex index = VectorIndex.open(tmp.newFolder("concurrent").toPath(), "m", dim, IndexOptions.defaults())) {
            index.add("first", randomUnit(rnd, dim), Map.of());
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            Future<Integer> adder = pool.submit(() -> {
                Random r = new Random(9);
                int n = 0;
                while (n < 3000) {
                    index.add("a" + n, randomUnit(r, dim), Map.of());
                    if (++n % 500 == 0) {
                        index.commit();
                    }
                }
                stop.set(true);
                return n;
            });
            List<Future<Integer>> searchers = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                searchers.add(pool.submit(() -> {
                    Random r = new Random(11);
                    int n = 0;
                    while (!stop.get()) {
                        List<Hit> hits = index.search(randomUnit(r, dim), 5);
                        assertFalse(hits.isEmpty());
                        n++;
                    }
                    return n;
                }));
            }
            assertEquals(3000, (int) adder.get(60, TimeUnit.SECONDS));
            for (Future<Integer> f : searchers) {
                assertTrue(f.get(60, TimeUnit.SECONDS) > 0);
            }
            pool.shutdown();
            assertEquals(3001, index.size());
            assertNotNull(index.search(randomUnit(rnd, dim), 1));
        }
    }
}
