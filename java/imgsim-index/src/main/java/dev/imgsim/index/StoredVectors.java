package dev.imgsim.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

import org.apache.lucene.document.Document;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.VectorUtil;

import dev.imgsim.Vectors;

/** Reading stored vectors: exact scans, exact re-scoring of graph hits, one document's vector. */
final class StoredVectors {
    private StoredVectors() {}

    /** The stored vector of a document (global doc id), copied. */
    static float[] vector(IndexSearcher s, int doc) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues v = leaf.reader().getFloatVectorValues(IndexSchema.VECTOR);
        if (v == null || v.advance(doc - leaf.docBase) != doc - leaf.docBase) {
            throw new IOException("document " + doc + " has no vector");
        }
        return v.vectorValue().clone();
    }

    /**
     * Every live vector scored against {@code q}; keeps the best {@code k} of those at or above
     * {@code min} (scores are float dot products, refined by {@link #rescore}).
     */
    static ScoreDoc[] scan(IndexSearcher s, float[] q, int k, double min) throws IOException {
        PriorityQueue<ScoreDoc> best = new PriorityQueue<>(Comparator.comparingDouble((ScoreDoc d) -> d.score));
        List<ScoreDoc> all = new ArrayList<>();
        boolean bounded = k != Integer.MAX_VALUE;
        float floor = (float) min - 1e-5f;
        for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
            FloatVectorValues v = leaf.reader().getFloatVectorValues(IndexSchema.VECTOR);
            if (v == null) {
                continue;
            }
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = v.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = v.nextDoc()) {
                if (live != null && !live.get(doc)) {
                    continue;
                }
                float score = VectorUtil.dotProduct(q, v.vectorValue());
                if (score < floor) {
                    continue;
                }
                if (!bounded) {
                    all.add(new ScoreDoc(leaf.docBase + doc, score));
                } else if (best.size() < k) {
                    best.add(new ScoreDoc(leaf.docBase + doc, score));
                } else if (score > best.peek().score) {
                    best.poll();
                    best.add(new ScoreDoc(leaf.docBase + doc, score));
                }
            }
        }
        return (bounded ? best : all).toArray(new ScoreDoc[0]);
    }

    /**
     * Hits for candidate documents: the exact cosine from each stored vector, those at or above
     * {@code min}, best {@code k}, most similar first (ties by id).
     */
    static List<Hit> rescore(IndexSearcher s, float[] q, ScoreDoc[] candidates, int k, double min) throws IOException {
        ScoreDoc[] byDoc = candidates.clone();
        Arrays.sort(byDoc, Comparator.comparingInt((ScoreDoc d) -> d.doc));
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        double[] sims = new double[byDoc.length];
        int leafIndex = -1;
        FloatVectorValues v = null;
        for (int i = 0; i < byDoc.length; i++) {
            int li = ReaderUtil.subIndex(byDoc[i].doc, leaves);
            if (li != leafIndex) {
                leafIndex = li;
                v = leaves.get(li).reader().getFloatVectorValues(IndexSchema.VECTOR);
            }
            int local = byDoc[i].doc - leaves.get(li).docBase;
            if (v == null || v.advance(local) != local) {
                throw new IOException("document " + byDoc[i].doc + " has no vector");
            }
            sims[i] = Vectors.cosineOfUnit(q, v.vectorValue());
        }
        Integer[] order = new Integer[byDoc.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(sims[b], sims[a]));
        StoredFields stored = s.storedFields();
        List<Hit> hits = new ArrayList<>(Math.min(k, order.length));
        for (int i = 0; i < order.length && hits.size() < k; i++) {
            if (sims[order[i]] < min) {
                break;
            }
            hits.add(hit(stored.document(byDoc[order[i]].doc), sims[order[i]]));
        }
        hits.sort(Comparator.comparingDouble(Hit::similarity).reversed().thenComparing(Hit::id));
        return Collections.unmodifiableList(hits);
    }

    /**
     * The candidates with their exact cosine to {@code q} as score (vector values only, read in
     * doc order), best first (ties by doc), at most {@code k}.
     */
    static ScoreDoc[] cosines(IndexSearcher s, float[] q, ScoreDoc[] candidates, int k) throws IOException {
        ScoreDoc[] byDoc = candidates.clone();
        Arrays.sort(byDoc, Comparator.comparingInt((ScoreDoc d) -> d.doc));
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        ScoreDoc[] out = new ScoreDoc[byDoc.length];
        FloatVectorValues v = null;
        int li = -1;
        for (int i = 0; i < byDoc.length; i++) {
            int leaf = ReaderUtil.subIndex(byDoc[i].doc, leaves);
            if (leaf != li) {
                li = leaf;
                v = leaves.get(li).reader().getFloatVectorValues(IndexSchema.VECTOR);
            }
            int local = byDoc[i].doc - leaves.get(li).docBase;
            if (v == null || v.advance(local) != local) {
                throw new IOException("document " + byDoc[i].doc + " has no vector");
            }
            // a ScoreDoc's score is a float: the double cosine is recomputed for the hits returned
            out[i] = new ScoreDoc(byDoc[i].doc, (float) Vectors.cosineOfUnit(q, v.vectorValue()));
        }
        Arrays.sort(out, Comparator.comparingDouble((ScoreDoc d) -> -d.score).thenComparingInt(d -> d.doc));
        return out.length > k ? Arrays.copyOf(out, k) : out;
    }

    /**
     * Entry ids of Lucene docs: from the id doc values where a segment has them, else from stored
     * fields (segments written before they existed).
     */
    static String[] ids(IndexSearcher s, int[] docs) throws IOException {
        Integer[] order = new Integer[docs.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt(i -> docs[i]));
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        String[] out = new String[docs.length];
        StoredFields stored = null;
        org.apache.lucene.index.BinaryDocValues dv = null;
        int li = -1;
        int prevDoc = -1;
        String prevId = null;
        for (int i : order) {
            if (docs[i] == prevDoc) { // the same doc twice: an iterator cannot step back
                out[i] = prevId;
                continue;
            }
            int leaf = ReaderUtil.subIndex(docs[i], leaves);
            if (leaf != li) {
                li = leaf;
                dv = leaves.get(li).reader().getBinaryDocValues(IndexSchema.ID_VALUES);
            }
            int local = docs[i] - leaves.get(li).docBase;
            if (dv != null && dv.advanceExact(local)) {
                out[i] = dv.binaryValue().utf8ToString();
            } else {
                if (stored == null) {
                    stored = s.storedFields();
                }
                out[i] = stored.document(docs[i], ID_ONLY).get(IndexSchema.ID);
            }
            prevDoc = docs[i];
            prevId = out[i];
        }
        return out;
    }

    private static final java.util.Set<String> ID_ONLY = java.util.Set.of(IndexSchema.ID);

    static Hit hit(Document d, double similarity) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (IndexableField f : d.getFields()) {
            if (f.name().startsWith(IndexSchema.FIELD_PREFIX)) {
                fields.put(f.name().substring(IndexSchema.FIELD_PREFIX.length()), f.stringValue());
            }
        }
        return new Hit(d.get(IndexSchema.ID), similarity, Collections.unmodifiableMap(fields));
    }

    /** {@link VectorIndex#forEach}: every live entry in index order. */
    static long forEach(IndexSearcher s, VectorIndex.EntryConsumer consumer, java.nio.file.Path path) throws IOException {
        long n = 0;
        for (LeafReaderContext leaf : s.getIndexReader().leaves()) {
            Bits live = leaf.reader().getLiveDocs();
            StoredFields sf = leaf.reader().storedFields();
            FloatVectorValues v = leaf.reader().getFloatVectorValues(IndexSchema.VECTOR);
            for (int doc = 0; doc < leaf.reader().maxDoc(); doc++) {
                if (live != null && !live.get(doc)) {
                    continue;
                }
                if (v == null || v.advance(doc) != doc) {
                    throw new IOException("document " + doc + " has no vector");
                }
                Hit h = hit(sf.document(doc), Double.NaN);
                try {
                    consumer.accept(h.id(), v.vectorValue().clone(), h.fields());
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ImageIndexException("forEach over " + path + " stopped: " + e, e);
                }
                n++;
            }
        }
        return n;
    }
}
