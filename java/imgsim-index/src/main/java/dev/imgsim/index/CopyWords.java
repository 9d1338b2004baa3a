package dev.imgsim.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.TermState;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

import dev.imgsim.CopyFeatures;
import dev.imgsim.internal.Native;

/**
 * Copy candidates by the words of local features: an inverted file of short keys sampled from
 * each point's descriptor (src/keypoints/words.rs), looked up by a copy search's query. A crop of
 * a page, the page inside a screenshot, a copy turned by a few degrees or seen in perspective
 * share points with their original where neither the embedding nor the grey thumbnail brings it
 * near: pages and figures crowd together in both (docs/QUALITY.md, "Words of local features").
 * The stored images sharing the most words, each word weighted by its inverse document frequency,
 * join the candidates that are verified.
 */
final class CopyWords {
    /** Indexed terms (4 bytes, big-endian): the words of an image's copy fingerprint. */
    static final String FIELD = "_copy.words";
    /**
     * Images sharing the most words with a copy search's query added to its candidates (verified as
     * whole pictures, about 0.1 ms each; 30 rather than 10: docs/QUALITY.md, "What words find").
     */
    static final int NEIGHBOURS = 30;
    /**
     * Of those, the first this many by words are also searched for parts, whatever their
     * embedding similarity (a crop of a third of a page, a page in a screenshot: what words find
     * is a part of the other image, and its embedding is rarely among the most similar).
     */
    static final int PARTS = 2;
    /**
     * Words held by more than this share of the images are skipped at query time: they tell
     * little apart and cost the most postings (a plain corner, a letter's edge).
     */
    static final double MAX_SHARE = 0.02;

    private CopyWords() {}

    /** The {@link #FIELD} terms of a copy fingerprint: none for a flat picture or a version without local features. */
    static List<IndexableField> fields(byte[] fingerprint) {
        int[] words = Native.copyWords(fingerprint);
        List<IndexableField> out = new ArrayList<>(words.length);
        for (int w : words) {
            out.add(new StringField(FIELD, term(w), Field.Store.NO));
        }
        return out;
    }

    /** The words of a copy fingerprint, as a query looks them up. */
    static int[] words(byte[] fingerprint) {
        return Native.copyWords(fingerprint);
    }

    /**
     * Adds to {@code best} (document -> embedding similarity) the {@code n} documents sharing the
     * most words with {@code f} that it lacks, each at its embedding similarity to {@code f}.
     *
     * @return the {@code n} documents sharing the most words, most votes first (also those {@code best} had)
     */
    static int[] addNearest(IndexSearcher s, CopyFeatures f, int n, int self, Map<Integer, Double> best) throws IOException {
        if (n <= 0) {
            return new int[0];
        }
        int[] top = nearest(s, words(f.fingerprint()), n, self);
        for (int doc : top) {
            if (!best.containsKey(doc)) {
                CopyFeatures other = Copies.features(s, doc);
                if (other != null) {
                    best.put(doc, f.similarity(other));
                }
            }
        }
        return top;
    }

    /**
     * Which of a copy search's candidates (document, similarity; most similar first) are searched
     * for parts: the first {@code parts}, and the first {@link #PARTS} of {@code byWords} (documents,
     * most votes first) wherever they rank by similarity.
     */
    static boolean[] searchParts(List<double[]> cands, int parts, List<Integer> byWords) {
        Set<Integer> top = new HashSet<>(byWords.subList(0, Math.min(PARTS, byWords.size())));
        boolean[] out = new boolean[cands.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = i < parts || top.contains((int) cands.get(i)[0]);
        }
        return out;
    }

    private static BytesRef term(int w) {
        return new BytesRef(new byte[] {(byte) (w >>> 24), (byte) (w >>> 16), (byte) (w >>> 8), (byte) w});
    }

    /**
     * The (at most) {@code n} live documents sharing the most {@code words}, each word counting
     * its inverse document frequency, best first (excluding {@code self}); documents indexed
     * before words existed have none and are never among them.
     */
    static int[] nearest(IndexSearcher s, int[] words, int n, int self) throws IOException {
        IndexReader r = s.getIndexReader();
        if (words.length == 0 || n <= 0 || r.numDocs() == 0) {
            return new int[0];
        }
        BytesRef[] terms = new BytesRef[words.length];
        for (int i = 0; i < words.length; i++) {
            terms[i] = term(words[i]);
        }
        // each word sought once per segment: its state there and its frequency over the index;
        // then the votes, segment by segment, from the states (no second search of the terms)
        List<LeafReaderContext> leaves = r.leaves();
        TermState[][] states = new TermState[leaves.size()][];
        int[] df = new int[words.length];
        for (int l = 0; l < leaves.size(); l++) {
            Terms t = leaves.get(l).reader().terms(FIELD);
            if (t == null) {
                continue;
            }
            states[l] = new TermState[terms.length];
            TermsEnum te = t.iterator();
            for (int i = 0; i < terms.length; i++) {
                if (te.seekExact(terms[i])) {
                    df[i] += te.docFreq();
                    states[l][i] = te.termState();
                }
            }
        }
        int docs = r.numDocs();
        int maxDf = Math.max(2, (int) (MAX_SHARE * docs));
        float[] votes = new float[r.maxDoc()];
        PostingsEnum postings = null;
        for (int l = 0; l < leaves.size(); l++) {
            if (states[l] == null) {
                continue;
            }
            LeafReaderContext leaf = leaves.get(l);
            Bits live = leaf.reader().getLiveDocs();
            TermsEnum te = leaf.reader().terms(FIELD).iterator();
            for (int i = 0; i < terms.length; i++) {
                if (states[l][i] == null || df[i] > maxDf) {
                    continue;
                }
                te.seekExact(terms[i], states[l][i]);
                float idf = (float) Math.log((double) docs / df[i]);
                postings = te.postings(postings, PostingsEnum.NONE);
                for (int d = postings.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = postings.nextDoc()) {
                    if (live == null || live.get(d)) {
                        votes[leaf.docBase + d] += idf;
                    }
                }
            }
        }
        // the n best: a min-heap by votes, ties to the lower document
        PriorityQueue<int[]> heap = new PriorityQueue<>((a, b) -> votes[a[0]] != votes[b[0]]
                ? Float.compare(votes[a[0]], votes[b[0]]) : Integer.compare(b[0], a[0]));
        for (int d = 0; d < votes.length; d++) {
            if (votes[d] > 0 && d != self) {
                if (heap.size() < n) {
                    heap.add(new int[] {d});
                } else if (votes[d] > votes[heap.peek()[0]]) {
                    heap.poll();
                    heap.add(new int[] {d});
                }
            }
        }
        int[] out = new int[heap.size()];
        for (int i = out.length - 1; i >= 0; i--) {
            out[i] = heap.poll()[0];
        }
        return out;
    }
}
