package dev.imgsim.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.IndexOptions;
import dev.imgsim.index.VectorIndex;
import dev.imgsim.opensearch.EmbeddedOpenSearch;
import dev.imgsim.opensearch.OpenSearchImageIndex;

/**
 * `gradle openSearchBench` (docs/SCALE.md): a real OpenSearch 2.19 node in this JVM (k-NN plugin,
 * Lucene HNSW, m 16, ef_construction 100) against imgsim's embedded index on the same vectors —
 * the search benchmark's Gaussian mixture (docs/SEARCH.md) — and the same queries: bulk-load
 * rate, force-merge time, one-thread query latency p50/p99 and recall@10 against the exact scan.
 *
 * <p>Options: {@code --vectors N} (default 100,000), {@code --queries N} (default 500),
 * {@code --quick} (10,000 vectors, 100 queries).
 */
public final class OpenSearchBench {
    private static final int DIM = IndexBench.DIM;

    public static void main(String[] args) throws Exception {
        int n = 100_000;
        int nq = 500;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick":
                    n = 10_000;
                    nq = 100;
                    break;
                case "--vectors":
                    n = Integer.parseInt(args[++i]);
                    break;
                case "--queries":
                    nq = Integer.parseInt(args[++i]);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        IndexBench.Mixture data = new IndexBench.Mixture(42, 1000);
        float[][] q = new float[nq][];
        for (int i = 0; i < nq; i++) {
            q[i] = data.vector(-1 - i);
        }
        System.out.printf(Locale.ROOT, "%,d vectors of %d dimensions (Gaussian mixture of the search benchmark), %d queries,"
                + " k = 10, %d cores%n", n, DIM, nq, IndexBench.CORES);

        // the embedded index: built as the search benchmark builds it, then the reference
        Path dir = Paths.get("build/bench/opensearch-embedded-" + n);
        IndexBench.deleteTree(dir);
        IndexOptions opts = IndexOptions.builder().mergeThreads(IndexBench.CORES).ramBufferMB(1024).build();
        long t0 = System.nanoTime();
        try (VectorIndex index = VectorIndex.open(dir, "synthetic-mixture-42", DIM, opts)) {
            IndexBench.inParallel(n, i -> index.add("v" + i, data.vector(i), Collections.emptyMap()));
            index.commit();
            index.optimize();
        }
        double embeddedBuild = (System.nanoTime() - t0) / 1e9;
        List<String[]> rows = new ArrayList<>();
        try (VectorIndex index = VectorIndex.openReadOnly(dir, "synthetic-mixture-42", DIM)) {
            List<List<String>> truth = IndexBench.exactTruth(index, q, rows, n);
            rows.add(BackendBench.timed("imgsim ImageIndex (embedded, in-process)", q, truth, x -> index.search(x, 10),
                    String.format(Locale.ROOT, "build %.0f s (%.0f vectors/s, add + merge)", embeddedBuild, n / embeddedBuild)));

            try (EmbeddedOpenSearch node = EmbeddedOpenSearch.start(Paths.get(System.getProperty("imgsim.test.nodeHome",
                    "build/bench/opensearch-node")));
                    OpenSearchImageIndex os = OpenSearchImageIndex.builder(node.url(), "bench").dimension(DIM).bulkSize(1000)
                            .requestTimeout(java.time.Duration.ofMinutes(30)).open()) {
                long b0 = System.nanoTime();
                long loaded = os.bulkLoad(index);
                double bulkS = (System.nanoTime() - b0) / 1e9;
                System.out.printf(Locale.ROOT, "bulk-loaded %,d vectors in %.1f s%n", loaded, bulkS);
                long m0 = System.nanoTime();
                os.client().indices().forcemerge(f -> f.index("bench").maxNumSegments(1L));
                double mergeS = (System.nanoTime() - m0) / 1e9;
                if (loaded != n || os.count() != n) {
                    throw new IllegalStateException("loaded " + loaded + ", counted " + os.count() + ", expected " + n);
                }
                rows.add(BackendBench.timed("OpenSearch 2.19 k-NN (HTTP, same JVM)", q, truth, x -> os.search(x, 10), String.format(Locale.ROOT,
                        "bulk %.0f s (%.0f vectors/s, 1,000 per request) + force merge %.0f s", bulkS, n / bulkS, mergeS)));
            }
        } finally {
            IndexBench.deleteTree(dir);
        }
        BackendBench.print(rows);
    }
}
