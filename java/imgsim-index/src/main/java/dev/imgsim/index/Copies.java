package dev.imgsim.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.Match;
import dev.imgsim.Vectors;

/**
 * Copy detection over the index: candidates from the HNSW graph (the query's embedding, its
 * 90-degree turn's and its inner picture's), each verified on the stored fingerprints. The copy
 * features of an image (turned embedding + fingerprint, the inner picture's embedding) live in
 * binary doc values, out of the way of plain searches.
 */
final class Copies {
    private static final System.Logger LOG = System.getLogger("dev.imgsim.index");
    /** Binary doc values: the turned embedding (dimension floats, little-endian) then the fingerprint. */
    static final String FIELD = "_copy";
    /**
     * Binary doc values: the inner picture's embedding (dimension floats, little-endian), empty for
     * an image without one; an entry without the field was analysed before inner pictures existed.
     */
    static final String INNER = "_copy.inner";
    /**
     * Vectors: the grey thumbnail of an image's content ({@link CopyThumbnails#thumbnail}), for images with copy
     * features whose picture is not flat. Document pages and figures crowd together in the
     * embedding (another page of the same template is nearer than the page's own copy); a copy
     * with mild edits (JPEG, blur, noise, levels, a crop of the margins) keeps the page's layout.
     */
    static final String THUMB = "_copy.thumb";
    /** Graph neighbours of the thumbnail added to a copy search's candidates, and to each image's in {@link #groups}. */
    static final int THUMB_NEIGHBOURS = 10;
    static final int THUMB_NEIGHBOURS_GROUPS = 3;
    /**
     * The thumbnail graph's beam for {@link #groups}' 3 neighbours: at the search's 20 it was a
     * third of the candidate pass at 100k images (the thumbnails of noise-like pictures leave the
     * graph little to follow); at 10 the same groups and pairs at 10,000 images, docs/DUPES.md.
     */
    static final int THUMB_BEAM_GROUPS = 10;
    /**
     * The quarter turns (clockwise) of the thumbnail a copy search also looks up: the embedding's
     * two views (the image and its quarter turn anticlockwise) bring a copy turned by 90 degrees
     * anticlockwise near, not one turned by 180 or 270 (a document page turned upside down is
     * nearer other pages than its original). In {@link #groups} both images of a pair search, so
     * the half turn alone covers what the views miss.
     */
    static final int[] THUMB_TURNS = {2, 3};
    static final int[] THUMB_TURNS_GROUPS = {2};
    /**
     * The thumbnail similarity (dot product of the unit thumbnails) a neighbour of a turned
     * thumbnail needs to join the candidates: a turned copy keeps its layout, and the turned
     * thumbnail's other neighbours would only add verifications.
     */
    static final double TURNED_THUMB_MIN = 0.9;
    /** Graph neighbours of an inner picture's view for a copy search (a screenshot's picture: its copies are the nearest few). */
    static final int INNER_NEIGHBOURS = 10;
    /** The same for every image of {@link #groups}, where each pair can be found from either side. */
    static final int INNER_NEIGHBOURS_GROUPS = 5;
    /** Graph neighbours per view verified for each image. */
    static final int NEIGHBOURS = 20;
    /**
     * The same for every image of {@link #groups}, of its own view: each pair can be found from
     * either side. At 100,000 images dupes took 0.85x the time of 20 of each view with 16 and 10 of
     * the turn (alternated runs; one more planted copy found); at 10,000 the same groups, the
     * pairs not found all inside clusters of one photograph through many filters, whose groups
     * stay whole (docs/DUPES.md, "Session 23").
     */
    static final int NEIGHBOURS_GROUPS = 16;
    /**
     * The same of the 90-degree turn's view: a quarter of the candidate pairs at 20, and at 10 the
     * same groups at 10,000 images and on the mixed draws (whose turned copies are all found).
     */
    static final int TURNED_NEIGHBOURS_GROUPS = 10;
    /** Of those, the most similar searched for parts (crops, padding): the costly search. */
    static final int PART_CANDIDATES = 6;

    private Copies() {}

