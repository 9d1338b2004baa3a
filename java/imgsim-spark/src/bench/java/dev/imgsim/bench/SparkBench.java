package dev.imgsim.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import dev.imgsim.index.ImageIndex;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.spark.ImageDuplicates;
import dev.imgsim.spark.ImageEmbeddings;

/**
 * `gradle sparkBench` (docs/SCALE.md): Spark local[cores] embedding throughput against the
 * single-JVM {@code ImageIndex.addAll} on the ingestion benchmark's photo folders, and the
 * near-duplicate methods (signature bands, MLlib's BucketedRandomProjectionLSH, exact) on the
 * duplicates benchmark's planted vectors.
 *
 * <p>Options: {@code --quick} (60 photos, 1 round, 5,000 vectors), {@code --only ingest|dupes},
 * {@code --vectors N} (default 20,000), {@code --mllib-vectors N} (default 5,000: MLlib's join
 * compares a large share of all pairs).
 */
public final class SparkBench {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private boolean quick;
    private String only;
    private int vectors = 20_000;
    private int mllibVectors = 5_000;
    private double[] mllibBuckets = {0.014, 0.05};
    private int mllibTables = 4;
    private SparkSession spark;

    public static void main(String[] args) throws Exception {
        SparkBench b = new SparkBench();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    b.quick = true;
                    b.vectors = 5_000;
                    b.mllibVectors = 2_000;
                    break;
                case "--only":
                    b.only = args[++i];
                    break;
                case "--vectors":
                    b.vectors = Integer.parseInt(args[++i]);
                    break;
                case "--mllib-vectors":
                    b.mllibVectors = Integer.parseInt(args[++i]);
                    break;
                case "--mllib-buckets":
                    b.mllibBuckets = java.util.Arrays.stream(args[++i].split(",")).mapToDouble(Double::parseDouble).toArray();
                    break;
                case "--mllib-tables":
                    b.mllibTables = Integer.parseInt(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        b.spark = SparkSession.builder().master("local[" + CORES + "]").appName("imgsim-bench")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", String.valueOf(4 * CORES))
                // image files are large: small input partitions keep every core busy to the end
                .config("spark.sql.files.maxPartitionBytes", "32m")
                .getOrCreate();
        b.spark.sparkContext().setLogLevel("WARN");
        System.out.printf(Locale.ROOT, "Spark %s, local[%d], Java %s%n", b.spark.version(), CORES,
                System.getProperty("java.version"));
        try {
            if (b.only == null || b.only.equals("ingest")) {
                b.ingest();
            }
            if (b.only == null || b.only.equals("dupes")) {
                b.dupes();
            }
        } finally {
            b.spark.stop();
        }
    }

    // ---------------------------------------------------------------- embedding throughput

    void ingest() throws Exception {
        Path src = Paths.get(".cache/bench/src");
        if (!Files.isDirectory(src)) {
            System.out.println("ingestion: no photos; run java/imgsim-bench/fetch-photos.sh first");
            return;
        }
        int per = quick ? 60 : 260;
        Path large = IndexBench.prepare(src, Paths.get("build/bench/photos/large-8-12mp"), per, 8e6, 12e6, 1);
        Path small = IndexBench.prepare(src, Paths.get("build/bench/photos/small-2-3mp"), per, 2e6, 3e6, 2);
        int rounds = quick ? 1 : 3;
        System.out.println();
        System.out.println("Embedding throughput, images/s, median of " + rounds + " rounds (order alternates)");
        System.out.println("| folder | files | Spark local[" + CORES + "] ImageEmbeddings | ImageIndex.addAll (one JVM) | Spark / addAll |");
        System.out.println("|---|---|---|---|---|");
        // warm-up: JIT, native library, model sessions in both paths
        sparkRun(small, 8);
        addAllRun(small, 8);
        for (Path folder : List.of(large, small)) {
            List<Double> s = new ArrayList<>();
            List<Double> a = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    s.add(sparkRun(folder, 0));
                    a.add(addAllRun(folder, 0));
                } else {
                    a.add(addAllRun(folder, 0));
                    s.add(sparkRun(folder, 0));
                }
            }
            double sm = IndexBench.median(s);
            double am = IndexBench.median(a);
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.0f %% |%n", folder.getFileName(), count(folder),
                    sm, am, 100 * sm / am);
            System.out.printf(Locale.ROOT, "  rounds: spark %s, addAll %s%n", s, a);
        }
    }

    private static long count(Path folder) throws Exception {
        try (Stream<Path> s = Files.list(folder)) {
            return s.count();
        }
    }

    /** Embeds the folder (or its first {@code limit} files) in Spark; images/s. */
    double sparkRun(Path folder, int limit) throws Exception {
        Dataset<Row> files = spark.read().format("binaryFile").load(folder.toString());
        if (limit > 0) {
            files = files.limit(limit);
        }
        long t0 = System.nanoTime();
        List<Row> errors = ImageEmbeddings.builder().build().transform(files)
                .filter("error is not null").select("path", "error").collectAsList();
        double s = (System.nanoTime() - t0) / 1e9;
        if (!errors.isEmpty()) {
            throw new IllegalStateException("error rows in the benchmark folder: " + errors);
        }
        return (limit > 0 ? limit : count(folder)) / s;
    }

    /** Adds the folder (or its first {@code limit} files) to a new index; images/s. */
    static double addAllRun(Path folder, int limit) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.sorted().collect(Collectors.toList());
        }
        if (limit > 0) {
            files = files.subList(0, limit);
        }
        Path dir = Paths.get("build/bench/spark-addall");
        IndexBench.deleteTree(dir);
        try (ImageSimilarity sim = ImageSimilarity.create()) {
            long t0 = System.nanoTime();
            try (ImageIndex index = ImageIndex.open(dir, sim)) {
                index.addAll(files, null);
            }
            return files.size() / ((System.nanoTime() - t0) / 1e9);
        } finally {
            IndexBench.deleteTree(dir);
        }
    }

    // ---------------------------------------------------------------- duplicates

    void dupes() {
        double tau = 0.95;
        List<float[]> vs = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        IndexBench.plantedDuplicates(vectors, vs, ids);
        System.out.println();
        System.out.printf(Locale.ROOT, "Near-duplicate pairs at cosine >= %.2f, planted data of the duplicates benchmark"
                + " (docs/SEARCH.md), local[%d]; recall against the exact method on the same vectors%n", tau, CORES);
        System.out.println("| vectors | method | settings | seconds | pairs | recall vs exact |");
        System.out.println("|---|---|---|---|---|---|");
        for (int n : mllibVectors == vectors ? new int[] {vectors} : new int[] {vectors, mllibVectors}) {
            Dataset<Row> df = frame(vs.subList(0, n), ids.subList(0, n)).cache();
            df.count();
            Set<String> exact = run(df, n, ImageDuplicates.builder().minSimilarity(tau).method(ImageDuplicates.Method.EXACT).build(),
                    "exact", "all pairs, broadcast", null);
            ImageDuplicates bands = ImageDuplicates.builder().minSimilarity(tau).build();
            run(df, n, bands, "signature bands", "24 bands x " + bands.bitsPerBand() + " bits", exact);
            if (n == mllibVectors) {
                for (double w : mllibBuckets) {
                    run(df, n, ImageDuplicates.builder().minSimilarity(tau).method(ImageDuplicates.Method.MLLIB_LSH)
                            .bucketLength(w).hashTables(mllibTables).build(), "MLlib BRP LSH",
                            "bucket " + w + ", " + mllibTables + " tables", exact);
                }
            }
            df.unpersist();
        }
    }

    private Set<String> run(Dataset<Row> df, int n, ImageDuplicates d, String name, String settings, Set<String> exact) {
        long t0 = System.nanoTime();
        List<Row> pairs = d.find(df).collectAsList();
        double s = (System.nanoTime() - t0) / 1e9;
        Set<String> found = new HashSet<>();
        for (Row p : pairs) {
            found.add(p.getString(0) + "|" + p.getString(1));
        }
        String recall = "";
        if (exact != null) {
            long hit = exact.stream().filter(found::contains).count();
            recall = String.format(Locale.ROOT, "%.4f (%d of %d)", exact.isEmpty() ? 1.0 : hit / (double) exact.size(), hit,
                    exact.size());
        }
        System.out.printf(Locale.ROOT, "| %,d | %s | %s | %.1f | %,d | %s |%n", n, name, settings, s, found.size(), recall);
        return found;
    }

    private Dataset<Row> frame(List<float[]> vs, List<String> ids) {
        StructType schema = DataTypes.createStructType(Arrays.asList(
                DataTypes.createStructField("path", DataTypes.StringType, false),
                DataTypes.createStructField("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false)));
        List<Row> rows = new ArrayList<>(vs.size());
        for (int i = 0; i < vs.size(); i++) {
            rows.add(RowFactory.create(ids.get(i), vs.get(i)));
        }
        return spark.createDataFrame(rows, schema).repartition(4 * CORES);
    }
}
