package dev.imgsim.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
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

    /**
     * Hits for BM25's or the fused order: each with its stored fields and its exact cosine to the
     * query (a {@link Hit#similarity()} keeps its meaning in every mode).
     *
     * @param unitQuery the query's unit embedding
     * @param dense the dense hits (may be empty), best first
     * @param words BM25's doc ids and scores, best first
     * @param fusion null for BM25's order alone
     */
    static List<Hit> hits(IndexSearcher s, float[] unitQuery, List<Hit> dense, ScoreDoc[] words, Fusion fusion, int k)
            throws IOException {
        Map<String, Integer> docOf = new HashMap<>();
        List<Map.Entry<String, Double>> bm25 = new ArrayList<>(words.length);
        // one reader of stored fields for the whole call (each call of storedFields() starts afresh)
        org.apache.lucene.index.StoredFields stored = s.storedFields();
        Set<String> idOnly = Set.of(IndexSchema.ID);
        for (ScoreDoc d : words) {
            // a window of a chunked document counts for its document, once: its best window
            String id = TextIndex.documentOf(stored.document(d.doc, idOnly).get(IndexSchema.ID));
            if (docOf.putIfAbsent(id, d.doc) == null) {
                bm25.add(new AbstractMap.SimpleImmutableEntry<>(id, (double) d.score));
            }
        }
        List<Map.Entry<String, Double>> order;
        if (fusion == null) {
            order = bm25;
        } else {
            List<Map.Entry<String, Double>> byMeaning = new ArrayList<>(dense.size());
            for (Hit h : dense) {
                byMeaning.add(new AbstractMap.SimpleImmutableEntry<>(h.id(), h.similarity()));
            }
            order = fusion.fuse(byMeaning, bm25);
        }
        Map<String, Hit> denseById = new HashMap<>();
        for (Hit h : dense) {
            denseById.put(h.id(), h);
        }
        List<Hit> out = new ArrayList<>(Math.min(k, order.size()));
        for (int i = 0; i < order.size() && out.size() < k; i++) {
            String id = order.get(i).getKey();
            Hit h = denseById.get(id);
            if (h == null) {
                int doc = docOf.get(id);
                Document d = stored.document(doc);
                h = StoredVectors.hit(d, Vectors.cosineOfUnit(unitQuery, StoredVectors.vector(s, doc)));
                if (!h.id().equals(id)) {
                    h = Hit.of(id, h.similarity(), h.fields());
                }
            }
            out.add(h);
        }
        return out;
    }
}
