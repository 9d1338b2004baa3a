package dev.imgsim.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

import dev.imgsim.elasticsearch.ElasticsearchImageIndex;
import dev.imgsim.elasticsearch.EmbeddedElasticsearch;
import dev.imgsim.elasticsearch.VectorIndexType;
import dev.imgsim.index.IndexOptions;
import dev.imgsim.index.VectorIndex;

/**
 * `gradle elasticsearchBench` (docs/SCALE.md): a real Elasticsearch 8.18 node in this JVM against
 * imgsim's embedded index on the vectors and queries of `openSearchBench` (the search benchmark's
 * Gaussian mixture): bulk-load rate, force-merge time, one-thread query latency p50/p99 and
 * recall@10 against the exact scan, for float HNSW, int8 HNSW and BBQ HNSW (the last two rescored
 * with the floats, oversample 3), num_candidates 100.
 *
 * <p>Options: {@code --vectors N} (default 100,000), {@code --queries N} (default 500),
 * {@code --quick} (10,000 vectors, 100 queries), {@code --types hnsw,int8_hnsw,bbq_hnsw}.
 */
public final class ElasticsearchBench {
    private static final int DIM = IndexBench.DIM;

    public static void main(String[] args) throws Exception {
        int n = 100_000;
        int nq = 500;
        List<VectorIndexType> types = new ArrayList<>(List.of(VectorIndexType.values()));
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
                case "--types":
                    types.clear();
                    for (String t : args[++i].split(",")) {
                        types.add(VectorIndexType.valueOf(t.trim().toUpperCase(Locale.ROOT)));
                    }
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

        Path dir = Paths.get("build/bench/elasticsearch-embedded-" + n);
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
            try (EmbeddedElasticsearch node = EmbeddedElasticsearch.start(Paths.get(System.getProperty("imgsim.test.nodeHome",
                    "build/bench/elasticsearch-node")))) {
                for (VectorIndexType type : types) {
                    String name = "bench-" + type.json().replace('_', '-');
                    try (ElasticsearchImageIndex es = ElasticsearchImageIndex.builder(node.url(), name).dimension(DIM)
                            .vectorIndexType(type).bulkSize(1000).requestTimeout(Duration.ofMinutes(30)).open()) {
                        long b0 = System.nanoTime();
                        long loaded = es.bulkLoad(index);
                        double bulkS = (System.nanoTime() - b0) / 1e9;
                        long m0 = System.nanoTime();
                        es.client().indices().forcemerge(f -> f.index(name).maxNumSegments(1L));
                        double mergeS = (System.nanoTime() - m0) / 1e9;
                        if (loaded != n || es.count() != n) {
                            throw new IllegalStateException("loaded " + loaded + ", counted " + es.count() + ", expected " + n);
                        }
                        System.out.printf(Locale.ROOT, "%s: bulk-loaded %,d vectors in %.1f s, merged in %.1f s%n", type, loaded,
                                bulkS, mergeS);
                        rows.add(BackendBench.timed("Elasticsearch 8.18 knn, " + type.json() + (type.quantised()
                                ? " (rescored x3)" : "") + ", num_candidates 100", q, truth, x -> es.search(x, 10),
                                String.format(Locale.ROOT, "bulk %.0f s (%.0f vectors/s, 1,000 per request) + force merge %.0f s",
                                        bulkS, n / bulkS, mergeS)));
                        es.deleteIndex();
                    }
                }
            }
        } finally {
            IndexBench.deleteTree(dir);
        }
        BackendBench.print(rows);
    }
}
