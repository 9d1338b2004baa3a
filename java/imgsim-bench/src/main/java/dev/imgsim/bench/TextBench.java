package dev.imgsim.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.IntStream;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.imgsim.Vectors;
import dev.imgsim.text.TextEmbedder;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * The text benchmark (docs/TEXT.md): quality of the text model (Debian package search: a package's
 * synopsis finds its long description among N; the Lee document-similarity ratings) for imgsim's
 * FP32 and INT8 models against Lucene's BM25, and speed against LangChain4j's in-process MiniLM
 * (INT8 and FP32) and the floor (ONNX Runtime on token tensors prepared in advance), in one JVM.
 * {@code --quick}: 2,000 packages and fewer timed calls; {@code --model FILE}: another INT8 model (with
 * {@code tokenizer.json} beside it) for the speed parts; {@code --only quality|speed|separate|hybrid|parables|latency}
 * ({@code separate}: the short-text speed parts with each contender in a JVM of its own, so that no
 * other contender's ONNX Runtime pool shares the process; {@code latency}: query latency per search mode at
 * {@code --sizes 10000,100000} documents over {@code --queries 500} (before and after {@code optimize()};
 * {@code --keep-index DIR} keeps the indexes and reuses them); {@code models}: the fetched
 * models through the library against plain onnxruntime in Python); {@code --docs N};
 * {@code --embedder DIR}: the index's embedding model for {@code hybrid}/{@code parables} (a
 * sentence-transformers folder, e.g. {@code .cache/models/bge-small-en-v1.5-int8});
 * {@code --rerank DIR}: adds rows reranked by that cross-encoder on {@code --rerank-queries 300}.
 * Data: {@code java/imgsim-bench/fetch-text-data.sh}; models: {@code fetch-text-models.sh}.
 */
public final class TextBench {
    static final Path ROOT = Paths.get("").toAbsolutePath();
    static final Path FP32 = ROOT.resolve("models/text/minilm-l6-v2.onnx");
    static final Path INT8 = ROOT.resolve("models/text/minilm-l6-v2-int8.onnx");
    /** The INT8 model the speed parts run (imgsim and the floor): the bundled one, or {@code --model FILE}. */
    static Path speedModel = INT8;
    static final Path TOKENIZER = ROOT.resolve("models/text/tokenizer.json");
    static final String TRANSLATIONS = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en.lz4";

    final boolean quick;
    final Map<String, Object> results = new LinkedHashMap<>();

