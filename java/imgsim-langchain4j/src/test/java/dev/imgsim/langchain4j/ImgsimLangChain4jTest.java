package dev.imgsim.langchain4j;

import static dev.langchain4j.store.embedding.filter.MetadataFilterBuilder.metadataKey;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import dev.imgsim.index.IndexOptions;
import dev.imgsim.index.TextIndex;
import dev.imgsim.index.VectorIndex;
import dev.imgsim.text.TextEmbedder;
import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.EmbeddingStoreContentRetriever;
import dev.langchain4j.rag.query.Query;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;

/** imgsim in a LangChain4j retrieval pipeline: ingestor, content retriever, filters, persistence. */
public class ImgsimLangChain4jTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    static TextEmbedder text;
    static ImgsimEmbeddingModel model;

    @BeforeClass
    public static void setUp() {
        text = TextEmbedder.create();
        model = new ImgsimEmbeddingModel(text);
    }

    @AfterClass
    public static void tearDown() {
        text.close();
    }

    static final List<Document> DOCS = Arrays.asList(
            Document.from("Secure shell client: log into remote machines over an encrypted connection.", Metadata.from("topic", "net")),
            Document.from("Recipes for baking sourdough bread and other loaves at home.", Metadata.from("topic", "food")),
            Document.from("A chess engine that plays strong games and analyses positions.", Metadata.from("topic", "games")),
            Document.from("Library for reading and writing PNG image files.", Metadata.from("topic", "graphics")));

    private VectorIndex open(Path dir) {
        return VectorIndex.open(dir, TextIndex.modelId(text), model.dimension(), IndexOptions.defaults());
    }

    @Test
    public void anIngestedCollectionAnswersARetrieverAndSurvivesAReopen() throws Exception {
        Path dir = tmp.newFolder("lc4j").toPath();
        try (VectorIndex index = open(dir)) {
            ImgsimEmbeddingStore store = new ImgsimEmbeddingStore(index);
            EmbeddingStoreIngestor.builder().embeddingModel(model).embeddingStore(store).build().ingest(DOCS);
            EmbeddingStoreContentRetriever retriever = EmbeddingStoreContentRetriever.builder()
                    .embeddingStore(store).embeddingModel(model).maxResults(2).build();
            List<Content> found = retriever.retrieve(Query.from("how do I connect to a server remotely"));
            assertEquals(2, found.size());
            assertTrue(found.get(0).textSegment().text(), found.get(0).textSegment().text().startsWith("Secure shell"));
            assertEquals("net", found.get(0).textSegment().metadata().getString("topic"));
        }
        try (VectorIndex index = open(dir)) {
            ImgsimEmbeddingStore store = new ImgsimEmbeddingStore(index);
            List<EmbeddingMatch<TextSegment>> m = store.search(EmbeddingSearchRequest.builder()
                    .queryEmbedding(model.embed("baking a loaf").content()).maxResults(1).build()).matches();
            assertEquals(1, m.size());
            assertTrue(m.get(0).embedded().text().contains("sourdough"));
            assertTrue(m.get(0).score() > 0.5 && m.get(0).score() <= 1.0);
            assertEquals(384, m.get(0).embedding().vector().length);
        }
    }

    @Test
    public void filtersMinScoresAndRemovalsWork() throws Exception {
        try (VectorIndex index = open(tmp.newFolder("filters").toPath())) {
            ImgsimEmbeddingStore store = new ImgsimEmbeddingStore(index);
            List<TextSegment> segments = new ArrayList<>();
            for (Document d : DOCS) {
                segments.add(d.toTextSegment());
            }
            List<String> ids = store.addAll(model.embedAll(segments).content(), segments);
            assertEquals(4, ids.size());
            Embedding q = model.embed("remote login").content();
            List<EmbeddingMatch<TextSegment>> food = store.search(EmbeddingSearchRequest.builder().queryEmbedding(q)
                    .maxResults(4).filter(metadataKey("topic").isEqualTo("food")).build()).matches();
            assertEquals(1, food.size());
            assertEquals("food", food.get(0).embedded().metadata().getString("topic"));
            assertTrue(store.search(EmbeddingSearchRequest.builder().queryEmbedding(q).maxResults(4).minScore(0.999).build())
                    .matches().isEmpty());
            store.removeAll(metadataKey("topic").isEqualTo("games"));
            assertEquals(3, index.size());
            store.remove(ids.get(0));
            assertEquals(2, index.size());
            store.removeAll();
            assertEquals(0, index.size());
        }
    }

    @Test
    public void vectorsDoNotDependOnTheBatchAndTheDimensionNeedsNoCall() {
        assertEquals(384, model.dimension());
        List<TextSegment> batch = Arrays.asList(TextSegment.from("a short text"), TextSegment.from(
                "a much longer text about something else entirely, so that the batch is padded"), TextSegment.from("x"));
        List<Embedding> all = model.embedAll(batch).content();
        for (int i = 0; i < batch.size(); i++) {
            assertArrayEquals(model.embed(batch.get(i)).content().vector(), all.get(i).vector(), 0f);
        }
        assertTrue(model.modelName().startsWith("imgsim:"));
    }
}
