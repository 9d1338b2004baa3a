package dev.imgsim.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** What every benchmark here shares: medians and a parallel loop. */
public final class Stats {
    private Stats() {}

    /** The median (the mean of the two middle values for an even count); NaN for none. */
    public static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /** {@link #median(double[])} of a list. */
    public static double median(List<Double> xs) {
        return median(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** One step of {@link #inParallel}. */
    public interface Task {
        void run(int i) throws Exception;
    }

    /**
     * Runs {@code task} for 0..n-1 on {@code threads} threads, each taking the next index;
     * rethrows the first failure.
     */
    public static void inParallel(int n, int threads, Task task) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            Future<?>[] fs = new Future<?>[threads];
            for (int w = 0; w < threads; w++) {
                fs[w] = pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        task.run(i);
                    }
                    return null;
                });
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
