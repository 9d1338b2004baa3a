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
import dev.imgsim.index.Reranker;
import dev.imgsim.index.SearchMode;
import dev.imgsim.index.TextIndex;
import dev.imgsim.text.CrossEncoder;
import dev.imgsim.text.TextEmbedder;

/** {@code gradle textBench -PbenchArgs="--only hybrid"}: TextIndex's search modes (docs/TEXT.md). */
final class HybridBench {
    private HybridBench() {}

    /** {@code --embedder DIR}: the embedding model of the index (null: the bundled MiniLM). */
    static Path embedder;
    /** {@code --rerank DIR}: a cross-encoder; adds reranked rows on {@link #rerankQueries} queries. */
    static Path reranker;
    /** {@code --rerank-queries N}: queries the reranked rows are measured on (a spread subset). */
    static int rerankQueries = 300;
    /** Hits the cross-encoder reorders. */
    static final int RERANK_DEPTH = 20;

    static TextEmbedder openEmbedder() {
        return embedder == null ? TextEmbedder.create() : TextEmbedder.create(embedder);
    }

    /**
     * The text index's search modes on the Debian set, through the public API: each synopsis
     * queries a TextIndex of the long descriptions; recall@1/@10 and MRR of its own package, and
     * the median latency of a query (embedding included, one thread).
     */
    static Map<String, Object> run(int n, boolean harder) throws Exception {
        List<String[]> pkgs = TextBench.spread(TextBench.debian(), n);
        String title = String.format(Locale.ROOT, "Debian set%s: %%d synopses query %d long descriptions",
                harder ? ", each query without its package's name and its 2 rarest words shared with its description" : "", pkgs.size());
        return run(title, pkgs, harder ? withoutRarestSharedWords(pkgs) : pkgs);
    }

    /**
     * Parable to moral (OpenAI evals' parable-to-moral-match, English; fetch-text-data.sh): each
     * moral queries the stories; right when its own story ranks first. A task of meaning: a moral
     * shares about a quarter of its content words with its story.
     */
    static Map<String, Object> parables() throws Exception {
        Path tsv = TextBench.ROOT.resolve(".cache/text/parables.tsv");
        if (!Files.exists(tsv)) {
            throw new IllegalStateException(tsv + " is missing: run java/imgsim-bench/fetch-text-data.sh");
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(tsv)) {
            String[] f = line.split("\t", -1);
            rows.add(new String[] {f[0], f[1], f[2]});
        }
        return run("parables: %d morals query " + rows.size() + " stories", rows, rows);
    }