    TextBench(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        TextBench b = new TextBench(a.contains("--quick"));
        int only = a.indexOf("--only");
        String part = only >= 0 ? a.get(only + 1) : "all";
        int docs = a.indexOf("--docs") >= 0 ? Integer.parseInt(a.get(a.indexOf("--docs") + 1)) : b.quick ? 2000 : 10000;
        System.out.printf(Locale.ROOT, "text benchmark: %s, %d cores, Java %s%n", Bench.cpuName(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        if (a.contains("--model")) {
            speedModel = Paths.get(a.get(a.indexOf("--model") + 1)).toAbsolutePath();
        }
        if (a.contains("--embedder")) {
            HybridBench.embedder = Paths.get(a.get(a.indexOf("--embedder") + 1)).toAbsolutePath();
        }
        if (a.contains("--rerank")) {
            HybridBench.reranker = Paths.get(a.get(a.indexOf("--rerank") + 1)).toAbsolutePath();
        }
        if (a.contains("--keep-index")) {
            HybridBench.keepIndex = Paths.get(a.get(a.indexOf("--keep-index") + 1)).toAbsolutePath();
        }
        if (a.contains("--rerank-queries")) {
            HybridBench.rerankQueries = Integer.parseInt(a.get(a.indexOf("--rerank-queries") + 1));
        }
        int child = a.indexOf("--contender");
        if (child >= 0) {
            b.speedChild(a.get(child + 1));
            System.out.flush();
            System.exit(0); // LangChain4j's executor threads would keep the JVM alive
        }
        if (part.equals("all") || part.equals("quality")) {
            b.quality(docs);
        }
        if (part.equals("all") || part.equals("hybrid")) {
            b.results.put("TextIndex modes, debian " + docs, HybridBench.run(docs, false));
            b.results.put("TextIndex modes, debian " + docs + ", queries without their rarest shared words",
                    HybridBench.run(docs, true));
            b.results.put("TextIndex modes, parables", HybridBench.parables());
        }
        if (part.equals("models")) {
            b.results.put("fetched models against Python", HybridBench.checkModels());
        } else if (part.equals("parables")) {
            b.results.put("TextIndex modes, parables", HybridBench.parables());
        } else if (part.equals("latency")) {
            // --sizes 10000,100000 --queries 500
            int[] sizes = Arrays.stream((a.indexOf("--sizes") >= 0 ? a.get(a.indexOf("--sizes") + 1) : "10000,100000").split(","))
                    .mapToInt(Integer::parseInt).toArray();
            int queries = a.indexOf("--queries") >= 0 ? Integer.parseInt(a.get(a.indexOf("--queries") + 1)) : 500;
            b.results.put("TextIndex latency", HybridBench.latency(sizes, queries));
        } else if (part.equals("hybrid") || part.equals("models")) {
            // quality of the text index's search modes only
        } else if (part.equals("separate")) {
            b.speedSeparate();
        } else if (!part.equals("quality")) {
            b.speed();
        }
        Path json = Paths.get("build/bench/text-results.json");
        Files.createDirectories(json.getParent());
        Files.write(json, Bench.toJson(b.results).getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + json);
    }

    // ---------------------------------------------------------------- data

    /** (package, synopsis, long description), sorted by package name. */
    static List<String[]> debian() throws IOException, InterruptedException {
        if (!Files.exists(Paths.get(TRANSLATIONS))) {
            throw new IllegalStateException(TRANSLATIONS + " is missing: run java/imgsim-bench/fetch-text-data.sh");
        }
        Process p = new ProcessBuilder("/usr/lib/apt/apt-helper", "cat-file", TRANSLATIONS).start();
        Map<String, String[]> byName = new TreeMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String name = null;
            String synopsis = null;
            StringBuilder body = new StringBuilder();
            for (String line; (line = r.readLine()) != null;) {
                if (line.startsWith("Package: ")) {
                    name = line.substring(9).trim();
                } else if (line.startsWith("Description-en: ")) {
                    synopsis = line.substring(16).trim();
                    body.setLength(0);
                } else if (line.startsWith(" ") && synopsis != null) {
                    String t = line.trim();
                    if (!t.equals(".")) {
                        body.append(body.length() == 0 ? "" : " ").append(t);
                    }
                } else if (line.isEmpty() && name != null && synopsis != null) {
                    if (body.toString().split("\\s+").length >= 8 && !byName.containsKey(name)) {
                        byName.put(name, new String[] {name, synopsis, body.toString()});
                    }
                    name = null;
                    synopsis = null;
                }
            }
        }
        p.waitFor();
        return new ArrayList<>(byName.values());
    }

    /** Every k-th package so that n of them span the alphabet (varied kinds of package). */
    static List<String[]> spread(List<String[]> all, int n) {
        List<String[]> out = new ArrayList<>();
        double step = all.size() / (double) Math.min(n, all.size());
        for (int i = 0; i < Math.min(n, all.size()); i++) {
            out.add(all.get((int) (i * step)));
        }
        return out;
    }

    // ---------------------------------------------------------------- quality

    void quality(int n) throws Exception {
        List<String[]> pkgs = spread(debian(), n);
        List<String> queries = new ArrayList<>();
        List<String> docs = new ArrayList<>();
        for (String[] p : pkgs) {
            queries.add(p[1]);
            docs.add(p[2]);
        }
        System.out.printf(Locale.ROOT, "%nDebian package search: %d synopses as queries, their %d long descriptions as the corpus%n",
                queries.size(), docs.size());
        Map<String, Function<List<String>, float[][]>> models = new LinkedHashMap<>();
        TextEmbedder int8 = TextEmbedder.create();
        TextEmbedder fp32 = Files.exists(FP32) ? TextEmbedder.create(FP32) : null;
        if (fp32 != null) {
            models.put("imgsim FP32", fp32::embedAll);
        } else {
            System.out.println("(no " + FP32 + ": run python/text_model.py export for the FP32 row)");
        }
        models.put("imgsim INT8 (bundled)", int8::embedAll);
        System.out.println("| model | recall@1 | recall@10 | MRR | nDCG@10 | embedding time |");
        System.out.println("|---|---|---|---|---|---|");
        Map<String, Object> debian = new LinkedHashMap<>();
        for (Map.Entry<String, Function<List<String>, float[][]>> m : models.entrySet()) {
            long t0 = System.nanoTime();
            float[][] d = m.getValue().apply(docs);
            float[][] q = m.getValue().apply(queries);
            double secs = (System.nanoTime() - t0) / 1e9;
            int[] ranks = IntStream.range(0, q.length).parallel().map(i -> rank(q[i], d, i)).toArray();
            debian.put(m.getKey(), row(m.getKey(), ranks, String.format(Locale.ROOT, "%.0f s", secs)));
        }
        long t0 = System.nanoTime();
        int[] bm25 = bm25Ranks(queries, docs);
        debian.put("BM25 (Lucene)", row("BM25 (Lucene, StandardAnalyzer)", bm25, String.format(Locale.ROOT, "%.0f s (index + search)",
                (System.nanoTime() - t0) / 1e9)));
        results.put("debian search, " + queries.size() + " packages", debian);
        lee(int8, fp32);
        int8.close();
        if (fp32 != null) {
            fp32.close();
        }
    }

    static int rank(float[] q, float[][] docs, int target) {
        double t = Vectors.dot(q, docs[target]);
        int better = 0;
        for (int j = 0; j < docs.length; j++) {
            if (j != target && Vectors.dot(q, docs[j]) > t) {
                better++;
            }
        }
        return better + 1;
    }

    static Map<String, Object> row(String name, int[] ranks, String time) {
        double r1 = 0;
        double r10 = 0;
        double mrr = 0;
        double ndcg = 0;
        for (int r : ranks) {
            r1 += r == 1 ? 1 : 0;
            r10 += r >= 1 && r <= 10 ? 1 : 0; // 0: not found in the list searched
            mrr += r > 0 ? 1.0 / r : 0;
            ndcg += r >= 1 && r <= 10 ? 1 / (Math.log(r + 1) / Math.log(2)) : 0; // one relevant document per query
        }
        int n = ranks.length;
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %s |%n", name, r1 / n, r10 / n, mrr / n, ndcg / n, time);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recall@1", r1 / n);
        m.put("recall@10", r10 / n);
        m.put("mrr", mrr / n);
        m.put("ndcg@10", ndcg / n);
        return m;
    }