    /**
     * The fields holding an image's copy features: {@link #FIELD} and {@link #INNER}, the
     * {@link #THUMB} vector and the {@link CopyWords#FIELD} terms.
     */
    static IndexableField[] fields(CopyFeatures f) {
        float[] t = f.turnedEmbedding();
        byte[] fp = f.fingerprint();
        ByteBuffer b = ByteBuffer.allocate(4 * t.length + fp.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t) {
            b.putFloat(v);
        }
        b.put(fp);
        byte[] inner = f.innerEmbedding().map(Copies::floats).orElse(new byte[0]);
        IndexableField copy = new BinaryDocValuesField(FIELD, new BytesRef(b.array()));
        IndexableField innerField = new BinaryDocValuesField(INNER, new BytesRef(inner));
        List<IndexableField> out = new ArrayList<>(List.of(copy, innerField));
        float[] thumb = CopyThumbnails.thumbnail(fp);
        if (thumb != null) {
            out.add(new KnnFloatVectorField(THUMB, thumb, VectorSimilarityFunction.DOT_PRODUCT));
        }
        out.addAll(CopyWords.fields(fp));
        return out.toArray(new IndexableField[0]);
    }

    private static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** The stored copy features of a document (global id), null when it has none. */
    static CopyFeatures features(IndexSearcher s, int doc) throws IOException {
        return new FeatureReader(s).features(doc);
    }

    /**
     * Reads the copy features of documents in increasing order of their ids, each field's doc
     * values of a segment opened once (what {@link #groups} does for the pairs of one document:
     * tens of reads, where opening the three iterators anew for each cost as much as reading).
     */
    static final class FeatureReader {
        private final List<LeafReaderContext> leaves;
        private LeafReaderContext leaf;
        private BinaryDocValues copy;
        private BinaryDocValues inner;
        private FloatVectorValues vectors;
        private int last = -1;

        FeatureReader(IndexSearcher s) {
            this.leaves = s.getIndexReader().leaves();
        }

        /** The features of {@code doc} (global id), null when it has none; ids must increase from call to call. */
        CopyFeatures features(int doc) throws IOException {
            if (doc <= last) {
                throw new IllegalArgumentException("document " + doc + " read after " + last);
            }
            last = doc;
            LeafReaderContext at = leaves.get(ReaderUtil.subIndex(doc, leaves));
            if (at != leaf) {
                leaf = at;
                copy = at.reader().getBinaryDocValues(FIELD);
                inner = at.reader().getBinaryDocValues(INNER);
                vectors = at.reader().getFloatVectorValues(IndexSchema.VECTOR);
            }
            int d = doc - leaf.docBase;
            if (copy == null || !copy.advanceExact(d)) {
                return null;
            }
            BytesRef r = copy.binaryValue();
            if (vectors == null || vectors.advance(d) != d) {
                throw new IOException("document " + doc + " has no vector");
            }
            float[] v = vectors.vectorValue().clone();
            int n = r.length - 4 * v.length;
            if (n < CopyFeatures.MIN_FINGERPRINT_BYTES || n > CopyFeatures.MAX_FINGERPRINT_BYTES) {
                throw new IOException("document " + doc + " has copy features of " + r.length + " bytes, expected "
                        + (4 * v.length + CopyFeatures.MIN_FINGERPRINT_BYTES) + " to " + (4 * v.length + CopyFeatures.MAX_FINGERPRINT_BYTES));
            }
            ByteBuffer b = ByteBuffer.wrap(r.bytes, r.offset, r.length).order(ByteOrder.LITTLE_ENDIAN);
            float[] t = new float[v.length];
            b.asFloatBuffer().get(t);
            byte[] fp = Arrays.copyOfRange(r.bytes, r.offset + 4 * v.length, r.offset + r.length);
            float[] in = null;
            if (inner != null && inner.advanceExact(d) && inner.binaryValue().length > 0) {
                BytesRef ir = inner.binaryValue();
                if (ir.length != 4 * v.length) {
                    throw new IOException("document " + doc + " has an inner embedding of " + ir.length + " bytes, expected " + 4 * v.length);
                }
                in = new float[v.length];
                ByteBuffer.wrap(ir.bytes, ir.offset, ir.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(in);
            }
            return new CopyFeatures(v, t, in, fp);
        }
    }

