package dev.imgsim.spark;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code spark-submit} entry point: embeds every file under a folder or glob into Parquet,
 * and optionally writes the near-duplicate pairs.
 *
 * <pre>
 * spark-submit --class dev.imgsim.spark.EmbedImagesJob imgsim-spark-all.jar \
 *     --input s3a://bucket/photos/ --output s3a://bucket/embeddings.parquet \
 *     [--model model.onnx] [--partitions N] [--duplicates PAIRS.parquet [--threshold 0.95]]
 * </pre>
 *
 * <p>The Parquet output has the columns {@code path, modificationTime, length, embedding, error}:
 * one row per file, with a null embedding and the reason for files that are not images. Exit
 * status 0 when the job ran (whatever the error rows), 2 for bad arguments.
 */
public final class EmbedImagesJob {
    private EmbedImagesJob() {
    }

    /** Arguments of one run. */
    static final class Args {
        String input;
        String output;
        String model;
        String duplicates;
        double threshold = 0.95;
        int partitions;

        static Args parse(String[] argv) {
            Args a = new Args();
            for (int i = 0; i < argv.length; i++) {
                String flag = argv[i];
                if (flag.equals("--help") || flag.equals("-h")) {
                    throw new IllegalArgumentException((String) null);
                }
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                String v = argv[++i];
                switch (flag) {
                    case "--input":
                        a.input = v;
                        break;
                    case "--output":
                        a.output = v;
                        break;
                    case "--model":
                        a.model = v;
                        break;
                    case "--duplicates":
                        a.duplicates = v;
                        break;
                    case "--threshold":
                        a.threshold = number(flag, v);
                        if (!(a.threshold > -1 && a.threshold <= 1)) {
                            throw new IllegalArgumentException("--threshold must be in (-1, 1]: " + v);
                        }
                        break;
                    case "--partitions":
                        a.partitions = (int) number(flag, v);
                        if (a.partitions < 1) {
                            throw new IllegalArgumentException("--partitions must be positive: " + v);
                        }
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + flag);
                }
            }
            if (a.input == null || a.output == null) {
                throw new IllegalArgumentException("--input and --output are required");
            }
            return a;
        }

        private static double number(String flag, String v) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " needs a number: " + v);
            }
        }
    }

    static final String USAGE = "usage: spark-submit --class dev.imgsim.spark.EmbedImagesJob JAR --input DIR_OR_GLOB"
            + " --output PARQUET [--model MODEL.onnx] [--partitions N] [--duplicates PARQUET [--threshold 0.95]]";

    /**
     * Runs the job in the active (or a new) Spark session.
     *
     * @param argv the arguments above
     */
    public static void main(String[] argv) {
        Args a;
        try {
            a = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null) {
                System.err.println("imgsim-spark: " + e.getMessage());
            }
            System.err.println(USAGE);
            System.exit(e.getMessage() == null ? 0 : 2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("imgsim embed").getOrCreate();
        Summary s = run(spark, a);
        System.out.println(s);
    }

    /** Counts of one run. */
    static final class Summary {
        long files;
        long errors;
        long pairs = -1;

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "imgsim-spark: %d files, %d embedded, %d errors%s", files, files - errors,
                    errors, pairs >= 0 ? ", " + pairs + " duplicate pairs" : "");
        }
    }

    static Summary run(SparkSession spark, Args a) {
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(a.input);
        if (a.partitions > 0) {
            files = files.repartition(a.partitions);
        }
        ImageEmbeddings.Builder b = ImageEmbeddings.builder();
        if (a.model != null) {
            b.model(a.model);
        }
        Dataset<Row> embedded = b.build().transform(files);
        // the v1 committer moves task outputs into place only when the whole job commits, and writes
        // _SUCCESS last: a crashed job leaves nothing a reader takes as complete (readers of imgsim
        // refuse a folder without _SUCCESS)
        spark.sparkContext().hadoopConfiguration().set("mapreduce.fileoutputcommitter.algorithm.version", "1");
        spark.sparkContext().hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "true");
        embedded.write().mode(SaveMode.ErrorIfExists).parquet(a.output);
        Dataset<Row> written = spark.read().parquet(a.output);
        Summary s = new Summary();
        List<Row> counts = new ArrayList<>(written.groupBy(col("error").isNull().as("ok")).count().collectAsList());
        for (Row r : counts) {
            s.files += r.getLong(1);
            if (!r.getBoolean(0)) {
                s.errors += r.getLong(1);
            }
        }
        if (a.duplicates != null) {
            Dataset<Row> pairs = ImageDuplicates.builder().minSimilarity(a.threshold).build().find(written);
            pairs.write().mode(SaveMode.ErrorIfExists).parquet(a.duplicates);
            s.pairs = spark.read().parquet(a.duplicates).count();
        }
        return s;
    }
}
