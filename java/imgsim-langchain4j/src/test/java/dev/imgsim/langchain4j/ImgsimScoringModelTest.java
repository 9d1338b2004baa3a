package dev.imgsim.langchain4j;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.Test;

import dev.imgsim.text.CrossEncoder;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.aggregator.ReRankingContentAggregator;
import dev.langchain4j.rag.query.Query;

/**
 * {@link ImgsimScoringModel} over imgsim's in-process cross-encoder (the tiny fixture of
 * {@code python/ce_fixture.py}) gives the cross-encoder's scores, and LangChain4j's
 * {@code ReRankingContentAggregator} orders retrieved contents by them.
 */
public class ImgsimScoringModelTest {
    @Test
    public void langChain4jRerankingOrdersByTheCrossEncodersScores() {
        try (CrossEncoder ce = CrossEncoder.create(Paths.get(System.getProperty("imgsim.test.ceFolder")))) {
            ImgsimScoringModel scoring = new ImgsimScoringModel(ce::score);
            String query = "how do I resize a photo";
            List<String> texts = Arrays.asList("Resize and convert images from the command line.", "A cat sits on the warm windowsill.",
                    "Install the package with the system package manager.", "x");
            List<Double> s = scoring.scoreAll(texts.stream().map(TextSegment::from).collect(Collectors.toList()), query).content();
            double[] direct = ce.score(query, texts);
            for (int i = 0; i < direct.length; i++) {
                assertEquals(direct[i], s.get(i), 0.0);
            }
            assertEquals(direct[1], scoring.score(texts.get(1), query).content(), 0.0);
            Map<Query, Collection<List<Content>>> retrieved = Collections.singletonMap(Query.from(query),
                    Collections.singletonList(texts.stream().map(Content::from).collect(Collectors.toList())));
            List<Content> ordered = new ReRankingContentAggregator(scoring).aggregate(retrieved);
            assertEquals(texts.size(), ordered.size());
            for (int i = 1; i < ordered.size(); i++) {
                double before = direct[texts.indexOf(ordered.get(i - 1).textSegment().text())];
                double after = direct[texts.indexOf(ordered.get(i).textSegment().text())];
                assertEquals("best first", true, before >= after);
            }
            assertEquals(0, scoring.scoreAll(Collections.emptyList(), query).content().size());
        }
    }

    @Test
    public void aRerankerThatMiscountsIsNamed() {
        ImgsimScoringModel broken = new ImgsimScoringModel((q, texts) -> new double[1]);
        try {
            broken.scoreAll(Arrays.asList(TextSegment.from("a"), TextSegment.from("b")), "q");
            fail("a wrong number of scores was accepted");
        } catch (IllegalStateException e) {
            assertEquals("the reranker returned 1 scores for 2 segments", e.getMessage());
        }
    }
}