    /**
     * Graph neighbours of the views ({@code n} of the image's own, {@code turned} of its 90-degree
     * turn's, {@code inner} of its inner picture's, each graph search exploring at least
     * {@code explore} candidates) and
     * {@code thumbs} of its {@link CopyThumbnails#thumbnail}, of the thumbnail turned by each of
     * {@code thumbTurns} quarters (those at {@link #TURNED_THUMB_MIN} or closer) and of its
     * {@link CopyThumbnails#innerThumbnail} (at their embedding similarity; each search exploring at least
     * {@code thumbBeam}), and the {@code words} images sharing the most {@link CopyWords} with it
     * (added to {@code byWords}, most votes first, where not null),
     * best cosine per document, most similar first (excluding {@code self}).
     */
    private static List<double[]> candidates(IndexSearcher s, CopyFeatures f, int n, int turned, int inner, int thumbs, int thumbBeam,
            int[] thumbTurns, int words, int self, int explore, List<Integer> byWords) throws IOException {
        Map<Integer, Double> best = new HashMap<>();
        List<float[]> views = new ArrayList<>(List.of(f.embedding(), f.turnedEmbedding()));
        f.innerEmbedding().ifPresent(views::add);
        for (int i = 0; i < views.size(); i++) {
            int k = i == 0 ? n : i == 1 ? turned : inner;
            // the graph explores `explore` candidates (its beam) and the k best are kept: a beam of
            // k alone misses near neighbours, even an identical image, where the graph is sparse
            int beam = Math.max(k, explore);
            ScoreDoc[] hits = s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, Vectors.normalise(views.get(i)), beam), beam).scoreDocs;
            for (int h = 0; h < Math.min(k, hits.length); h++) {
                if (hits[h].doc != self) {
                    best.merge(hits[h].doc, 2.0 * hits[h].score - 1.0, Math::max);
                }
            }
        }
        // the thumbnail's neighbours, each at its embedding similarity as the views give it; then
        // those of its turns that are close (a page turned upside down: the embedding's two views
        // cover no turn but the quarter)
        float[] thumb = thumbs > 0 ? CopyThumbnails.thumbnail(f.fingerprint()) : null;
        List<float[]> thumbViews = new ArrayList<>(thumb == null ? List.of() : CopyThumbnails.turns(thumb, thumbTurns));
        int turnedFrom = 1;
        int turnedTo = thumbViews.size();
        // a picture on a canvas (padded, a screenshot): its inner picture's thumbnail too, as is
        float[] innerThumb = thumbs > 0 ? CopyThumbnails.innerThumbnail(f.fingerprint()) : null;
        if (innerThumb != null) {
            thumbViews.add(innerThumb);
        }
        for (int v = 0; v < thumbViews.size(); v++) {
            int beam = Math.max(thumbs, thumbBeam);
            ScoreDoc[] hits = s.search(new KnnFloatVectorQuery(THUMB, thumbViews.get(v), beam), beam).scoreDocs;
            for (int h = 0; h < Math.min(thumbs, hits.length); h++) {
                int doc = hits[h].doc;
                // DOT_PRODUCT scores (1 + dot) / 2
                if (v >= turnedFrom && v < turnedTo && 2.0 * hits[h].score - 1.0 < TURNED_THUMB_MIN) {
                    break;
                }
                if (doc != self && !best.containsKey(doc)) {
                    CopyFeatures other = features(s, doc);
                    if (other != null) {
                        best.put(doc, f.similarity(other));
                    }
                }
            }
        }
        // the images sharing the most words of local features (a crop of a page, a page in a
        // screenshot: near by neither embedding nor thumbnail), at their embedding similarity
        int[] top = CopyWords.addNearest(s, f, words, self, best);
        for (int i = 0; byWords != null && i < top.length; i++) {
            byWords.add(top[i]);
        }
        List<double[]> out = new ArrayList<>();
        best.forEach((d, sim) -> out.add(new double[] {d, sim}));
        out.sort(Comparator.comparingDouble((double[] x) -> -x[1]).thenComparingDouble(x -> x[0]));
        return out;
    }

    /**
     * Ranking: copies first (most confident, then best verified), then the rest by embedding
     * similarity plus confidence (a near miss, a copy whose evidence fell short of its rule, before
     * a look-alike that is merely as similar; docs/QUALITY.md, "Near misses"), then similarity.
     */
    static final Comparator<Match> ORDER = (x, y) -> {
        if (x.isCopy() != y.isCopy()) {
            return x.isCopy() ? -1 : 1;
        }
        if (x.isCopy()) {
            int c = Double.compare(y.confidence(), x.confidence());
            return c != 0 ? c : Double.compare(y.verification(), x.verification());
        }
        int c = Double.compare(y.similarity() + y.confidence(), x.similarity() + x.confidence());
        return c != 0 ? c : Double.compare(y.similarity(), x.similarity());
    };

    static List<CopyHit> search(IndexSearcher s, CopyFeatures q, int k, CopyCalibration cal, int explore) throws IOException {
        int n = Math.max(k, NEIGHBOURS);
        List<Integer> byWords = new ArrayList<>();
        List<double[]> cands = candidates(s, q, n, n, INNER_NEIGHBOURS, THUMB_NEIGHBOURS, explore, THUMB_TURNS,
                CopyWords.NEIGHBOURS, -1, explore, byWords);
        // the stored images are the originals, the query their possible copy; the most similar
        // (the first max(k, PART_CANDIDATES) in graph order) and the first CopyWords.PARTS by
        // words are searched for parts, and verified first
        int parts = Math.max(k, PART_CANDIDATES);
        boolean[] searchParts = CopyWords.searchParts(cands, parts, byWords);
        List<Integer> order = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < cands.size(); i++) {
            (searchParts[i] ? order : rest).add(i);
        }
        int partsFirst = order.size();
        order.addAll(rest);
        List<CopyFeatures> stored = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        int withParts = 0;
        for (int o = 0; o < order.size(); o++) {
            int i = order.get(o);
            CopyFeatures f = features(s, (int) cands.get(i)[0]);
            if (f != null) {
                stored.add(f);
                at.add(i);
                withParts += o < partsFirst ? 1 : 0;
            }
        }
        Match[] ms = new Match[cands.size()];
        // the part-searched ones lead the list (graph order keeps them first)
        List<Match> verified = cal.verifyAgainst(stored, q, withParts);
        for (int j = 0; j < verified.size(); j++) {
            ms[at.get(j)] = verified.get(j);
        }
        for (int i = 0; i < cands.size(); i++) {
            if (ms[i] == null) {
                ms[i] = cal.unverified(cands.get(i)[1]);
            }
        }
        // a copy that stands out from the query's other neighbours: further evidence (the rules)
        List<Match> inContext = cal.withSearchContext(Arrays.asList(ms), NEIGHBOURS);
        List<CopyHit> hits = new ArrayList<>();
        for (int i = 0; i < cands.size(); i++) {
            int doc = (int) cands.get(i)[0];
            Match m = inContext.get(i);
            hits.add(new CopyHit(s.storedFields().document(doc).get(IndexSchema.ID), m,
                    StoredVectors.hit(s.storedFields().document(doc), m.similarity()).fields()));
        }
        hits.sort(Comparator.comparing(CopyHit::match, ORDER).thenComparing(CopyHit::id));
        return Collections.unmodifiableList(new ArrayList<>(hits.subList(0, Math.min(k, hits.size()))));
    }

    /**
     * Verified copy pairs joined into groups, most confident first. Two passes: every image's graph
     * neighbours give the candidate pairs (each pair once, whichever side found it; its parts are
     * searched when it is among the first {@link #PART_CANDIDATES} of either side); then each pair
     * is verified once, the lower document first (so a pair reads the same from either side), all
     * pairs of one document in one native call that derives its grids once.
     */
    static List<CopyGroup> groups(IndexSearcher s, int threads, CopyCalibration cal, int explore) throws IOException {
        List<Integer> docs = new ArrayList<>();
        for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
            BinaryDocValues dv = leaf.reader().getBinaryDocValues(FIELD);
            Bits live = leaf.reader().getLiveDocs();
            if (dv == null) {
                continue;
            }
            for (int d = dv.nextDoc(); d != BinaryDocValues.NO_MORE_DOCS; d = dv.nextDoc()) {
                if (live == null || live.get(d)) {
                    docs.add(leaf.docBase + d);
                }
            }
        }
        // pass 1: candidate pairs as (lower << 32 | higher << 1 | parts)
        long start = System.nanoTime();
        long[][] found = new long[docs.size()][];
        parallel(threads, docs.size(), i -> {
            int doc = docs.get(i);
            CopyFeatures f = features(s, doc);
            List<double[]> cands = candidates(s, f, NEIGHBOURS_GROUPS, TURNED_NEIGHBOURS_GROUPS, INNER_NEIGHBOURS_GROUPS,
                    THUMB_NEIGHBOURS_GROUPS, THUMB_BEAM_GROUPS, THUMB_TURNS_GROUPS, 0, doc, explore, null);
            long[] codes = new long[cands.size()];
            for (int c = 0; c < codes.length; c++) {
                int other = (int) cands.get(c)[0];
                codes[c] = pairCode(Math.min(doc, other), Math.max(doc, other), c < PART_CANDIDATES);
            }
            found[i] = codes;
        });
        long[] codes = merge(found);
        long searched = System.nanoTime();
        // pass 2: pairs grouped by their lower document, each group verified in one call
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < codes.length;) {
            int j = i;
            while (j < codes.length && CopyGrouping.lower(codes[j]) == CopyGrouping.lower(codes[i])) {
                j++;
            }
            runs.add(new int[] {i, j});
            i = j;
        }
        // each pair's verdict: copies and the near misses that may stand out kept whole
        Match[] kept = new Match[codes.length];
        float[] verification = new float[codes.length];
        boolean[] vetoed = new boolean[codes.length];
        parallel(threads, runs.size(), r -> {
            int from = runs.get(r)[0];
            int to = runs.get(r)[1];
            int lower = CopyGrouping.lower(codes[from]);
            Arrays.fill(verification, from, to, -1f);
            // the lower document first, then the higher ones in increasing order
            FeatureReader reader = new FeatureReader(s);
            CopyFeatures a = reader.features(lower);
            if (a == null) {
                return;
            }
            CopyFeatures[] others = new CopyFeatures[to - from];
            for (int k = from; k < to; k++) {
                others[k - from] = reader.features(CopyGrouping.higher(codes[k]));
            }
            // the pairs whose parts are searched first
            List<CopyFeatures> bs = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            int withParts = 0;
            for (int pass = 0; pass < 2; pass++) {
                for (int k = from; k < to; k++) {
                    boolean parts = (codes[k] & 1) != 0;
                    if (parts != (pass == 0)) {
                        continue;
                    }
                    CopyFeatures b = others[k - from];
                    if (b != null) {
                        bs.add(b);
                        at.add(k);
                        withParts += parts ? 1 : 0;
                    }
                }
            }
            // screened: millions of pairs at 100,000 images (CopyCalibration.verifyAllScreened)
            List<Match> ms = cal.verifyAllScreened(a, bs, withParts);
            for (int k = 0; k < ms.size(); k++) {
                Match m = ms.get(k);
                int i = at.get(k);
                verification[i] = Double.isNaN(m.verification()) ? -1f : (float) m.verification();
                vetoed[i] = m.hueMismatch() >= CopyCalibration.HUE_MISMATCH_VETO;
                if (m.isCopy() || m.confidence() >= CopyGrouping.MAY_STAND_OUT) {
                    kept[i] = m;
                }
            }
        });
        List<CopyGroup> groups = CopyGrouping.groups(s, cal, codes, kept, verification, vetoed);
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            long withParts = Arrays.stream(codes).filter(c -> (c & 1) != 0).count();
            LOG.log(System.Logger.Level.DEBUG, String.format(java.util.Locale.ROOT,
                    "copies over %d images: %d candidate pairs (%d with the part search) from the graph in %.1f s, verified and grouped in %.1f s: %d groups",
                    docs.size(), codes.length, withParts, (searched - start) / 1e9, (System.nanoTime() - searched) / 1e9, groups.size()));
        }
        return groups;
    }

    /** A candidate pair: the lower document, the higher, whether its parts are searched ({@link CopyGrouping#lower}, {@link CopyGrouping#higher} read it). */
    private static long pairCode(int lower, int higher, boolean parts) {
        return (long) lower << 32 | (long) higher << 1 | (parts ? 1 : 0);
    }

    /** The codes sorted, one per pair, its parts searched when any of its codes says so. */
    private static long[] merge(long[][] found) {
        int n = 0;
        for (long[] f : found) {
            n += f == null ? 0 : f.length;
        }
        long[] all = new long[n];
        int at = 0;
        for (long[] f : found) {
            if (f != null) {
                System.arraycopy(f, 0, all, at, f.length);
                at += f.length;
            }
        }
        Arrays.sort(all);
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (m > 0 && all[m - 1] >>> 1 == all[i] >>> 1) {
                all[m - 1] |= all[i] & 1;
            } else {
                all[m++] = all[i];
            }
        }
        return Arrays.copyOf(all, m);
    }

    /** Work on one index item, possibly throwing. */
    private interface Item {
        void run(int i) throws IOException;
    }

    /** Runs {@code work} for 0..n-1 on {@code threads} threads, items handed out in order. */
    private static void parallel(int threads, int n, Item work) throws IOException {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "imgsim-copies");
            t.setDaemon(true);
            return t;
        });
        List<Future<Void>> parts = new ArrayList<>();
        for (int w = 0; w < Math.max(1, threads); w++) {
            parts.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    work.run(i);
                }
                return null;
            }));
        }
        pool.shutdown();
        try {
            for (Future<Void> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while finding copies", e);
        } catch (ExecutionException e) {
            pool.shutdownNow();
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IOException(e.getCause());
        }
    }
}
