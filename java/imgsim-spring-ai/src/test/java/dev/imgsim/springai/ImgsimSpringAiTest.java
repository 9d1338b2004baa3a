package dev.imgsim.springai;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.springframework.ai.document.Document;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.embedding.EmbeddingResponse;
import org.springframework.ai.vectorstore.SearchRequest;

import dev.imgsim.index.IndexOptions;
import dev.imgsim.index.TextIndex;
import dev.imgsim.index.VectorIndex;
import dev.imgsim.text.TextEmbedder;

/** Spring AI's own interfaces, driven as a Spring AI application would, against imgsim. */
public class ImgsimSpringAiTest {
    @ClassRule
    public static TemporaryFolder tmp = new TemporaryFolder();

    private static TextEmbedder text;

    @BeforeClass
    public static void load() {
        text = TextEmbedder.create();
    }

    @AfterClass
    public static void close() {
        text.close();
    }

    @Test
    public void theEmbeddingModelIsTheTextEmbedderBatchIndependent() {
        EmbeddingModel model = new ImgsimSpringAiEmbeddingModel(text);
        assertEquals(384, model.dimensions());
        EmbeddingResponse r = model.embedForResponse(List.of("a cat on a mat", "Lucene indexes text", "x"));
        assertEquals(3, r.getResults().size());
        assertEquals(1, (int) r.getResults().get(1).getIndex());
        assertArrayEquals("a text's vector does not depend on its batch", text.embed("Lucene indexes text"),
                r.getResults().get(1).getOutput(), 0f);
        assertArrayEquals(text.embed("x"), model.embed(new Document("x")), 0f);
    }

    @Test
    public void similaritySearchReturnsTheExpectedDocumentsWithFiltersAndDeletes() throws Exception {
        EmbeddingModel model = new ImgsimSpringAiEmbeddingModel(text);
        Path dir = tmp.newFolder().toPath();
        try (VectorIndex index = VectorIndex.open(dir, TextIndex.modelId(text), model.dimensions(), IndexOptions.defaults())) {
            ImgsimVectorStore store = new ImgsimVectorStore(index, model);
            store.add(List.of(
                    new Document("cats", "Cats are small domesticated carnivorous mammals kept as pets",
                            Map.of("topic", "animals", "year", 2019, "reviewed", true)),
                    new Document("dogs", "Dogs are loyal animals that people keep at home",
                            Map.of("topic", "animals", "year", 2023, "reviewed", false)),
                    new Document("lucene", "Apache Lucene is a full-text search engine library",
                            Map.of("topic", "software", "year", 2021, "reviewed", true)),
                    new Document("spark", "Apache Spark runs data processing jobs on clusters",
                            Map.of("topic", "software", "year", 2024, "reviewed", true))));
            List<Document> pets = store.similaritySearch(SearchRequest.builder().query("pets living in the house").topK(2).build());
            assertEquals(List.of("cats", "dogs"), sorted(ids(pets)));
            Document top = pets.get(0);
            assertTrue(top.getScore() > 0.3);
            assertEquals(1 - top.getScore(), (Double) top.getMetadata().get("distance"), 1e-9);
            assertEquals("the metadata's types come back", Boolean.class, top.getMetadata().get("reviewed").getClass());
            assertTrue(top.getText().contains("are"));

            List<Document> recent = store.similaritySearch(SearchRequest.builder().query("animals").topK(4)
                    .filterExpression("topic == 'animals' && year >= 2020").build());
            assertEquals(List.of("dogs"), ids(recent));
            List<Document> reviewedSoftware = store.similaritySearch(SearchRequest.builder().query("search engine").topK(4)
                    .filterExpression("topic in ['software'] && reviewed == true").build());
            assertEquals("lucene", reviewedSoftware.get(0).getId());
            assertEquals(2, reviewedSoftware.size());
            assertTrue(store.similaritySearch(SearchRequest.builder().query("search engine").topK(4)
                    .similarityThreshold(0.99).build()).isEmpty());

            store.delete(List.of("lucene"));
            assertEquals("spark", store.similaritySearch(SearchRequest.builder().query("search engine").topK(1)
                    .filterExpression("topic == 'software'").build()).get(0).getId());
            store.delete(new org.springframework.ai.vectorstore.filter.FilterExpressionTextParser().parse("year < 2020"));
            assertEquals(2, index.size());
        }
    }

    private static List<String> ids(List<Document> docs) {
        List<String> out = new ArrayList<>();
        for (Document d : docs) {
            out.add(d.getId());
        }
        return out;
    }

    private static List<String> sorted(List<String> ids) {
        List<String> out = new ArrayList<>(ids);
        out.sort(null);
        return out;
    }
}
