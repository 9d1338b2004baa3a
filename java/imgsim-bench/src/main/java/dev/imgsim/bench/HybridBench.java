package dev.imgsim.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import dev.imgsim.index.Fusion;
import dev.imgsim.index.Hit;
import dev.imgsim.index.SearchMode;
import dev.imgsim.index.TextIndex;
import dev.imgsim.text.TextEmbedder;

/** {@code gradle textBench -PbenchArgs="--only hybrid"}: TextIndex's search modes (docs/TEXT.md). */
final class HybridBench {
    private HybridBench() {}

    /**
     * The text index's search modes on the Debian set, through the public API: each synopsis
     * queries a TextIndex of the long descriptions; recall@1/@10 and MRR of its own package, and
     * the median latency of a query (embedding included, one thread).
     */
    static Map<String, Object> run(int n) throws Exception {
        List<String[]> pkgs = TextBench.spread(TextBench.debian(), n);
        List<String> ids = new ArrayList<>();
        List<String> docs = new ArrayList<>();
        for (String[] p : pkgs) {
            ids.add(p[0]);
            docs.add(p[2]);
        }
        System.out.printf(Locale.ROOT, "%nTextIndex search modes, Debian set: %d synopses query %d long descriptions%n",
                pkgs.size(), docs.size());
        Path dir = Files.createTempDirectory("imgsim-textbench-");
        Map<String, Object> out = new LinkedHashMap<>();
        try (TextEmbedder text = TextEmbedder.create();
             TextIndex idx = TextIndex.open(dir, text)) {
            long t0 = System.nanoTime();
            idx.addAll(ids, docs);
            idx.commit();
            System.out.printf(Locale.ROOT, "indexed in %.0f s (embedding + words)%n", (System.nanoTime() - t0) / 1e9);
            Map<String, BiFunction<String, Integer, List<Hit>>> modes = new LinkedHashMap<>();
            modes.put("dense", (q, k) -> idx.search(q, k, SearchMode.DENSE));
            modes.put("BM25 (EnglishAnalyzer)", (q, k) -> idx.search(q, k, SearchMode.BM25));
            for (int k0 : new int[] {10, 60}) {
                modes.put("hybrid RRF k=" + k0, (q, k) -> idx.search(q, k, Fusion.rrf(k0, 1, 1)));
            }
            for (double w : new double[] {0.3, 0.5, 0.7}) {
                modes.put("hybrid linear dense " + w, (q, k) -> idx.search(q, k, Fusion.linear(w)));
            }
            modes.put("hybrid default (" + TextIndex.DEFAULT_FUSION + ")", (q, k) -> idx.search(q, k));
            System.out.println("| mode | recall@1 | recall@10 | MRR | median ms/query |");
            System.out.println("|---|---|---|---|---|");
            for (Map.Entry<String, BiFunction<String, Integer, List<Hit>>> m : modes.entrySet()) {
                int[] ranks = new int[pkgs.size()];
                double[] ms = new double[pkgs.size()];
                for (int i = 0; i < pkgs.size(); i++) {
                    long s = System.nanoTime();
                    List<Hit> hits = m.getValue().apply(pkgs.get(i)[1], 100);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                    for (int r = 0; r < hits.size(); r++) {
                        if (hits.get(r).id().equals(ids.get(i))) {
                            ranks[i] = r + 1;
                            break;
                        }
                    }
                }
                out.put(m.getKey(), TextBench.row(m.getKey(), ranks, String.format(Locale.ROOT, "%.2f", Stats.median(ms))));
            }
        } finally {
            try (Stream<Path> w = Files.walk(dir)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return out;
    }

    /**
     * Query latency of each search mode at each corpus size, one thread, embedding included
     * ({@code --only latency}; docs/TEXT.md). The corpus is Debian's long descriptions (all of
     * them, about 60,000); past that, each description again with its sentences in reverse order
     * (a different text with the same words), until the size is reached. Queries: synopses of
     * packages in the corpus.
     */
    static Map<String, Object> latency(int[] sizes, int queries) throws Exception {
        List<String[]> all = TextBench.debian();
        Map<String, Object> out = new LinkedHashMap<>();
        for (int n : sizes) {
            List<String> ids = new ArrayList<>();
            List<String> docs = new ArrayList<>();
            for (String[] p : TextBench.spread(all, n)) {
                ids.add(p[0]);
                docs.add(p[2]);
            }
            for (int i = 0; ids.size() < n; i++) {
                String[] p = all.get(i % all.size());
                String[] sentences = p[2].split("(?<=[.!?])\\s+");
                java.util.Collections.reverse(java.util.Arrays.asList(sentences));
                ids.add(p[0] + "#" + (i / all.size() + 1));
                docs.add(String.join(" ", sentences));
            }
            List<String[]> asked = TextBench.spread(all.subList(0, Math.min(all.size(), n)), queries);
            Path dir = Files.createTempDirectory("imgsim-textlatency-");
            try {
                long t0 = System.nanoTime();
                try (TextEmbedder text = TextEmbedder.create(); TextIndex idx = TextIndex.open(dir, text)) {
                    idx.addAll(ids, docs);
                    idx.commit();
                    System.out.printf(Locale.ROOT, "%n%d documents (%d entries with windows) indexed in %.0f s%n", idx.size(),
                            idx.vectors().size(), (System.nanoTime() - t0) / 1e9);
                }
                try (TextEmbedder text = TextEmbedder.builder().intraOpThreads(1).sessionPoolSize(1).build();
                     TextIndex idx = TextIndex.open(dir, text)) {
                    Map<String, BiFunction<String, Integer, List<Hit>>> modes = new LinkedHashMap<>();
                    modes.put("embed the query only", (q, k) -> {
                        text.embedQuery(q);
                        return null;
                    });
                    modes.put("dense", (q, k) -> idx.search(q, k, SearchMode.DENSE));
                    modes.put("BM25", (q, k) -> idx.search(q, k, SearchMode.BM25));
                    modes.put("hybrid (default)", (q, k) -> idx.search(q, k));
                    System.out.println("| mode | k | median ms | p90 ms |");
                    System.out.println("|---|---|---|---|");
                    for (int k : new int[] {10, 100}) {
                        for (Map.Entry<String, BiFunction<String, Integer, List<Hit>>> m : modes.entrySet()) {
                            for (int w = 0; w < 20; w++) {
                                m.getValue().apply(asked.get(w % asked.size())[1], k); // warm-up
                            }
                            double[] ms = new double[asked.size()];
                            for (int i = 0; i < ms.length; i++) {
                                long s = System.nanoTime();
                                m.getValue().apply(asked.get(i)[1], k);
                                ms[i] = (System.nanoTime() - s) / 1e6;
                            }
                            double[] sorted = ms.clone();
                            java.util.Arrays.sort(sorted);
                            String row = String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f |", m.getKey(), k, Stats.median(ms),
                                    sorted[(int) (0.9 * (sorted.length - 1))]);
                            System.out.println(row);
                            out.put(n + " docs, " + m.getKey() + ", k=" + k, row);
                        }
                    }
                }
            } finally {
                try (Stream<Path> w = Files.walk(dir)) {
                    w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return out;
    }
}
