package dev.imgsim.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImageSimilarityException;
import dev.imgsim.ModelLoadException;

/**
 * Embeds the images of a Spark {@code Dataset}: the rows of Spark's {@code binaryFile} source (or
 * any dataset with a binary column of encoded images) come back with an {@code embedding} column
 * ({@code array<float>}) and an {@code error} column (null when the image was embedded).
 *
 * <pre>{@code
 * Dataset<Row> files = spark.read().format("binaryFile").load("s3a://bucket/photos/");
 * Dataset<Row> out = ImageEmbeddings.builder().build().transform(files);
 * out.write().parquet("s3a://bucket/embeddings.parquet");   // path, modificationTime, length, embedding, error
 * }</pre>
 *
 * <p><b>Bad images never fail a task:</b> a file that is not an image, is corrupt, truncated or
 * over the pixel limit gets a null embedding and an error naming the file and the reason
 * ({@code ImageDecodeException: ...}). A model that cannot be loaded does fail the job: that is a
 * configuration error, not a bad row.
 *
 * <p><b>One model per executor JVM:</b> the transform is serialisable settings only; each executor
 * opens the native library and the model the first time one of its tasks needs them and shares
 * them between its tasks (an {@link ImageSimilarity} is thread-safe). They live until the
 * executor exits.
 *
 * <p><b>Threads:</b> each inference uses {@link Builder#threadsPerTask(int)} ONNX Runtime threads,
 * by default {@code spark.task.cpus} (1 unless set). Spark runs {@code spark.executor.cores /
 * spark.task.cpus} tasks at once per executor, so ORT threads x task slots = executor cores:
 * the executor is never oversubscribed. To give each image more threads, raise
 * {@code spark.task.cpus}, not this setting.
 *
 * <p>Instances are immutable and serialisable; {@link #transform(Dataset)} is lazy like any Spark
 * transformation.
 */
