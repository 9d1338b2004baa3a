package dev.imgsim.bench;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import dev.imgsim.index.Hit;

/** What the search-backend benchmarks (OpenSearch, Elasticsearch) share: timing and the table. */
final class BackendBench {
    private BackendBench() {
    }

    /** Every query once to warm up, then each timed: a table row with recall@10, p50 and p99. */
    static String[] timed(String name, float[][] q, List<List<String>> truth,
            Function<float[], List<Hit>> search, String load) {
        for (float[] x : q) {
            search.apply(x);
        }
        double[] s = new double[q.length];
        double recall = 0;
        for (int i = 0; i < q.length; i++) {
            long s0 = System.nanoTime();
            List<Hit> hits = search.apply(q[i]);
            s[i] = (System.nanoTime() - s0) / 1e6;
            recall += IndexBench.recall(truth.get(i), hits);
        }
        recall /= q.length;
        Arrays.sort(s);
        return new String[] {name, IndexBench.f3(recall), IndexBench.f2(s[s.length / 2]), IndexBench.f2(s[(int) (s.length * 0.99)]), load};
    }

    /** Prints the rows as one Markdown table. */
    static void print(List<String[]> rows) {
        System.out.println("| engine | recall@10 | p50 ms/query (1 thread) | p99 ms | load |");
        System.out.println("|---|---|---|---|---|");
        for (String[] r : rows) {
            System.out.println("| " + r[0] + " | " + r[1] + " | " + r[2] + " | " + r[3] + " | " + (r.length > 4 ? r[4] : "") + " |");
        }
    }
}
