package dev.imgsim.index;

import static org.junit.Assert.assertEquals;

import java.util.Random;

import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.Test;

/**
 * Entry ids of search candidates come from the id doc values where a segment has them and from
 * stored fields where it does not (segments written before the doc values existed), whatever the
 * order the candidates come in, repeated ones included.
 */
public class StoredVectorsTest {
    @Test
    public void idsComeFromDocValuesOrStoredFieldsInAnyOrder() throws Exception {
        try (ByteBuffersDirectory dir = new ByteBuffersDirectory()) {
            IndexWriterConfig config = new IndexWriterConfig().setMergePolicy(NoMergePolicy.INSTANCE);
            try (IndexWriter w = new IndexWriter(dir, config)) {
                for (int seg = 0; seg < 3; seg++) {
                    for (int i = 0; i < 50; i++) {
                        String id = "s" + seg + "-" + i + (i % 7 == 0 ? "#chunk2" : "");
                        Document d = new Document();
                        d.add(new StringField(IndexSchema.ID, id, Field.Store.YES));
                        // segment 0 as an older index wrote it (no doc values); segment 2 mixed
                        if (seg == 1 || (seg == 2 && i % 2 == 0)) {
                            d.add(new BinaryDocValuesField(IndexSchema.ID_VALUES, new BytesRef(id)));
                        }
                        w.addDocument(d);
                    }
                    w.commit(); // one segment each
                }
            }
            try (DirectoryReader r = DirectoryReader.open(dir)) {
                assertEquals(3, r.leaves().size());
                IndexSearcher s = new IndexSearcher(r);
                Random rnd = new Random(5);
                int[] docs = new int[400];
                for (int i = 0; i < docs.length; i++) {
                    docs[i] = rnd.nextInt(r.maxDoc()); // random order, repeats
                }
                String[] ids = StoredVectors.ids(s, docs);
                for (int i = 0; i < docs.length; i++) {
                    assertEquals("doc " + docs[i], r.storedFields().document(docs[i]).get(IndexSchema.ID), ids[i]);
                }
                assertEquals(0, StoredVectors.ids(s, new int[0]).length);
            }
        }
    }
}
