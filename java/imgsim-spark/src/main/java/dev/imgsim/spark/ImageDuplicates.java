package dev.imgsim.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSH;
import org.apache.spark.ml.feature.BucketedRandomProjectionLSHModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Near-duplicate pairs among embedded images at Spark scale: every pair of rows whose embeddings
 * have a cosine similarity of at least {@link Builder#minSimilarity(double)}.
 *
 * <pre>{@code
 * Dataset<Row> pairs = ImageDuplicates.builder().minSimilarity(0.95).build().find(embedded);
 * // columns: id_a, id_b (id_a < id_b), similarity (cosine, double)
 * }</pre>
 *
 * <p>Three methods, all exact in what they report (every pair's cosine is computed from the two
 * embeddings and checked against the threshold); they differ in which pairs they look at:
 * <ul>
 * <li>{@link Method#SIGNATURE_BANDS} (default): random-hyperplane (SimHash) signatures cut into
 * bands; two images are compared when any band of their signatures is equal (LSH with AND-OR
 * amplification). The bits per band follow from the threshold so that a pair exactly at the
 * threshold is found with probability 0.99; pairs above it, more often. Measured in
 * {@code docs/SCALE.md}: recall 0.99+ of the exact pairs while comparing about 0.1 % of all pairs.
 * <li>{@link Method#MLLIB_LSH}: MLlib's {@code BucketedRandomProjectionLSH.approxSimilarityJoin}
 * on the L2-normalised vectors. On unit vectors the Euclidean distance d and the cosine c are
 * tied by d&sup2; = 2 - 2c, so the join runs with distance threshold sqrt(2 - 2 &tau;) and
 * reports c = 1 - d&sup2;/2. Its hash tables have one projection each (no AND amplification):
 * on 512-dimensional embeddings it compares a large share of all pairs (see {@code docs/SCALE.md}).
 * <li>{@link Method#EXACT}: all n(n-1)/2 pairs, the vectors broadcast to every task; the
 * reference for measuring the others, affordable up to some 100,000 images.
 * </ul>
 *
 * <p>Rows with a null embedding (images that failed) are skipped. Instances are immutable and
 * serialisable.
 */
public final class ImageDuplicates implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How candidate pairs are chosen. */
    public enum Method {
        /** SimHash signatures in bands (default). */
        SIGNATURE_BANDS,
        /** MLlib's BucketedRandomProjectionLSH approximate similarity join. */
        MLLIB_LSH,
        /** Every pair. */
        EXACT
    }

    /** @serial cosine threshold */
    private final double minSimilarity;
    /** @serial how candidate pairs are chosen */
    private final Method method;
    /** @serial column identifying an image */
    private final String idColumn;
    /** @serial the embedding column (array of float) */
    private final String embeddingColumn;
    /** @serial signature bands */
    private final int bands;
    /** @serial bits per band */
    private final int bitsPerBand;
    /** @serial MLlib's bucket length */
    private final double bucketLength;
    /** @serial MLlib's hash tables */
    private final int hashTables;
    /** @serial seed of the random projections */
    private final long seed;
    /** @serial whether find() verifies candidates and returns copies only */
    private final boolean verifyCopies;

    /** Marks the 90-degree view of an image among the candidate vectors (never in an id). */
    private static final String TURNED = "\u0000turned";
    /** Marks the inner picture's view of an image among the candidate vectors (never in an id). */
    private static final String INNER = "\u0000inner";
    /** Matches either mark. */
    private static final String VIEW = "\u0000(turned|inner)";

    private ImageDuplicates(Builder b) {
        this.minSimilarity = b.minSimilarity;
        this.method = b.method;
        this.idColumn = b.idColumn;
        this.embeddingColumn = b.embeddingColumn;
        this.bands = b.bands;
        this.bitsPerBand = b.bitsPerBand > 0 ? b.bitsPerBand : bitsFor(b.minSimilarity, b.bands);
        this.bucketLength = b.bucketLength;
        this.hashTables = b.hashTables;
        this.seed = b.seed;
        this.verifyCopies = b.verifyCopies;
    }

    /** @return default settings: threshold 0.95, signature bands, columns {@code path} and {@code embedding} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The most bits per band for which a pair at cosine {@code tau} shares at least one of
     * {@code bands} bands with probability 0.99 (a random hyperplane separates two vectors at
     * angle &theta; with probability &theta;/&pi;).
     */
    static int bitsFor(double tau, int bands) {
        double p = 1 - Math.acos(Math.max(-1, Math.min(1, tau))) / Math.PI;
        double needBand = 1 - Math.pow(0.01, 1.0 / bands);
        int r = (int) Math.floor(Math.log(needBand) / Math.log(p));
        return Math.max(1, Math.min(62, r));
    }

    /** @return the bits per band in use (chosen from the threshold unless set) */
    public int bitsPerBand() {
        return bitsPerBand;
    }

    /**
     * Finds the pairs (lazily: nothing runs until an action).
     *
     * @param embedded rows with the id and embedding columns, e.g. the output of {@link ImageEmbeddings}
     * @return columns {@code id_a}, {@code id_b} (strings, id_a &lt; id_b) and {@code similarity}
     * @throws IllegalArgumentException if a column is missing
     */
    public Dataset<Row> find(Dataset<Row> embedded) {
        Objects.requireNonNull(embedded, "embedded");
        List<String> names = Arrays.asList(embedded.schema().fieldNames());
        for (String c : new String[] {idColumn, embeddingColumn}) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("the input has no column '" + c + "' (columns: " + names + ")");
            }
        }
        Dataset<Row> vectors = embedded.filter(col(embeddingColumn).isNotNull())
                .select(col(idColumn).cast("string").as("id"), col(embeddingColumn).as("v"));
        if (verifyCopies) {
            requireFeatures(names);
            // candidates: near by any view (a copy turned 90 or 270 degrees is near the other's turned
            // view, a screenshot's inner picture near the picture)
            Dataset<Row> turned = embedded.filter(col(ImageEmbeddings.TURNED_EMBEDDING).isNotNull())
                    .select(concat(col(idColumn).cast("string"), lit(TURNED)).as("id"),
                            col(ImageEmbeddings.TURNED_EMBEDDING).as("v"));
            Dataset<Row> views = vectors.union(turned);
            if (names.contains(ImageEmbeddings.INNER_EMBEDDING)) {
                // a screenshot's inner picture is near the picture's copies
                views = views.union(embedded.filter(col(ImageEmbeddings.INNER_EMBEDDING).isNotNull())
                        .select(concat(col(idColumn).cast("string"), lit(INNER)).as("id"),
                                col(ImageEmbeddings.INNER_EMBEDDING).as("v")));
            }
            Dataset<Row> pairs = candidates(views);
            Dataset<Row> merged = pairs.select(regexp_replace(col("id_a"), VIEW, "").as("a"),
                    regexp_replace(col("id_b"), VIEW, "").as("b"), col("similarity"))
                    .filter(col("a").notEqual(col("b")))
                    .select(least(col("a"), col("b")).as("id_a"), greatest(col("a"), col("b")).as("id_b"), col("similarity"))
                    .groupBy("id_a", "id_b").agg(max("similarity").as("similarity"));
            Dataset<Row> verified = verify(merged, embedded);
            return verified.filter(col("copy")).orderBy(col("confidence").desc(), col("id_a"), col("id_b"));
        }
        return candidates(vectors);
    }

    private Dataset<Row> candidates(Dataset<Row> vectors) {
        switch (method) {
            case EXACT:
                return exact(vectors);
            case MLLIB_LSH:
                return mllib(vectors);
            default:
                return bands(vectors);
        }
    }

    private void requireFeatures(List<String> names) {
        for (String c : new String[] {ImageEmbeddings.TURNED_EMBEDDING, ImageEmbeddings.FINGERPRINT}) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("verifying copies needs the column '" + c + "': embed with"
                        + " ImageEmbeddings.builder().copyFeatures(true) (columns: " + names + ")");
            }
        }
    }

    /** The columns {@link #verify} adds to each pair. */
    private static final StructType VERIFIED = DataTypes.createStructType(Arrays.asList(
            DataTypes.createStructField("id_a", DataTypes.StringType, false),
            DataTypes.createStructField("id_b", DataTypes.StringType, false),
            DataTypes.createStructField("similarity", DataTypes.DoubleType, false),
            DataTypes.createStructField("copy", DataTypes.BooleanType, false),
            DataTypes.createStructField("band", DataTypes.StringType, false),
            DataTypes.createStructField("confidence", DataTypes.DoubleType, false),
            DataTypes.createStructField("transform", DataTypes.StringType, false),
            DataTypes.createStructField("verification", DataTypes.DoubleType, false)));

    /**
     * Verifies candidate pairs on the images' copy features, as {@code imgsim dupes} and
     * {@code ImageIndex.copies()} do: each pair gets the copy decision of
     * {@code ImageSimilarity.verify} (turns, mirrors, crops, padding and screenshots found by
     * aligning the fingerprints), its band, confidence and transform. Pairs whose images lack
     * features (failed rows) are dropped.
     *
     * @param pairs columns {@code id_a}, {@code id_b}, {@code similarity} (e.g. from {@link #find})
     * @param embedded the output of {@code ImageEmbeddings} built with {@code copyFeatures(true)}
     * @return columns {@code id_a, id_b, similarity, copy, band, confidence, transform, verification}
     * @throws IllegalArgumentException if the features or pair columns are missing
     */
    public Dataset<Row> verify(Dataset<Row> pairs, Dataset<Row> embedded) {
        Objects.requireNonNull(pairs, "pairs");
        Objects.requireNonNull(embedded, "embedded");
        List<String> names = Arrays.asList(embedded.schema().fieldNames());
        requireFeatures(names);
        // features embedded before the inner picture's column existed verify without it
        Column inner = names.contains(ImageEmbeddings.INNER_EMBEDDING) ? col(ImageEmbeddings.INNER_EMBEDDING)
                : lit(null).cast(DataTypes.createArrayType(DataTypes.FloatType, false));
        Dataset<Row> f = embedded.filter(col(embeddingColumn).isNotNull().and(col(ImageEmbeddings.FINGERPRINT).isNotNull()))
                .select(col(idColumn).cast("string").as("fid"), col(embeddingColumn).as("e"),
                        col(ImageEmbeddings.TURNED_EMBEDDING).as("t"), col(ImageEmbeddings.FINGERPRINT).as("fp"), inner.as("i"));
        Dataset<Row> fa = f.toDF("fa", "ea", "ta", "fpa", "ia");
        Dataset<Row> fb = f.toDF("fb", "eb", "tb", "fpb", "ib");
        Dataset<Row> joined = pairs.join(fa, col("id_a").equalTo(col("fa"))).join(fb, col("id_b").equalTo(col("fb")))
                .select("id_a", "id_b", "similarity", "ea", "ta", "fpa", "eb", "tb", "fpb", "ia", "ib");
        return joined.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row r = rows.next();
                dev.imgsim.CopyFeatures a = new dev.imgsim.CopyFeatures(floats(r.getList(3)), floats(r.getList(4)),
                        r.isNullAt(9) ? null : floats(r.getList(9)), (byte[]) r.get(5));
                dev.imgsim.CopyFeatures b = new dev.imgsim.CopyFeatures(floats(r.getList(6)), floats(r.getList(7)),
                        r.isNullAt(10) ? null : floats(r.getList(10)), (byte[]) r.get(8));
                dev.imgsim.Match m = dev.imgsim.ImageSimilarity.verify(a, b);
                out.add(RowFactory.create(r.getString(0), r.getString(1), r.getDouble(2), m.isCopy(), m.band().name(),
                        m.confidence(), m.transform().name(), m.verification()));
            }
            return out.iterator();
        }, Encoders.row(VERIFIED));
    }

    private static final StructType PAIRS = DataTypes.createStructType(Arrays.asList(
            DataTypes.createStructField("id_a", DataTypes.StringType, false),
            DataTypes.createStructField("id_b", DataTypes.StringType, false),
            DataTypes.createStructField("similarity", DataTypes.DoubleType, false)));

    private Dataset<Row> bands(Dataset<Row> vectors) {
        StructType sigSchema = DataTypes.createStructType(Arrays.asList(
                DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("band", DataTypes.IntegerType, false),
                DataTypes.createStructField("key", DataTypes.LongType, false)));
        int b = bands;
        int r = bitsPerBand;
        long s = seed;
        Dataset<Row> sig = vectors.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            List<Row> out = new ArrayList<>();
            float[][] planes = null;
            while (rows.hasNext()) {
                Row row = rows.next();
                float[] v = floats(row.getList(1));
                if (planes == null) {
                    planes = planes(s, b * r, v.length);
                }
                for (int band = 0; band < b; band++) {
                    long key = 0;
                    for (int bit = 0; bit < r; bit++) {
                        if (dev.imgsim.Vectors.dot(planes[band * r + bit], v) > 0) {
                            key |= 1L << bit;
                        }
                    }
                    out.add(RowFactory.create(row.getString(0), band, key));
                }
            }
            return out.iterator();
        }, Encoders.row(sigSchema));
        StructType candSchema = DataTypes.createStructType(Arrays.asList(
                DataTypes.createStructField("a", DataTypes.StringType, false),
                DataTypes.createStructField("b", DataTypes.StringType, false)));
        Dataset<Row> candidates = sig.groupBy("band", "key").agg(collect_list("id").as("ids"))
                .filter(size(col("ids")).gt(1))
                .flatMap((FlatMapFunction<Row, Row>) row -> {
                    List<String> ids = new ArrayList<>(row.getList(2));
                    Collections.sort(ids);
                    List<Row> out = new ArrayList<>();
                    for (int i = 0; i < ids.size(); i++) {
                        for (int j = i + 1; j < ids.size(); j++) {
                            if (!ids.get(i).equals(ids.get(j))) {
                                out.add(RowFactory.create(ids.get(i), ids.get(j)));
                            }
                        }
                    }
                    return out.iterator();
                }, Encoders.row(candSchema))
                .distinct();
        Dataset<Row> x = vectors.toDF("xa", "va");
        Dataset<Row> y = vectors.toDF("yb", "vb");
        Dataset<Row> joined = candidates.join(x, col("a").equalTo(col("xa"))).join(y, col("b").equalTo(col("yb")))
                .select("a", "b", "va", "vb");
        double tau = minSimilarity;
        return joined.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                double c = dev.imgsim.Vectors.cosine(floats(row.getList(2)), floats(row.getList(3)));
                if (c >= tau) {
                    out.add(RowFactory.create(row.getString(0), row.getString(1), c));
                }
            }
            return out.iterator();
        }, Encoders.row(PAIRS));
    }

    private Dataset<Row> mllib(Dataset<Row> vectors) {
        StructType schema = DataTypes.createStructType(Arrays.asList(
                DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("features", SQLDataTypes.VectorType(), false)));
        Dataset<Row> unit = vectors.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                float[] v = dev.imgsim.Vectors.normalise(floats(row.getList(1)));
                double[] u = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    u[i] = v[i];
                }
                out.add(RowFactory.create(row.getString(0), Vectors.dense(u)));
            }
            return out.iterator();
        }, Encoders.row(schema)).cache();
        BucketedRandomProjectionLSHModel model = new BucketedRandomProjectionLSH()
                .setInputCol("features").setOutputCol("hashes")
                .setBucketLength(bucketLength).setNumHashTables(hashTables).setSeed(seed)
                .fit(unit);
        // unit vectors: d^2 = 2 - 2 cos; a tiny slack keeps pairs exactly at the threshold
        double maxDistance = Math.sqrt(Math.max(0, 2 - 2 * minSimilarity)) + 1e-9;
        double tau = minSimilarity;
        Dataset<Row> joined = model.approxSimilarityJoin(unit, unit, maxDistance, "distance")
                .select(col("datasetA.id").as("a"), col("datasetB.id").as("b"), col("distance"))
                .filter(col("a").lt(col("b")));
        return joined.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                Row row = rows.next();
                double d = row.getDouble(2);
                double c = 1 - d * d / 2;
                if (c >= tau) {
                    out.add(RowFactory.create(row.getString(0), row.getString(1), c));
                }
            }
            return out.iterator();
        }, Encoders.row(PAIRS));
    }

    private Dataset<Row> exact(Dataset<Row> vectors) {
        SparkSession spark = vectors.sparkSession();
        List<Row> all = vectors.collectAsList();
        String[] ids = new String[all.size()];
        float[][] unit = new float[all.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = all.get(i).getString(0);
            unit[i] = dev.imgsim.Vectors.normalise(floats(all.get(i).getList(1)));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<String[]> bIds = jsc.broadcast(ids);
        Broadcast<float[][]> bVec = jsc.broadcast(unit);
        int slices = Math.max(1, Math.min(ids.length, 4 * spark.sparkContext().defaultParallelism()));
        double tau = minSimilarity;
        return spark.range(0, slices, 1, slices).toDF("slice").mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            String[] id = bIds.value();
            float[][] v = bVec.value();
            List<Row> out = new ArrayList<>();
            while (rows.hasNext()) {
                int slice = (int) rows.next().getLong(0);
                // rows slice, slice + slices, ...: every task gets long and short rows alike
                for (int i = slice; i < v.length; i += slices) {
                    for (int j = i + 1; j < v.length; j++) {
                        double c = dev.imgsim.Vectors.cosineOfUnit(v[i], v[j]);
                        if (c >= tau && !id[i].equals(id[j])) {
                            boolean ab = id[i].compareTo(id[j]) < 0;
                            out.add(RowFactory.create(ab ? id[i] : id[j], ab ? id[j] : id[i], c));
                        }
                    }
                }
            }
            return out.iterator();
        }, Encoders.row(PAIRS));
    }

    static float[][] planes(long seed, int count, int dim) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] p = new float[count][dim];
        for (float[] plane : p) {
            for (int j = 0; j < dim; j++) {
                // a Gaussian direction: the sign of the dot product then splits the sphere uniformly
                double u = 1 - rnd.nextDouble();
                plane[j] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble()));
            }
        }
        return p;
    }

    static float[] floats(List<?> list) {
        float[] v = new float[list.size()];
        Iterator<?> it = list.iterator();
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) it.next()).floatValue();
        }
        return v;
    }

    /** Settings of {@link ImageDuplicates}. */
    public static final class Builder {
        private double minSimilarity = 0.95;
        private Method method = Method.SIGNATURE_BANDS;
        private String idColumn = "path";
        private String embeddingColumn = ImageEmbeddings.EMBEDDING;
        private int bands = 24;
        private boolean verifyCopies;
        private int bitsPerBand;
        private double bucketLength = 0.05;
        private int hashTables = 4;
        private long seed = 42;

        private Builder() {
        }

        /**
         * @param tau the cosine similarity a pair needs (default 0.95), in (-1, 1]
         * @return this builder
         */
        public Builder minSimilarity(double tau) {
            if (!(tau > -1 && tau <= 1)) {
                throw new IllegalArgumentException("minSimilarity must be in (-1, 1]: " + tau);
            }
            this.minSimilarity = tau;
            return this;
        }

        /**
         * @param method how candidate pairs are chosen (default {@link Method#SIGNATURE_BANDS})
         * @return this builder
         */
        public Builder method(Method method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * @param name the column that identifies an image (default {@code path}); cast to string
         * @return this builder
         */
        public Builder idColumn(String name) {
            this.idColumn = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param name the {@code array<float>} column (default {@code embedding})
         * @return this builder
         */
        public Builder embeddingColumn(String name) {
            this.embeddingColumn = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param bands signature bands for {@link Method#SIGNATURE_BANDS} (default 24); more
         *     bands find more pairs near the threshold and compare more pairs
         * @return this builder
         */
        public Builder bands(int bands) {
            if (bands < 1) {
                throw new IllegalArgumentException("bands must be positive: " + bands);
            }
            this.bands = bands;
            return this;
        }

        /**
         * @param bits bits per band (1-62); 0 (default) chooses them from the threshold and the
         *     bands so that a pair at the threshold is found with probability 0.99
         * @return this builder
         */
        public Builder bitsPerBand(int bits) {
            if (bits < 0 || bits > 62) {
                throw new IllegalArgumentException("bitsPerBand must be 0 (automatic) or 1-62: " + bits);
            }
            this.bitsPerBand = bits;
            return this;
        }

        /**
         * @param length MLlib's bucket length for {@link Method#MLLIB_LSH}, in units of the unit
         *     vectors (default 0.05)
         * @return this builder
         */
        public Builder bucketLength(double length) {
            if (!(length > 0)) {
                throw new IllegalArgumentException("bucketLength must be positive: " + length);
            }
            this.bucketLength = length;
            return this;
        }

        /**
         * @param tables MLlib's hash tables for {@link Method#MLLIB_LSH} (default 4)
         * @return this builder
         */
        public Builder hashTables(int tables) {
            if (tables < 1) {
                throw new IllegalArgumentException("hashTables must be positive: " + tables);
            }
            this.hashTables = tables;
            return this;
        }

        /**
         * @param seed the random projections' seed (default 42): the same seed gives the same pairs
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Verify each candidate pair (found by either image's view at {@link #minSimilarity(double)},
         * so set it low, e.g. 0.7, to reach cropped and padded copies) and return only verified
         * copies, with columns {@code copy, band, confidence, transform, verification}: the same
         * decision as {@code imgsim dupes}. Needs {@code ImageEmbeddings.builder().copyFeatures(true)}.
         *
         * @param verify true to verify (default false: pairs by cosine alone)
         * @return this builder
         */
        public Builder verifyCopies(boolean verify) {
            this.verifyCopies = verify;
            return this;
        }

        /** @return the finder */
        public ImageDuplicates build() {
            return new ImageDuplicates(this);
        }
    }
}
