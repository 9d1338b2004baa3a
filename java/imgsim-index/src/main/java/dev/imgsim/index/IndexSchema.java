package dev.imgsim.index;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;

import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.VectorSimilarityFunction;

/**
 * What an imgsim index is on disk: the Lucene fields of a document, the settings recorded in
 * every commit (and checked at open), and the codec that makes the HNSW graph.
 */
final class IndexSchema {
    private IndexSchema() {}

    static final String ID = "id";
    /**
     * The id again as doc values (entries written since wave 3): read per search hit without
     * decompressing a block of stored fields. Older segments lack it and are read from stored fields.
     */
    static final String ID_VALUES = "_id.dv";
    static final String VECTOR = "vector";
    static final String FIELD_PREFIX = "field.";
    static final String FILE_SIZE = "_file.size";
    static final String FILE_MODIFIED = "_file.modified";
    /** A text index's analysed words (for BM25; not stored). */
    static final String TEXT = "_text";

    // recorded in every commit's user data
    static final String KEY_SCHEMA = "imgsim.index.schema";
    static final String KEY_MODEL = "imgsim.model.sha256";
    static final String KEY_DIMENSION = "imgsim.model.dimension";
    static final String KEY_ENCODING = "imgsim.index.encoding";
    static final String KEY_M = "imgsim.index.hnsw.m";
    static final String KEY_BEAM = "imgsim.index.hnsw.beam_width";
    static final String SCHEMA = "1";
    /** Prefix of the empty file that checks, at open, that the directory can be written. */
    static final String WRITE_CHECK = ".imgsim-write-check";

    /** The user data every commit of a writer records. */
    static Map<String, String> commitData(String model, int dimension, IndexOptions o) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(KEY_SCHEMA, SCHEMA);
        data.put(KEY_MODEL, model);
        data.put(KEY_DIMENSION, Integer.toString(dimension));
        data.put(KEY_ENCODING, o.encoding.name());
        data.put(KEY_M, Integer.toString(o.maxConn));
        data.put(KEY_BEAM, Integer.toString(o.beamWidth));
        return data;
    }

    /**
     * Checks what an existing index recorded against the model it is opened with; returns the
     * options in effect: storage settings as recorded, the rest as requested.
     */
    static IndexOptions checkRecorded(Path path, Map<String, String> data, String model, int dimension, IndexOptions requested) {
        if (!data.containsKey(KEY_SCHEMA) || !data.containsKey(KEY_MODEL)) {
            throw new ImageIndexException(path + " holds a Lucene index that imgsim did not write; choose another directory");
        }
        if (!SCHEMA.equals(data.get(KEY_SCHEMA))) {
            throw new ImageIndexException("the index " + path + " has schema " + data.get(KEY_SCHEMA)
                    + ", this imgsim reads schema " + SCHEMA + "; rebuild it or use a matching imgsim version");
        }
        String m = data.get(KEY_MODEL);
        String dim = data.get(KEY_DIMENSION);
        if (!model.equals(m) || !Integer.toString(dimension).equals(dim)) {
            throw new ModelMismatchException("the index " + path + " holds vectors of model " + m + " (dimension " + dim
                    + "), not of the model it was opened with, " + model + " (dimension " + dimension
                    + "); open it with the model that built it, or build a new index");
        }
        try {
            return IndexOptions.builder()
                    .encoding(IndexOptions.Encoding.valueOf(data.get(KEY_ENCODING)))
                    .hnswMaxConnections(Integer.parseInt(data.get(KEY_M)))
                    .hnswBeamWidth(Integer.parseInt(data.get(KEY_BEAM)))
                    .searchCandidates(requested.searchCandidates)
                    .ingestThreads(requested.ingestThreads)
                    .commitEvery(requested.commitEvery)
                    .mergeThreads(requested.mergeThreads)
                    .ramBufferMB(requested.ramBufferMB)
                    .copyFeatures(requested.copyFeatures)
                    .build();
        } catch (RuntimeException e) {
            throw new ImageIndexException("the index " + path + " has unreadable settings " + data + "; rebuild it", e);
        }
    }

    static Codec codec(IndexOptions o, ExecutorService mergePool) {
        int workers = mergePool == null ? 1 : o.mergeThreads;
        // int8: 7 bits, uncompressed, confidence interval from the vectors (Lucene's defaults)
        KnnVectorsFormat format = o.encoding == IndexOptions.Encoding.INT8
                ? new Lucene99HnswScalarQuantizedVectorsFormat(o.maxConn, o.beamWidth, workers, 7, false, null, mergePool)
                : new Lucene99HnswVectorsFormat(o.maxConn, o.beamWidth, workers, mergePool);
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return format;
            }
        };
    }

    /**
     * One entry's document.
     *
     * @param unit the unit-length vector
     * @param fileStamp {size, modified millis} of the file it came from, or null
     * @param extra fields of the layer above (copy features, a text's words), or none
     */
    static Document document(String id, float[] unit, Map<String, String> fields, long[] fileStamp, IndexableField... extra) {
        if (id.isEmpty()) {
            throw new IllegalArgumentException("id must not be empty");
        }
        Document doc = new Document();
        doc.add(new StringField(ID, id, Field.Store.YES));
        doc.add(new BinaryDocValuesField(ID_VALUES, new BytesRef(id)));
        doc.add(new KnnFloatVectorField(VECTOR, unit, VectorSimilarityFunction.DOT_PRODUCT));
        for (Map.Entry<String, String> f : fields.entrySet()) {
            if (f.getKey() == null || f.getKey().isEmpty() || f.getValue() == null) {
                throw new IllegalArgumentException("field names must be non-empty and values non-null: " + f);
            }
            doc.add(new StoredField(FIELD_PREFIX + f.getKey(), f.getValue()));
        }
        if (extra != null) {
            for (IndexableField f : extra) {
                if (f != null) {
                    doc.add(f);
                }
            }
        }
        if (fileStamp != null) {
            doc.add(new StoredField(FILE_SIZE, fileStamp[0]));
            doc.add(new StoredField(FILE_MODIFIED, fileStamp[1]));
        }
        return doc;
    }
}