    /** {@code docs}: {id, -, document}; {@code queries}: {id of its document, query, -}. */
    private static Map<String, Object> run(String title, List<String[]> docRows, List<String[]> pkgs) throws Exception {
        List<String> ids = new ArrayList<>();
        List<String> docs = new ArrayList<>();
        for (String[] p : docRows) {
            ids.add(p[0]);
            docs.add(p[2]);
        }
        System.out.printf(Locale.ROOT, "%nTextIndex search modes, " + title + "%n", pkgs.size());
        Path dir = Files.createTempDirectory("imgsim-textbench-");
        Map<String, Object> out = new LinkedHashMap<>();
        try (TextEmbedder text = openEmbedder();
             TextIndex idx = TextIndex.open(dir, text)) {
            System.out.println("embedder: " + text);
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
            // the fusion depth at k=10: how deep each method must be read for the first 10 to settle
            for (int d : new int[] {10, 20, 30, 50, 100}) {
                modes.put("hybrid default at k=10, depth " + d, (q, k) -> idx.search(q, 10, TextIndex.DEFAULT_FUSION.depth(d)));
            }
            modes.put("hybrid default at k=10 (depth " + TextIndex.DEFAULT_FUSION.depthFor(10) + ")", (q, k) -> idx.search(q, 10));
            System.out.println("| mode | recall@1 | recall@10 | MRR | nDCG@10 | median ms/query |");
            System.out.println("|---|---|---|---|---|---|");
            for (Map.Entry<String, BiFunction<String, Integer, List<Hit>>> m : modes.entrySet()) {
                int[] ranks = new int[pkgs.size()];
                double[] ms = new double[pkgs.size()];
                for (int i = 0; i < pkgs.size(); i++) {
                    long s = System.nanoTime();
                    List<Hit> hits = m.getValue().apply(pkgs.get(i)[1], 100);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                    for (int r = 0; r < hits.size(); r++) {
                        if (hits.get(r).id().equals(pkgs.get(i)[0])) {
                            ranks[i] = r + 1;
                            break;
                        }
                    }
                }
                out.put(m.getKey(), TextBench.row(m.getKey(), ranks, String.format(Locale.ROOT, "%.2f", Stats.median(ms))));
            }
            if (reranker != null) {
                reranked(idx, ids, docs, pkgs, out);
            }
        } finally {
            try (Stream<Path> w = Files.walk(dir)) {
                w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return out;
    }

    /**
     * Reranked rows: on a spread subset of the queries, the default hybrid search and BM25 alone,
     * each as it is and with its best {@link #RERANK_DEPTH} hits reordered by the cross-encoder
     * reading the query and each hit's matched window; the median time of the reranking alone.
     */
    private static void reranked(TextIndex idx, List<String> ids, List<String> docs, List<String[]> pkgs, Map<String, Object> out) {
        Map<String, String> docOf = new java.util.HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            docOf.put(ids.get(i), docs.get(i));
        }
        List<String[]> asked = TextBench.spread(pkgs, Math.min(rerankQueries, pkgs.size()));
        System.out.printf(Locale.ROOT, "%nreranking the best %d with %s, on %d of the queries (%d cores)%n", RERANK_DEPTH, reranker,
                asked.size(), Runtime.getRuntime().availableProcessors());
        try (CrossEncoder ce = CrossEncoder.create(reranker)) {
            Reranker r = ce::score;
            java.util.function.Function<Hit, String> window = h -> {
                String d = docOf.get(h.id());
                String a = h.fields().get(TextIndex.CHUNK_START);
                String b = h.fields().get(TextIndex.CHUNK_END);
                return a == null || b == null ? d : d.substring(Integer.parseInt(a), Integer.parseInt(b));
            };
            Map<String, BiFunction<String, Integer, List<Hit>>> firsts = new LinkedHashMap<>();
            firsts.put("hybrid default", (q, k) -> idx.search(q, k));
            firsts.put("BM25", (q, k) -> idx.search(q, k, SearchMode.BM25));
            System.out.println("| mode | recall@1 | recall@10 | MRR | nDCG@10 | median ms/query (reranking alone) |");
            System.out.println("|---|---|---|---|---|---|");
            for (Map.Entry<String, BiFunction<String, Integer, List<Hit>>> f : firsts.entrySet()) {
                int[] plain = new int[asked.size()];
                int[] again = new int[asked.size()];
                double[] ms = new double[asked.size()];
                for (int i = 0; i < asked.size(); i++) {
                    String q = asked.get(i)[1];
                    List<Hit> hits = f.getValue().apply(q, 100);
                    int cut = Math.min(RERANK_DEPTH, hits.size());
                    long s = System.nanoTime();
                    List<Hit> top = r.rerank(q, hits.subList(0, cut), window);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                    List<Hit> re = new ArrayList<>(top);
                    re.addAll(hits.subList(cut, hits.size()));
                    plain[i] = rankOf(hits, asked.get(i)[0]);
                    again[i] = rankOf(re, asked.get(i)[0]);
                }
                String name = f.getKey() + ", " + asked.size() + " queries";
                out.put(name, TextBench.row(name, plain, "-"));
                out.put(name + ", reranked top " + RERANK_DEPTH, TextBench.row(name + ", reranked top " + RERANK_DEPTH, again,
                        String.format(Locale.ROOT, "%.1f", Stats.median(ms))));
            }
        }
    }

    /**
     * {@code --only models}: the fetched models (fetch-text-models.sh) through the library against
     * what plain onnxruntime + tokenizers compute in Python ({@code python/check_fetched_models.py}):
     * the largest difference of a reranker score, the smallest cosine of a bge-small embedding, and
     * the time of one pair and one query on one thread.
     */
    static Map<String, Object> checkModels() throws Exception {
        Path models = TextBench.ROOT.resolve(".cache/models");
        Path ref = models.resolve("python_reference.json");
        if (!Files.exists(ref)) {
            throw new IllegalStateException(ref + " is missing: run java/imgsim-bench/fetch-text-models.sh, then python python/check_fetched_models.py");
        }
        com.google.gson.JsonObject g = com.google.gson.JsonParser.parseString(Files.readString(ref)).getAsJsonObject();
        List<String> queries = new ArrayList<>();
        g.getAsJsonArray("queries").forEach(e -> queries.add(e.getAsString()));
        List<String> texts = new ArrayList<>();
        g.getAsJsonArray("texts").forEach(e -> texts.add(e.getAsString()));
        Map<String, Object> out = new LinkedHashMap<>();
        try (CrossEncoder ce = CrossEncoder.builder().model(models.resolve("ms-marco-MiniLM-L-12-v2-int8")).build()) {
            double worst = 0;
            for (int q = 0; q < queries.size(); q++) {
                double[] s = ce.score(queries.get(q), texts);
                for (int t = 0; t < s.length; t++) {
                    double want = g.getAsJsonArray("rerank").get(q).getAsJsonArray().get(t).getAsDouble();
                    worst = Math.max(worst, Math.abs(s[t] - want));
                }
            }
            System.out.printf(Locale.ROOT, "%nms-marco-MiniLM-L-12-v2 INT8 (%s): largest score difference to Python onnxruntime %.2e over %d pairs%n",
                    ce, worst, queries.size() * texts.size());
            out.put("reranker max |score - python|", worst);
        }
        try (CrossEncoder ce = CrossEncoder.builder().model(models.resolve("ms-marco-MiniLM-L-12-v2-int8")).intraOpThreads(1)
                .sessionPoolSize(1).build()) {
            String doc = String.join(" ", java.util.Collections.nCopies(8, "Resize, crop and convert images from the command line."));
            List<String> one = List.of(doc);
            for (int w = 0; w < 5; w++) {
                ce.score("how do I resize a photo", one);
            }
            double[] ms = new double[30];
            for (int i = 0; i < ms.length; i++) {
                long s = System.nanoTime();
                ce.score("how do I resize a photo", one);
                ms[i] = (System.nanoTime() - s) / 1e6;
            }
            System.out.printf(Locale.ROOT, "one pair of %d tokens, one thread: median %.1f ms%n", ce.tokenCount("how do I resize a photo", doc),
                    Stats.median(ms));
            out.put("reranker ms per pair (one thread)", Stats.median(ms));
        }
        try (TextEmbedder bge = TextEmbedder.create(models.resolve("bge-small-en-v1.5-int8"))) {
            double worst = 1;
            float[][] d = bge.embedDocuments(texts);
            for (int i = 0; i < d.length; i++) {
                worst = Math.min(worst, dev.imgsim.Vectors.cosine(d[i], floats(g.getAsJsonArray("bge_documents").get(i).getAsJsonArray())));
            }
            for (int i = 0; i < queries.size(); i++) {
                worst = Math.min(worst, dev.imgsim.Vectors.cosine(bge.embedQuery(queries.get(i)),
                        floats(g.getAsJsonArray("bge_queries").get(i).getAsJsonArray())));
            }
            System.out.printf(Locale.ROOT, "bge-small-en-v1.5 INT8 (%s, pooling %s, query prefix \"%s\"): smallest cosine to Python onnxruntime %.6f over %d texts%n",
                    bge, bge.pooling(), bge.queryPrefix(), worst, texts.size() + queries.size());
            out.put("bge-small min cosine to python", worst);
        }
        return out;
    }

    private static float[] floats(com.google.gson.JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    private static int rankOf(List<Hit> hits, String id) {
        for (int r = 0; r < hits.size(); r++) {
            if (hits.get(r).id().equals(id)) {
                return r + 1;
            }
        }
        return 0;
    }

    /**
     * The harder task: meaning has to carry more than shared words. Each synopsis loses the
     * package's name and the two words it shares with its own description that are rarest in
     * the corpus (document frequency over all descriptions), the words BM25 leans on; queries left
     * with fewer than two words are dropped. Returns {name, query, description} rows.
     */
    static List<String[]> withoutRarestSharedWords(List<String[]> pkgs) {
        java.util.Map<String, Integer> df = new java.util.HashMap<>();
        for (String[] p : pkgs) {
            for (String w : new java.util.HashSet<>(words(p[2]))) {
                df.merge(w, 1, Integer::sum);
            }
        }
        List<String[]> out = new ArrayList<>();
        for (String[] p : pkgs) {
            java.util.Set<String> inDoc = new java.util.HashSet<>(words(p[2]));
            List<String> shared = new ArrayList<>();
            for (String w : new java.util.LinkedHashSet<>(words(p[1]))) {
                if (inDoc.contains(w)) {
                    shared.add(w);
                }
            }
            shared.sort(Comparator.comparingInt((String w) -> df.getOrDefault(w, 0)).thenComparing(w -> w));
            java.util.Set<String> drop = new java.util.HashSet<>(shared.subList(0, Math.min(2, shared.size())));
            drop.addAll(words(p[0]));
            List<String> kept = new ArrayList<>();
            for (String w : p[1].split("\\s+")) {
                List<String> ws = words(w);
                if (!ws.isEmpty() && ws.stream().noneMatch(drop::contains)) {
                    kept.add(w);
                }
            }
            if (kept.size() >= 2) {
                out.add(new String[] {p[0], String.join(" ", kept), p[2]});
            }
        }
        return out;
    }

    private static List<String> words(String s) {
        List<String> out = new ArrayList<>();
        for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) {
                out.add(w);
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
    /** {@code --keep-index DIR}: latency's indexes are kept under DIR and reused by later runs. */
    static Path keepIndex;

    static Map<String, Object> latency(int[] sizes, int queries) throws Exception {
        List<String[]> all = TextBench.debian();
        Map<String, Object> out = new LinkedHashMap<>();
        for (int n : sizes) {
            List<String[]> asked = TextBench.spread(all.subList(0, Math.min(all.size(), n)), queries);
            Path dir = keepIndex == null ? Files.createTempDirectory("imgsim-textlatency-") : keepIndex.resolve("latency-" + n);
            try {
                Path done = dir.resolve("imgsim-bench-complete");
                if (Files.exists(done)) {
                    System.out.printf(Locale.ROOT, "%nreusing %s%n", dir);
                } else {
                    build(dir, all, n);
                    Files.writeString(done, "built\n");
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
                    modes.put("hybrid, fusion depth 100 (before session 9)", (q, k) -> idx.search(q, k, TextIndex.DEFAULT_FUSION.depth(100)));
                    modes.put("hybrid (default: " + TextIndex.DEFAULT_FUSION + ")", (q, k) -> idx.search(q, k));
                    measure(n + " docs, " + segments(dir) + " segments", modes, asked, out);
                    if (segments(dir) > 1) {
                        long t0 = System.nanoTime();
                        idx.optimize();
                        System.out.printf(Locale.ROOT, "%noptimize() to one segment in %.0f s%n", (System.nanoTime() - t0) / 1e9);
                        measure(n + " docs, optimized, " + segments(dir) + " segment", modes, asked, out);
                    }
                }
            } finally {
                if (keepIndex == null) {
                    try (Stream<Path> w = Files.walk(dir)) {
                        w.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
        return out;
    }

    /**
     * {@code n} documents: Debian's long descriptions (spread), then each again with its sentences in
     * reverse order until there are {@code n}; indexed with the default embedder (both cores).
     */
    private static void build(Path dir, List<String[]> all, int n) throws Exception {
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
        long t0 = System.nanoTime();
        try (TextEmbedder text = TextEmbedder.create(); TextIndex idx = TextIndex.open(dir, text)) {
            idx.addAll(ids, docs);
            idx.commit();
            System.out.printf(Locale.ROOT, "%n%d documents (%d entries with windows) indexed in %.0f s%n", idx.size(),
                    idx.vectors().size(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Segments of the index at {@code dir} as committed. */
    private static int segments(Path dir) throws java.io.IOException {
        try (org.apache.lucene.store.FSDirectory d = org.apache.lucene.store.FSDirectory.open(dir)) {
            return org.apache.lucene.index.SegmentInfos.readLatestCommit(d).size();
        }
    }

    /** Median and p90 ms per query of each mode at k=10 and k=100, one thread, after 20 warm-up queries. */
    private static void measure(String label, Map<String, BiFunction<String, Integer, List<Hit>>> modes, List<String[]> asked,
            Map<String, Object> out) {
        System.out.printf(Locale.ROOT, "%n%s, %d queries, one thread%n", label, asked.size());
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
                out.put(label + ", " + m.getKey() + ", k=" + k, row);
            }
        }
    }
}
