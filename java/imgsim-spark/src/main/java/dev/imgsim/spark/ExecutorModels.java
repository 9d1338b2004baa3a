package dev.imgsim.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.apache.spark.SparkFiles;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.ModelLoadException;

/**
 * The models of this JVM (an executor, or the driver in local mode), opened on first use and
 * shared by every task: the native library and a model are loaded once per executor, never
 * serialised into a closure. They stay open until the JVM exits.
 */
final class ExecutorModels {
    private static final ConcurrentMap<String, ImageSimilarity> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {
    }

    static ImageSimilarity get(String model, int threads, long maxPixels) {
        String key = model + '\u0000' + threads + '\u0000' + maxPixels;
        return MODELS.computeIfAbsent(key, k -> open(model, threads, maxPixels));
    }

    private static ImageSimilarity open(String model, int threads, long maxPixels) {
        ImageSimilarity.Builder b = ImageSimilarity.builder().intraOpThreads(threads);
        if (model != null) {
            b.model(resolve(model));
        }
        if (maxPixels > 0) {
            b.maxPixels(maxPixels);
        }
        return b.build();
    }

    /** A path on this machine, else a file shipped with {@code --files}. */
    static Path resolve(String model) {
        Path p = Paths.get(model);
        if (Files.isRegularFile(p)) {
            return p;
        }
        try {
            Path shipped = Paths.get(SparkFiles.get(p.getFileName().toString()));
            if (Files.isRegularFile(shipped)) {
                return shipped;
            }
        } catch (RuntimeException e) {
            // no SparkContext/SparkEnv here: only the plain path counts
        }
        throw new ModelLoadException("model file " + model + " does not exist on this executor, nor was it shipped"
                + " with spark-submit --files; give a path every executor can read");
    }
}