    /** Rank of each query's own document under BM25 (0 when not in the top 1,000). */
    static int[] bm25Ranks(List<String> queries, List<String> docs) throws IOException {
        Analyzer analyzer = new StandardAnalyzer();
        try (ByteBuffersDirectory dir = bm25Index(analyzer, docs); DirectoryReader r = DirectoryReader.open(dir)) {
            {
                IndexSearcher s = new IndexSearcher(r);
                s.setSimilarity(new BM25Similarity());
                int[] ranks = new int[queries.size()];
                for (int qi = 0; qi < queries.size(); qi++) {
                    BooleanQuery.Builder b = new BooleanQuery.Builder();
                    for (String t : terms(analyzer, queries.get(qi))) {
                        b.add(new TermQuery(new Term("body", t)), BooleanClause.Occur.SHOULD);
                    }
                    ScoreDoc[] hits = s.search(b.build(), 1000).scoreDocs;
                    for (int k = 0; k < hits.length; k++) {
                        if (s.storedFields().document(hits[k].doc).getField("i").numericValue().intValue() == qi) {
                            ranks[qi] = k + 1;
                            break;
                        }
                    }
                }
                return ranks;
            }
        }
    }

    /** An in-memory BM25 index of the documents, each with its position as stored field "i". */
    static ByteBuffersDirectory bm25Index(Analyzer analyzer, List<String> docs) throws IOException {
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        try (IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer).setSimilarity(new BM25Similarity()))) {
            for (int i = 0; i < docs.size(); i++) {
                Document d = new Document();
                d.add(new StoredField("i", i));
                d.add(new TextField("body", docs.get(i), Field.Store.NO));
                w.addDocument(d);
            }
        }
        return dir;
    }

    static List<String> terms(Analyzer a, String text) throws IOException {
        List<String> out = new ArrayList<>();
        try (TokenStream ts = a.tokenStream("body", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                out.add(term.toString());
            }
            ts.end();
        }
        return out;
    }

    /** Pearson and Spearman correlation of model similarities with the Lee human ratings. */
    void lee(TextEmbedder int8, TextEmbedder fp32) throws IOException {
        Path dir = ROOT.resolve(".cache/text/lee");
        if (!Files.exists(dir.resolve("similarities0-1.txt"))) {
            System.out.println("(no Lee data: run java/imgsim-bench/fetch-text-data.sh)");
            return;
        }
        List<String> docs = Files.readAllLines(dir.resolve("lee.cor"), StandardCharsets.ISO_8859_1);
        List<String> rows = Files.readAllLines(dir.resolve("similarities0-1.txt"), StandardCharsets.UTF_8);
        int n = docs.size();
        List<Double> human = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] f = rows.get(i).trim().split("\\s+");
            for (int j = i + 1; j < n; j++) {
                human.add(Double.parseDouble(f[j]));
            }
        }
        System.out.printf(Locale.ROOT, "%nLee document similarity: %d documents, %d human-rated pairs%n", n, human.size());
        System.out.println("| model | Pearson | Spearman |");
        System.out.println("|---|---|---|");
        Map<String, Object> lee = new LinkedHashMap<>();
        Map<String, double[]> sims = new LinkedHashMap<>();
        if (fp32 != null) {
            sims.put("imgsim FP32", pairs(fp32.embedAll(docs)));
        }
        sims.put("imgsim INT8 (bundled)", pairs(int8.embedAll(docs)));
        sims.put("BM25 (Lucene), symmetrised", bm25Pairs(docs));
        double[] h = human.stream().mapToDouble(Double::doubleValue).toArray();
        for (Map.Entry<String, double[]> e : sims.entrySet()) {
            double p = pearson(e.getValue(), h);
            double s = pearson(ranks(e.getValue()), ranks(h));
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f |%n", e.getKey(), p, s);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pearson", p);
            m.put("spearman", s);
            lee.put(e.getKey(), m);
        }
        results.put("lee", lee);
    }

    static double[] pairs(float[][] e) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < e.length; i++) {
            for (int j = i + 1; j < e.length; j++) {
                out.add(Vectors.dot(e[i], e[j]));
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** BM25 score of document j for document i as the query, averaged with the reverse. */
    static double[] bm25Pairs(List<String> docs) throws IOException {
        int n = docs.size();
        double[][] s = new double[n][n];
        Analyzer analyzer = new StandardAnalyzer();
        try (ByteBuffersDirectory dir = bm25Index(analyzer, docs); DirectoryReader r = DirectoryReader.open(dir)) {
            {
                IndexSearcher searcher = new IndexSearcher(r);
                searcher.setSimilarity(new BM25Similarity());
                IndexSearcher.setMaxClauseCount(100_000);
                for (int i = 0; i < n; i++) {
                    BooleanQuery.Builder b = new BooleanQuery.Builder();
                    for (String t : terms(analyzer, docs.get(i))) {
                        b.add(new TermQuery(new Term("body", t)), BooleanClause.Occur.SHOULD);
                    }
                    for (ScoreDoc hit : searcher.search(b.build(), n).scoreDocs) {
                        s[i][searcher.storedFields().document(hit.doc).getField("i").numericValue().intValue()] = hit.score;
                    }
                }
            }
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                out.add((s[i][j] + s[j][i]) / 2);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0);
        double mb = Arrays.stream(b).average().orElse(0);
        double num = 0;
        double da = 0;
        double db = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - ma) * (b[i] - mb);
            da += (a[i] - ma) * (a[i] - ma);
            db += (b[i] - mb) * (b[i] - mb);
        }
        return num / Math.sqrt(da * db);
    }

    /** Ranks with ties averaged (for Spearman). */
    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < idx.length;) {
            int j = i;
            while (j + 1 < idx.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[idx[k]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
    }

    // ---------------------------------------------------------------- speed

    interface Embed {
        void run(String text) throws Exception;
    }

    interface EmbedAll {
        void run(List<String> texts) throws Exception;
    }

    List<String> shortTexts(List<String[]> pkgs) {
        int nShort = quick ? 300 : 1000;
        List<String> shorts = new ArrayList<>();
        for (int i = 0; i < nShort; i++) {
            shorts.add(pkgs.get(i * (pkgs.size() / nShort))[1]);
        }
        return shorts;
    }

    static final String[] SEPARATE = {"imgsim INT8 (defaults)", "imgsim INT8, intraOpThreads(1)", "LangChain4j all-minilm-l6-v2-q (INT8)",
        "floor default threads", "floor 1 thread"};

    /** One contender of {@link #speedSeparate}, in this JVM: prints "@@name|ms per text|texts per second". */
    void speedChild(String name) throws Exception {
        List<String> shorts = shortTexts(spread(debian(), 20000));
        double ms;
        double tps = Double.NaN;
        if (name.startsWith("floor")) {
            try (Floor f = new Floor(name.contains("1 thread") ? 1 : 0)) {
                f.prepare(shorts);
                ms = perText(f::run, shorts);
            }
        } else if (name.startsWith("LangChain4j")) {
            EmbeddingModel lc = new AllMiniLmL6V2QuantizedEmbeddingModel();
            ms = perText(t -> lc.embed(t), shorts);
            tps = throughput(ts -> lc.embedAll(segments(ts)), shorts);
        } else {
            TextEmbedder.Builder builder = TextEmbedder.builder().model(speedModel);
            try (TextEmbedder t = name.contains("(1)") ? builder.intraOpThreads(1).build() : builder.build()) {
                ms = perText(t::embed, shorts);
                tps = throughput(t::embedAll, shorts);
            }
        }
        System.out.printf(Locale.ROOT, "@@%s|%.4f|%.1f%n", name, ms, tps);
    }

    /** The short-text parts, each contender in a JVM of its own. */
    void speedSeparate() throws Exception {
        String javaBin = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        System.out.println("\nShort texts, each contender in a JVM of its own (median ms per text one at a time; embedAll texts/s)");
        System.out.println("| contender | ms per text | embedAll texts/s |");
        System.out.println("|---|---|---|");
        Map<String, Object> sep = new LinkedHashMap<>();
        for (String name : SEPARATE) {
            List<String> cmd = new ArrayList<>(Arrays.asList(javaBin, "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                    TextBench.class.getName(), "--contender", name, "--model", speedModel.toString()));
            if (quick) {
                cmd.add("--quick");
            }
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    if (line.startsWith("@@")) {
                        String[] f = line.substring(2).split("\\|");
                        System.out.printf(Locale.ROOT, "| %s | %.2f | %s |%n", f[0], Double.parseDouble(f[1]),
                                f[2].equals("NaN") ? "" : String.format(Locale.ROOT, "%.0f", Double.parseDouble(f[2])));
                        sep.put(f[0], Arrays.asList(Double.parseDouble(f[1]), Double.parseDouble(f[2])));
                    }
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("the child JVM for " + name + " failed with exit code " + p.exitValue());
            }
        }
        results.put("short texts, separate JVMs: [ms per text, embedAll texts/s]", sep);
    }

    void speed() throws Exception {
        List<String[]> pkgs = spread(debian(), 20000);
        List<String> shorts = shortTexts(pkgs);
        List<String> longs = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (String[] p : pkgs) {
            sb.append(p[2]).append(' ');
            if (sb.toString().split("\\s+").length >= 400) {
                longs.add(sb.toString().trim());
                sb.setLength(0);
                if (longs.size() == (quick ? 30 : 100)) {
                    break;
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nSpeed: (a) %d short texts (package synopses) one at a time, (b) the same through embedAll,"
                + " (c) %d texts of ~400 words one at a time; all contenders use both cores unless named 1 thread%n", shorts.size(), longs.size());
        TextEmbedder imgsim = TextEmbedder.builder().model(speedModel).build();
        TextEmbedder imgsim1 = TextEmbedder.builder().model(speedModel).intraOpThreads(1).build();
        EmbeddingModel lcQ = new AllMiniLmL6V2QuantizedEmbeddingModel();
        EmbeddingModel lcF = new AllMiniLmL6V2EmbeddingModel();
        Floor floor2 = new Floor(0);
        Floor floor1 = new Floor(1);
        Map<String, Embed> one = new LinkedHashMap<>();
        one.put("imgsim INT8 (defaults)", imgsim::embed);
        one.put("imgsim INT8, intraOpThreads(1)", imgsim1::embed);
        one.put("LangChain4j all-minilm-l6-v2-q (INT8)", t -> lcQ.embed(t));
        one.put("LangChain4j all-minilm-l6-v2 (FP32)", t -> lcF.embed(t));
        one.put("floor: ORT Java, imgsim INT8 model, ready tokens, default threads", floor2::run);
        one.put("floor: same, 1 thread", floor1::run);
        Map<String, EmbedAll> all = new LinkedHashMap<>();
        all.put("imgsim INT8 (defaults)", imgsim::embedAll);
        all.put("LangChain4j all-minilm-l6-v2-q (INT8)", ts -> lcQ.embedAll(segments(ts)));
        all.put("LangChain4j all-minilm-l6-v2 (FP32)", ts -> lcF.embedAll(segments(ts)));
        floor1.prepare(shorts);
        floor2.prepare(shorts);
        Map<String, Object> speed = new LinkedHashMap<>();
        Map<String, Double> a = new LinkedHashMap<>();
        System.out.println("\n(a) short texts one at a time (median ms per text)");
        System.out.println("| contender | median ms | x floor | x imgsim |");
        System.out.println("|---|---|---|---|");
        for (Map.Entry<String, Embed> e : one.entrySet()) {
            a.put(e.getKey(), perText(e.getValue(), shorts));
        }
        double floor = Math.min(a.get("floor: ORT Java, imgsim INT8 model, ready tokens, default threads"), a.get("floor: same, 1 thread"));
        for (Map.Entry<String, Double> e : a.entrySet()) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f |%n", e.getKey(), e.getValue(), e.getValue() / floor,
                    e.getValue() / a.get("imgsim INT8 (defaults)"));
        }
        speed.put("a short one at a time, median ms", a);
        System.out.println("\n(b) the same texts through embedAll (texts per second, best of 3)");
        System.out.println("| contender | texts/s | x LangChain4j INT8 |");
        System.out.println("|---|---|---|");
        Map<String, Double> b = new LinkedHashMap<>();
        for (Map.Entry<String, EmbedAll> e : all.entrySet()) {
            b.put(e.getKey(), throughput(e.getValue(), shorts));
        }
        for (Map.Entry<String, Double> e : b.entrySet()) {
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.2f |%n", e.getKey(), e.getValue(), e.getValue() / b.get("LangChain4j all-minilm-l6-v2-q (INT8)"));
        }
        speed.put("b embedAll texts per second", b);
        System.out.println("\n(c) ~400-word texts one at a time (median ms per text; imgsim reads 256 tokens, LangChain4j 128)");
        System.out.println("| contender | median ms | x imgsim |");
        System.out.println("|---|---|---|");
        Map<String, Double> c = new LinkedHashMap<>();
        for (Map.Entry<String, Embed> e : one.entrySet()) {
            if (!e.getKey().startsWith("floor")) {
                c.put(e.getKey(), perText(e.getValue(), longs));
            }
        }
        for (Map.Entry<String, Double> e : c.entrySet()) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", e.getKey(), e.getValue(), e.getValue() / c.get("imgsim INT8 (defaults)"));
        }
        speed.put("c long one at a time, median ms", c);
        // first embedding after create(), warm JVM (the classes and native library already loaded)
        double[] first = new double[5];
        for (int i = 0; i < first.length; i++) {
            long t0 = System.nanoTime();
            try (TextEmbedder t = TextEmbedder.create()) {
                t.embed("the first text");
            }
            first[i] = (System.nanoTime() - t0) / 1e6;
        }
        double firstMs = Stats.median(first);
        System.out.printf(Locale.ROOT, "%ncreate() + first embedding, warm JVM: median %.0f ms of %d%n", firstMs, first.length);
        speed.put("create + first embedding ms", firstMs);
        results.put("speed", speed);
        imgsim.close();
        imgsim1.close();
        floor1.close();
        floor2.close();
    }

    static List<TextSegment> segments(List<String> texts) {
        List<TextSegment> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(TextSegment.from(t));
        }
        return out;
    }

    double perText(Embed e, List<String> texts) throws Exception {
        for (int i = 0; i < Math.min(30, texts.size()); i++) {
            e.run(texts.get(i));
        }
        double[] t = new double[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            long s = System.nanoTime();
            e.run(texts.get(i));
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        return Stats.median(t);
    }

    double throughput(EmbedAll e, List<String> texts) throws Exception {
        e.run(texts.subList(0, Math.min(64, texts.size())));
        double best = 0;
        for (int r = 0; r < 3; r++) {
            long s = System.nanoTime();
            e.run(texts);
            best = Math.max(best, texts.size() / ((System.nanoTime() - s) / 1e9));
        }
        return best;
    }


    /** ONNX Runtime's Java API on imgsim's INT8 model with token tensors made in advance. */
    static final class Floor implements AutoCloseable {
        final OrtEnvironment env = OrtEnvironment.getEnvironment();
        final OrtSession session;
        final Map<String, Map<String, OnnxTensor>> ready = new HashMap<>();

        Floor(int threads) throws Exception {
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            if (threads > 0) {
                o.setIntraOpNumThreads(threads);
            }
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(speedModel.toString(), o);
        }

        void prepare(List<String> texts) throws Exception {
            try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.builder().optTokenizerPath(TOKENIZER).optMaxLength(256)
                    .optTruncation(true).optPadding(false).build()) {
                for (String t : texts) {
                    Encoding e = tok.encode(t);
                    long[] shape = {1, e.getIds().length};
                    Map<String, OnnxTensor> in = new HashMap<>();
                    in.put("input_ids", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(e.getIds()), shape));
                    in.put("attention_mask", OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(e.getAttentionMask()), shape));
                    ready.put(t, in);
                }
            }
        }

        void run(String text) throws Exception {
            try (OrtSession.Result r = session.run(ready.get(text))) {
                r.get(0);
            }
        }

        @Override
        public void close() throws ai.onnxruntime.OrtException {
            for (Map<String, OnnxTensor> m : ready.values()) {
                for (OnnxTensor t : m.values()) {
                    t.close();
                }
            }
            session.close();
        }
    }
}
