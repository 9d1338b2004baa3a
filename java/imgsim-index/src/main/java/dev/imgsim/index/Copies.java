package dev.imgsim.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
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
 * Copy detection over the index: candidates from the HNSW graph (the query's embedding and its
 * 90-degree turn's), each verified on the stored fingerprints. The copy features of an image
 * (turned embedding + fingerprint) live in binary doc values, out of the way of plain searches.
 */
final class Copies {
    /** Binary doc values: the turned embedding (dimension floats, little-endian) then the fingerprint. */
    static final String FIELD = "_copy";
    /** Graph neighbours per view verified for each image. */
    static final int NEIGHBOURS = 20;
    /** Of those, the most similar searched for parts (crops, padding): the costly search. */
    static final int PART_CANDIDATES = 6;

    private Copies() {}

    static BinaryDocValuesField field(CopyFeatures f) {
        float[] t = f.turnedEmbedding();
        byte[] fp = f.fingerprint();
        ByteBuffer b = ByteBuffer.allocate(4 * t.length + fp.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t) {
            b.putFloat(v);
        }
        b.put(fp);
        return new BinaryDocValuesField(FIELD, new BytesRef(b.array()));
    }

    /** The stored copy features of a document (global id), null when it has none. */
    static CopyFeatures features(IndexSearcher s, int doc) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        BinaryDocValues dv = leaf.reader().getBinaryDocValues(FIELD);
        if (dv == null || !dv.advanceExact(doc - leaf.docBase)) {
            return null;
        }
        BytesRef r = dv.binaryValue();
        float[] v = StoredVectors.vector(s, doc);
        int n = r.length - 4 * v.length;
        if (n < CopyFeatures.MIN_FINGERPRINT_BYTES || n > CopyFeatures.MAX_FINGERPRINT_BYTES) {
            throw new IOException("document " + doc + " has copy features of " + r.length + " bytes, expected "
                    + (4 * v.length + CopyFeatures.MIN_FINGERPRINT_BYTES) + " to " + (4 * v.length + CopyFeatures.MAX_FINGERPRINT_BYTES));
        }
        ByteBuffer b = ByteBuffer.wrap(r.bytes, r.offset, r.length).order(ByteOrder.LITTLE_ENDIAN);
        float[] t = new float[v.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = b.getFloat();
        }
        byte[] fp = new byte[n];
        b.get(fp);
        return new CopyFeatures(v, t, fp);
    }

    /** Graph neighbours of both views, best cosine per document, most similar first (excluding {@code self}). */
    private static List<double[]> candidates(IndexSearcher s, float[] v, float[] turned, int n, int self) throws IOException {
        Map<Integer, Double> best = new HashMap<>();
        for (float[] q : new float[][] {Vectors.normalise(v), Vectors.normalise(turned)}) {
            TopDocs td = s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, q, n), n);
            for (ScoreDoc sd : td.scoreDocs) {
                if (sd.doc != self) {
                    best.merge(sd.doc, 2.0 * sd.score - 1.0, Math::max);
                }
            }
        }
        List<double[]> out = new ArrayList<>();
        best.forEach((d, sim) -> out.add(new double[] {d, sim}));
        out.sort(Comparator.comparingDouble((double[] x) -> -x[1]).thenComparingDouble(x -> x[0]));
        return out;
    }

    /** Ranking: copies first (most confident, then best verified), then the rest by embedding similarity. */
    private static final Comparator<Match> ORDER = (x, y) -> {
        if (x.isCopy() != y.isCopy()) {
            return x.isCopy() ? -1 : 1;
        }
        if (x.isCopy()) {
            int c = Double.compare(y.confidence(), x.confidence());
            return c != 0 ? c : Double.compare(y.verification(), x.verification());
        }
        return Double.compare(y.similarity(), x.similarity());
    };

    static List<CopyHit> search(IndexSearcher s, CopyFeatures q, int k, CopyCalibration cal) throws IOException {
        List<double[]> cands = candidates(s, q.embedding(), q.turnedEmbedding(), Math.max(k, NEIGHBOURS), -1);
        List<CopyHit> hits = new ArrayList<>();
        for (int i = 0; i < cands.size(); i++) {
            int doc = (int) cands.get(i)[0];
            CopyFeatures f = features(s, doc);
            // the stored image is the original, the query its possible copy
            Match m = f == null ? cal.unverified(cands.get(i)[1]) : cal.verify(f, q, i < Math.max(k, PART_CANDIDATES));
            hits.add(new CopyHit(s.storedFields().document(doc).get(IndexSchema.ID), m,
                    StoredVectors.hit(s.storedFields().document(doc), m.similarity()).fields()));
        }
        hits.sort(Comparator.comparing(CopyHit::match, ORDER).thenComparing(CopyHit::id));
        return Collections.unmodifiableList(new ArrayList<>(hits.subList(0, Math.min(k, hits.size()))));
    }

    /** Verified copy pairs joined into groups, most confident first. */
    static List<CopyGroup> groups(IndexSearcher s, int threads, CopyCalibration cal) throws IOException {
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
        Map<Long, Match> pairs = new ConcurrentHashMap<>();
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
                while ((i = next.getAndIncrement()) < docs.size()) {
                    int doc = docs.get(i);
                    CopyFeatures f = features(s, doc);
                    List<double[]> cands = candidates(s, f.embedding(), f.turnedEmbedding(), NEIGHBOURS, doc);
                    for (int c = 0; c < cands.size(); c++) {
                        int other = (int) cands.get(c)[0];
                        long key = Math.min(doc, other) * (1L << 32) + Math.max(doc, other);
                        if (pairs.containsKey(key)) {
                            continue;
                        }
                        CopyFeatures g = features(s, other);
                        if (g == null) {
                            continue;
                        }
                        // the lower document is "first", so each pair reads the same from either side
                        Match m = doc < other ? cal.verify(f, g, c < PART_CANDIDATES) : cal.verify(g, f, c < PART_CANDIDATES);
                        if (m.isCopy()) {
                            pairs.merge(key, m, (x, y) -> x.confidence() >= y.confidence() ? x : y);
                        }
                    }
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
        return join(s, pairs);
    }

    private static List<CopyGroup> join(IndexSearcher s, Map<Long, Match> pairs) throws IOException {
        Map<Integer, Integer> parent = new HashMap<>();
        for (long key : pairs.keySet()) {
            int a = (int) (key >>> 32);
            int b = (int) key;
            parent.putIfAbsent(a, a);
            parent.putIfAbsent(b, b);
            parent.put(root(parent, b), root(parent, a));
        }
        Map<Integer, List<Long>> byRoot = new LinkedHashMap<>();
        for (long key : pairs.keySet()) {
            byRoot.computeIfAbsent(root(parent, (int) (key >>> 32)), x -> new ArrayList<>()).add(key);
        }
        Map<Integer, String> ids = new HashMap<>();
        List<CopyGroup> out = new ArrayList<>();
        for (List<Long> keys : byRoot.values()) {
            List<CopyGroup.Pair> ps = new ArrayList<>();
            java.util.TreeSet<String> members = new java.util.TreeSet<>();
            for (long key : keys) {
                String a = id(s, ids, (int) (key >>> 32));
                String b = id(s, ids, (int) key);
                members.add(a);
                members.add(b);
                ps.add(new CopyGroup.Pair(a, b, pairs.get(key)));
            }
            ps.sort(Comparator.comparingDouble((CopyGroup.Pair p) -> -p.match().confidence())
                    .thenComparing(CopyGroup.Pair::first).thenComparing(CopyGroup.Pair::second));
            out.add(new CopyGroup(Collections.unmodifiableList(new ArrayList<>(members)), Collections.unmodifiableList(ps)));
        }
        out.sort(Comparator.comparingDouble((CopyGroup g) -> -g.confidence()).thenComparing(g -> g.ids().get(0)));
        return Collections.unmodifiableList(out);
    }

    private static String id(IndexSearcher s, Map<Integer, String> cache, int doc) throws IOException {
        String id = cache.get(doc);
        if (id == null) {
            id = s.storedFields().document(doc, java.util.Set.of(IndexSchema.ID)).get(IndexSchema.ID);
            cache.put(doc, id);
        }
        return id;
    }

    private static int root(Map<Integer, Integer> parent, int x) {
        while (parent.get(x).intValue() != x) {
            int p = parent.get(parent.get(x));
            parent.put(x, p);
            x = p;
        }
        return x;
    }
}