public final class ImageEmbeddings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Name of the column with the embedding ({@code array<float>}, null on error). */
    public static final String EMBEDDING = "embedding";
    /** Name of the column with the error ({@code string}, null when the image was embedded). */
    public static final String ERROR = "error";
    /** With {@link Builder#copyFeatures(boolean)}: the embedding of the image turned 90 degrees (array of float). */
    public static final String TURNED_EMBEDDING = "turned_embedding";
    /**
     * With {@link Builder#copyFeatures(boolean)}: the embedding of the picture inside the image when
     * it is a picture on a plain canvas (a screenshot, a padded copy), else null (array of float).
     */
    public static final String INNER_EMBEDDING = "inner_embedding";
    /** With {@link Builder#copyFeatures(boolean)}: the copy fingerprint (binary, {@code CopyFeatures.MIN_FINGERPRINT_BYTES} to {@code MAX_FINGERPRINT_BYTES}). */
    public static final String FINGERPRINT = "fingerprint";

    /** @serial model path or shipped file name; null for the bundled model */
    private final String model;
    /** @serial binary column with the encoded image */
    private final String contentColumn;
    /** @serial column naming the image in errors */
    private final String idColumn;
    /** @serial ORT threads per inference; 0 for spark.task.cpus */
    private final int threadsPerTask;
    /** @serial pixel limit; 0 for the default */
    private final long maxPixels;
    /** @serial whether the content column stays in the output */
    private final boolean keepContent;
    /** @serial whether the copy features (turned embedding, fingerprint) are added */
    private final boolean copyFeatures;

    private ImageEmbeddings(Builder b) {
        this.model = b.model;
        this.contentColumn = b.contentColumn;
        this.idColumn = b.idColumn;
        this.threadsPerTask = b.threadsPerTask;
        this.maxPixels = b.maxPixels;
        this.keepContent = b.keepContent;
        this.copyFeatures = b.copyFeatures;
    }

    /** @return settings with every default: bundled model, columns {@code content} and {@code path} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The output schema for an input schema: the input's columns (without the content column
     * unless {@link Builder#keepContent(boolean)}), then {@code embedding} and {@code error} (and with
     * {@link Builder#copyFeatures(boolean)}, {@code turned_embedding}, {@code fingerprint} and {@code inner_embedding}).
     *
     * @param input the input dataset's schema
     * @return the output schema
     * @throws IllegalArgumentException if the content column is missing or not binary, or the
     *     input already has an {@code embedding} or {@code error} column
     */
    public StructType outputSchema(StructType input) {
        binaryColumn(input);
        List<StructField> fields = new ArrayList<>();
        for (StructField f : input.fields()) {
            if (f.name().equals(EMBEDDING) || f.name().equals(ERROR) || (copyFeatures
                    && (f.name().equals(TURNED_EMBEDDING) || f.name().equals(FINGERPRINT) || f.name().equals(INNER_EMBEDDING)))) {
                throw new IllegalArgumentException("the input already has a column named '" + f.name()
                        + "'; rename or drop it before embedding");
            }
            if (keepContent || !f.name().equals(contentColumn)) {
                fields.add(f);
            }
        }
        fields.add(DataTypes.createStructField(EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), true));
        fields.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
        if (copyFeatures) {
            fields.add(DataTypes.createStructField(TURNED_EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), true));
            fields.add(DataTypes.createStructField(FINGERPRINT, DataTypes.BinaryType, true));
            fields.add(DataTypes.createStructField(INNER_EMBEDDING, DataTypes.createArrayType(DataTypes.FloatType, false), true));
        }
        return DataTypes.createStructType(fields);
    }

    /**
     * Adds the embedding and error columns (lazily: nothing runs until an action).
     *
     * @param input rows with the content column (e.g. {@code spark.read().format("binaryFile")})
     * @return the input's rows with {@code embedding} and {@code error}; one output row per input row
     * @throws IllegalArgumentException if the content column is missing or not binary
     */
    public Dataset<Row> transform(Dataset<Row> input) {
        Objects.requireNonNull(input, "input");
        StructType in = input.schema();
        StructType out = outputSchema(in);
        int content = in.fieldIndex(contentColumn);
        int id = Arrays.asList(in.fieldNames()).indexOf(idColumn);
        return input.mapPartitions(new EmbedPartition(this, in.size(), content, id), Encoders.row(out));
    }

    private void binaryColumn(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(contentColumn)) {
            throw new IllegalArgumentException("the input has no column '" + contentColumn + "' (columns: " + names
                    + "); read images with spark.read().format(\"binaryFile\") or set contentColumn");
        }
        if (!schema.apply(contentColumn).dataType().equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("column '" + contentColumn + "' is "
                    + schema.apply(contentColumn).dataType().simpleString() + ", not binary (the encoded image file)");
        }
    }

    /** The model this executor JVM shares between tasks with these settings. */
    ImageSimilarity model() {
        int threads = threadsPerTask;
        if (threads == 0) {
            TaskContext tc = TaskContext.get();
            threads = tc == null ? 1 : Math.max(1, tc.cpus());
        }
        return ExecutorModels.get(model, threads, maxPixels);
    }

    /** Embeds one partition's rows, lazily, one image per model run. */
    private static final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final ImageEmbeddings settings;
        private final int width;
        private final int content;
        private final int id;

        EmbedPartition(ImageEmbeddings settings, int width, int content, int id) {
            this.settings = settings;
            this.width = width;
            this.content = content;
            this.id = id;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            return new Iterator<Row>() {
                private ImageSimilarity sim;

                @Override
                public boolean hasNext() {
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    Row r = rows.next();
                    if (sim == null) {
                        sim = settings.model();
                    }
                    float[] embedding = null;
                    float[] turned = null;
                    byte[] fingerprint = null;
                    float[] inner = null;
                    String error = null;
                    Object name = id >= 0 ? r.get(id) : null;
                    byte[] bytes = r.isNullAt(content) ? null : (byte[]) r.get(content);
                    if (bytes == null) {
                        error = "no image: column '" + settings.contentColumn + "' is null";
                    } else {
                        try {
                            if (settings.copyFeatures) {
                                CopyFeatures f = sim.analyze(bytes, name == null ? null : name.toString());
                                embedding = f.embedding();
                                turned = f.turnedEmbedding();
                                fingerprint = f.fingerprint();
                                inner = f.innerEmbedding().orElse(null);
                            } else {
                                embedding = sim.embed(bytes, name == null ? null : name.toString());
                            }
                        } catch (ModelLoadException e) {
                            throw e;
                        } catch (ImageSimilarityException e) {
                            error = e.getClass().getSimpleName() + ": " + e.getMessage();
                        }
                    }
                    int n = settings.keepContent ? width : width - 1;
                    Object[] values = new Object[n + (settings.copyFeatures ? 5 : 2)];
                    for (int i = 0, j = 0; i < width; i++) {
                        if (settings.keepContent || i != content) {
                            values[j++] = r.get(i);
                        }
                    }
                    values[n] = embedding;
                    values[n + 1] = error;
                    if (settings.copyFeatures) {
                        values[n + 2] = turned;
                        values[n + 3] = fingerprint;
                        values[n + 4] = inner;
                    }
                    return RowFactory.create(values);
                }
            };
        }
    }

    /** Settings of {@link ImageEmbeddings}. */
    public static final class Builder {
        private String model;
        private String contentColumn = "content";
        private String idColumn = "path";
        private int threadsPerTask;
        private long maxPixels;
        private boolean keepContent;
        private boolean copyFeatures;

        private Builder() {
        }

        /**
         * The ONNX model file, as a path that exists on every executor, or the name of a file
         * shipped with {@code spark-submit --files} (found with {@code SparkFiles.get}). Default:
         * the model bundled in the imgsim jar.
         *
         * @param pathOrFileName the model's path or shipped file name; null for the bundled model
         * @return this builder
         */
        public Builder model(String pathOrFileName) {
            this.model = pathOrFileName;
            return this;
        }

        /**
         * @param name the binary column with the encoded image (default {@code content}, as
         *     Spark's {@code binaryFile} source names it)
         * @return this builder
         */
        public Builder contentColumn(String name) {
            this.contentColumn = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param name the column that names each image in error messages (default {@code path});
         *     a missing column is allowed (errors then name no file)
         * @return this builder
         */
        public Builder idColumn(String name) {
            this.idColumn = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * ONNX Runtime threads per inference; 0 (default) takes {@code spark.task.cpus}, which
         * keeps threads x concurrent tasks at the executor's core count.
         *
         * @param threads 0 or more
         * @return this builder
         */
        public Builder threadsPerTask(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threadsPerTask must be 0 (spark.task.cpus) or positive: " + threads);
            }
            this.threadsPerTask = threads;
            return this;
        }

        /**
         * @param pixels images declaring more pixels get an error row (default: imgsim's default limit)
         * @return this builder
         */
        public Builder maxPixels(long pixels) {
            if (pixels <= 0) {
                throw new IllegalArgumentException("maxPixels must be positive: " + pixels);
            }
            this.maxPixels = pixels;
            return this;
        }

        /**
         * @param keep keep the (large) content column in the output (default false: dropped)
         * @return this builder
         */
        public Builder keepContent(boolean keep) {
            this.keepContent = keep;
            return this;
        }

        /**
         * @param add also analyse each image for copy detection: adds {@code turned_embedding},
         *     {@code fingerprint} (about 5-12 KB per image) and {@code inner_embedding} (null unless
         *     the image is a picture on a canvas), which {@link ImageDuplicates.Builder#verifyCopies(boolean)}
         *     needs (default false)
         * @return this builder
         */
        public Builder copyFeatures(boolean add) {
            this.copyFeatures = add;
            return this;
        }

        /** @return the transform */
        public ImageEmbeddings build() {
            return new ImageEmbeddings(this);
        }
    }
}
