package dev.imgsim.index;

import java.io.IOException;
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

import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.VectorUtil;

import dev.imgsim.Vectors;

/**
 * Duplicate groups: pairs at or above a threshold, found per image in the HNSW graph (or by an
 * exact all-pairs scan), joined strongest first (Kruskal) so each group knows its weakest link.
 */
final class Duplicates {
    /** First graph probe per image; doubled while every neighbour found is still above the threshold. */
    static final int FIRST_PROBE = 32;
    static final int MAX_PROBE = 4096;

    private Duplicates() {}

    /** Pairs found by one worker: documents a, b (global ids) and their cosine. */
    private static final class Edges {
        int[] a = new int[64];
        int[] b = new int[64];
        float[] sim = new float[64];
        int n;

        void add(int x, int y, double s) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
                b = Arrays.copyOf(b, n * 2);
                sim = Arrays.copyOf(sim, n * 2);
            }
            a[n] = x;
            b[n] = y;
            sim[n] = (float) s;
            n++;
        }
    }

    static List<DuplicateGroup> find(IndexSearcher s, double min, int threads, boolean exact) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        int maxDoc = s.getIndexReader().maxDoc();
        // every live document with its vector, by global id
        int[] docs = new int[s.getIndexReader().numDocs()];
        float[][] vectors = new float[docs.length][];
        int n = 0;
        for (LeafReaderContext leaf : leaves) {
            FloatVectorValues v = leaf.reader().getFloatVectorValues(IndexSchema.VECTOR);
            if (v == null) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            for (int d = v.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = v.nextDoc()) {
                if (live == null || live.get(d)) {
                    docs[n] = leaf.docBase + d;
                    vectors[n++] = exact ? v.vectorValue().clone() : null;
                }
            }
        }
        int count = n;
        AtomicInteger next = new AtomicInteger();
        int workers = Math.max(1, Math.min(threads, count));
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "imgsim-duplicates");
            t.setDaemon(true);
            return t;
        });
        List<Future<Edges>> parts = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            parts.add(pool.submit(() -> {
                Edges e = new Edges();
                int i;
                while ((i = next.getAndIncrement()) < count) {
                    if (exact) {
                        for (int j = i + 1; j < count; j++) {
                            float f = VectorUtil.dotProduct(vectors[i], vectors[j]);
                            if (f >= min - 1e-5) {
                                double d = Vectors.cosineOfUnit(vectors[i], vectors[j]);
                                if (d >= min) {
                                    e.add(docs[i], docs[j], d);
                                }
                            }
                        }
                    } else {
                        neighbours(s, leaves, docs[i], min, e);
                    }
                }
                return e;
            }));
        }
        pool.shutdown();
        List<Edges> found = new ArrayList<>();
        try {
            for (Future<Edges> f : parts) {
                found.add(f.get());
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while finding duplicates", e);
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
        return groups(s, found, maxDoc);
    }

    /** Neighbours of one document at or above {@code min}, from the graph, with exact similarities. */
    private static void neighbours(IndexSearcher s, List<LeafReaderContext> leaves, int doc, double min, Edges out)
            throws IOException {
        float[] q = StoredVectors.vector(s, doc);
        for (int k = FIRST_PROBE;; k *= 2) {
            // a segment whose k nearest are all near the threshold may hold more: look wider
            boolean wider = false;
            List<Integer> others = new ArrayList<>();
            for (LeafReaderContext leaf : leaves) {
                TopDocs td = leaf.reader().searchNearestVectors(IndexSchema.VECTOR, q, k, leaf.reader().getLiveDocs(),
                        Integer.MAX_VALUE);
                int above = 0;
                for (ScoreDoc sd : td.scoreDocs) {
                    // DOT_PRODUCT scores are (1 + dot) / 2; int8 scores are approximate, so take
                    // a margin and decide on the exact similarity below
                    if (2.0 * sd.score - 1.0 >= min - 0.05) {
                        above++;
                        int other = leaf.docBase + sd.doc;
                        if (other != doc) {
                            others.add(other);
                        }
                    }
                }
                wider |= td.scoreDocs.length == k && above == k;
            }
            if (!wider || k >= MAX_PROBE) {
                for (int other : others) {
                    double sim = Vectors.cosineOfUnit(q, StoredVectors.vector(s, other));
                    if (sim >= min) {
                        out.add(Math.min(doc, other), Math.max(doc, other), sim);
                    }
                }
                return;
            }
        }
    }

    /** Connected components of the pairs, joined strongest pair first. */
    private static List<DuplicateGroup> groups(IndexSearcher s, List<Edges> found, int maxDoc) throws IOException {
        int total = 0;
        for (Edges e : found) {
            total += e.n;
        }
        float[] sims = new float[total];
        int[] a = new int[total];
        int[] b = new int[total];
        int at = 0;
        for (Edges e : found) {
            System.arraycopy(e.a, 0, a, at, e.n);
            System.arraycopy(e.b, 0, b, at, e.n);
            System.arraycopy(e.sim, 0, sims, at, e.n);
            at += e.n;
        }
        Integer[] idx = new Integer[total];
        for (int i = 0; i < total; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Float.compare(sims[y], sims[x]));
        int[] parent = new int[maxDoc];
        float[] weakest = new float[maxDoc];
        for (int i = 0; i < maxDoc; i++) {
            parent[i] = i;
            weakest[i] = Float.POSITIVE_INFINITY;
        }
        for (Integer i : idx) {
            int ra = root(parent, a[i]);
            int rb = root(parent, b[i]);
            if (ra != rb) {
                parent[rb] = ra;
                weakest[ra] = Math.min(Math.min(weakest[ra], weakest[rb]), sims[i]);
            }
        }
        Map<Integer, List<String>> members = new HashMap<>();
        org.apache.lucene.index.StoredFields stored = s.storedFields();
        java.util.Set<String> idOnly = java.util.Set.of(IndexSchema.ID);
        java.util.BitSet listed = new java.util.BitSet(maxDoc);
        for (int i = 0; i < total; i++) {
            for (int d : new int[] {a[i], b[i]}) {
                if (!listed.get(d)) {
                    listed.set(d);
                    members.computeIfAbsent(root(parent, d), x -> new ArrayList<>())
                            .add(stored.document(d, idOnly).get(IndexSchema.ID));
                }
            }
        }
        List<DuplicateGroup> out = new ArrayList<>();
        for (Map.Entry<Integer, List<String>> m : members.entrySet()) {
            List<String> ids = m.getValue();
            Collections.sort(ids);
            out.add(new DuplicateGroup(Collections.unmodifiableList(ids), weakest[m.getKey()]));
        }
        out.sort(Comparator.comparingDouble(DuplicateGroup::similarity).reversed()
                .thenComparing(g -> g.ids().get(0)));
        return Collections.unmodifiableList(out);
    }

    private static int root(int[] parent, int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]]; // path halving
            x = parent[x];
        }
        return x;
    }
}
