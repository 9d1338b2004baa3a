package dev.imgsim.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;

import dev.imgsim.Vectors;

/**
 * The word side of {@link TextIndex}: each document's text analysed into the {@link IndexSchema#TEXT}
 * field, BM25 queries over it, and the fusion of BM25 and dense lists into hits.
 */
final class TextSearch {
    private TextSearch() {}

    /** The analysed (not stored) text field of a document. */
    static IndexableField field(Analyzer analyzer, String document) {
        return new TextField(IndexSchema.TEXT, analyzer.tokenStream(IndexSchema.TEXT, document));
    }

    /** The analysed terms of {@code text}, each once, in order. */
    static Set<String> terms(Analyzer analyzer, String text) {
        Set<String> out = new LinkedHashSet<>();
        try (TokenStream ts = analyzer.tokenStream(IndexSchema.TEXT, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // analysing a String reads no file
        }
        return out;
    }

    /** BM25's best {@code n}: doc ids and scores (none when the query has no terms). */
    static ScoreDoc[] bm25(IndexSearcher s, Analyzer analyzer, String query, int n) throws IOException {
        Set<String> terms = terms(analyzer, query);
        if (terms.isEmpty()) {
            return new ScoreDoc[0];
        }
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (String t : terms) {
            b.add(new TermQuery(new Term(IndexSchema.TEXT, t)), BooleanClause.Occur.SHOULD);
        }
        return s.search(b.build(), n).scoreDocs;
    }

    /** A document found by meaning: the Lucene doc of its best window, and that window's cosine. */
    static final class Found {
        final String id;
        final int doc;
        final double cosine;

        Found(String id, int doc, double cosine) {
            this.id = id;
            this.doc = doc;
            this.cosine = cosine;
        }
    }

    /**
     * The best {@code n} documents by meaning: the graph's nearest windows, each document's best
     * kept (asking the graph for more windows while they collapse to fewer than {@code n}).
     */
    static List<Found> dense(IndexSearcher s, VectorIndex index, float[] unit, int n) throws IOException {
        int entries = s.getIndexReader().numDocs();
        for (int m = 2 * n + 10; ; m *= 4) {
            ScoreDoc[] c = index.nearest(s, unit, Math.min(m, Math.max(1, Math.min(entries, 10_000))));
            int[] docs = new int[c.length];
            for (int i = 0; i < docs.length; i++) {
                docs[i] = c[i].doc;
            }
            String[] ids = StoredVectors.ids(s, docs);
            List<Found> out = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < c.length && out.size() < n; i++) {
                String id = TextIndex.documentOf(ids[i]);
                if (seen.add(id)) {
                    out.add(new Found(id, c[i].doc, c[i].score));
                }
            }
            if (out.size() >= n || m >= entries || m >= 10_000) {
                return out;
            }
        }
    }

    /**
     * Hits in the dense order ({@code words} null), BM25's ({@code fusion} null) or the fused one:
     * each with the stored fields of its best window and its exact cosine to the query (a
     * {@link Hit#similarity()} keeps its meaning in every mode). Stored fields are read for the
     * hits returned only.
     *
     * @param unitQuery the query's unit embedding
     * @param dense the documents found by meaning (may be empty), best first
     * @param words BM25's doc ids and scores, best first; null for the dense order
     * @param fusion null for BM25's order alone
     */
    static List<Hit> hits(IndexSearcher s, float[] unitQuery, List<Found> dense, ScoreDoc[] words, Fusion fusion, int k)
            throws IOException {
        Map<String, Integer> docOf = new HashMap<>();
        List<Map.Entry<String, Double>> byMeaning = new ArrayList<>(dense.size());
        for (Found f : dense) {
            docOf.put(f.id, f.doc);
            byMeaning.add(new AbstractMap.SimpleImmutableEntry<>(f.id, f.cosine));
        }
        List<Map.Entry<String, Double>> order;
        if (words == null) {
            order = byMeaning;
        } else {
            int[] docs = new int[words.length];
            for (int i = 0; i < docs.length; i++) {
                docs[i] = words[i].doc;
            }
            String[] ids = StoredVectors.ids(s, docs);
            List<Map.Entry<String, Double>> bm25 = new ArrayList<>(words.length);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < words.length; i++) {
                // a window of a chunked document counts for its document, once: its best window
                String id = TextIndex.documentOf(ids[i]);
                if (seen.add(id)) {
                    docOf.putIfAbsent(id, words[i].doc); // found by meaning too: its best window by meaning stays
                    bm25.add(new AbstractMap.SimpleImmutableEntry<>(id, (double) words[i].score));
                }
            }
            order = fusion == null ? bm25 : fusion.fuse(byMeaning, bm25);
        }
        // one reader of stored fields for the whole call (each call of storedFields() starts afresh)
        org.apache.lucene.index.StoredFields stored = s.storedFields();
        List<Hit> out = new ArrayList<>(Math.min(k, order.size()));
        for (int i = 0; i < order.size() && out.size() < k; i++) {
            String id = order.get(i).getKey();
            int doc = docOf.get(id);
            Hit h = StoredVectors.hit(stored.document(doc), Vectors.cosineOfUnit(unitQuery, StoredVectors.vector(s, doc)));
            out.add(h.id().equals(id) ? h : Hit.of(id, h.similarity(), h.fields()));
        }
        return out;
    }
}
