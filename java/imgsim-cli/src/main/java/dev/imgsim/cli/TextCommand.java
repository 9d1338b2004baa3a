package dev.imgsim.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import dev.imgsim.index.Hit;
import dev.imgsim.index.Reranker;
import dev.imgsim.index.SearchMode;
import dev.imgsim.index.TextIndex;
import dev.imgsim.text.CrossEncoder;
import dev.imgsim.text.TextEmbedder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code imgsim text index|search|embed}: semantic search over texts with the bundled text model. */
@Command(name = "text", mixinStandardHelpOptions = true,
        description = "Semantic text search on this machine: index a JSON-lines file of texts, search it by meaning,"
            + " or print a text's embedding (the only thing a search backend needs to see).",
        subcommands = {TextCommand.Index.class, TextCommand.Search.class, TextCommand.Embed.class})
final class TextCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: text index, text search or text embed");
    }

    /** Options every text command shares. */
    static class Base {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", paramLabel = "FILE_OR_DIR",
                description = "Text model (.onnx with tokenizer.json beside it) instead of the bundled INT8 all-MiniLM-L6-v2.")
        Path model;

        TextEmbedder open() {
            return model == null ? TextEmbedder.create() : TextEmbedder.create(model);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }
    }

    @Command(name = "index", mixinStandardHelpOptions = true,
            description = "Adds the texts of FILE (JSON lines: one object per line with string fields \"id\" and \"text\";"
                + " '-' reads standard input) to the index IDX, replacing documents with the same id. Bad lines are"
                + " reported with their line number and skipped; the others are indexed (exit code 1 if any was bad).")
    static final class Index extends Base implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "JSON-lines file, or - for standard input.")
        String file;

        @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory (created if missing).")
        Path index;

        @Option(names = "--optimize", description = "Then merge the index into one segment: faster searches on a large"
                + " index (docs/TEXT.md), at the cost of rewriting it; for a bulk load, not after each small update.")
        boolean optimize;

        @Override
        public Integer call() throws IOException {
            long start = System.nanoTime();
            List<String> ids = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            int bad = 0;
            try (BufferedReader r = "-".equals(file)
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                int lineNo = 0;
                for (String line; (line = r.readLine()) != null;) {
                    lineNo++;
                    if (line.trim().isEmpty()) {
                        continue;
                    }
                    String why = parse(line, ids, texts);
                    if (why != null) {
                        bad++;
                        err().println("imgsim: " + file + ":" + lineNo + ": " + why + "; line skipped");
                    }
                }
            } catch (java.nio.charset.MalformedInputException e) {
                throw new IllegalArgumentException(file + " is not UTF-8 text");
            }
            try (TextEmbedder text = open(); TextIndex idx = TextIndex.open(index, text)) {
                idx.storingText(true); // what `text search --rerank` reads
                idx.addAll(ids, texts);
                idx.commit();
                if (optimize) {
                    idx.optimize();
                }
                int chunked = 0;
                long windows = 0;
                for (String t : texts) {
                    int n = idx.chunkCount(t);
                    if (n > 1) {
                        chunked++;
                        windows += n;
                    }
                }
                out().printf(Locale.ROOT, "indexed %d text%s into %s (%d in the index%s) in %.1f s%s%s%n", ids.size(),
                        ids.size() == 1 ? "" : "s", index, idx.size(), optimize ? ", merged into one segment" : "",
                        (System.nanoTime() - start) / 1e9,
                        chunked == 0 ? "" : "; " + chunked + " long text" + (chunked == 1 ? " was" : "s were") + " split into "
                                + windows + " windows (nothing truncated)",
                        bad == 0 ? "" : "; " + bad + " bad line" + (bad == 1 ? "" : "s") + " skipped");
            }
            out().flush();
            return bad == 0 ? 0 : Main.SOME_FAILED;
        }

        /** Adds the line's id and text; returns why it cannot, or null. */
        static String parse(String line, List<String> ids, List<String> texts) {
            JsonElement e;
            try {
                e = JsonParser.parseString(line);
            } catch (JsonParseException ex) {
                return "not valid JSON (" + Main.message(ex.getCause() == null ? ex : ex.getCause()) + ")";
            }
            if (!e.isJsonObject()) {
                return "not a JSON object";
            }
            JsonObject o = e.getAsJsonObject();
            for (String key : new String[] {"id", "text"}) {
                JsonElement v = o.get(key);
                if (v == null || v.isJsonNull()) {
                    return "no \"" + key + "\"";
                }
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
                    return "\"" + key + "\" is not a string";
                }
            }
            if (o.get("id").getAsString().isEmpty()) {
                return "\"id\" is empty";
            }
            ids.add(o.get("id").getAsString());
            texts.add(o.get("text").getAsString());
            return null;
        }
    }

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = "Prints the K indexed texts that best match QUERY, best first, with their cosine similarity:"
                + " by meaning and by words fused (hybrid, the default), by meaning only (dense) or by words only (bm25)."
                + " Opens the index read-only.")
    static final class Search extends Base implements Callable<Integer> {
        @Parameters(paramLabel = "QUERY", description = "The query text.")
        String query;

        @Option(names = "--index", required = true, paramLabel = "IDX", description = "Index directory.")
        Path index;

        @Option(names = {"-k", "--top"}, paramLabel = "K", defaultValue = "10", description = "How many hits (default: ${DEFAULT-VALUE}).")
        int k;

        @Option(names = "--json", description = "Print a JSON list of {\"id\", \"similarity\"} (with --rerank also \"rerank\","
                + " the cross-encoder's score).")
        boolean json;

        @Option(names = "--mode", paramLabel = "MODE", defaultValue = "hybrid",
                description = "hybrid (meaning and words, fused), dense (meaning) or bm25 (words); default: ${DEFAULT-VALUE}.")
        String mode;

        @Option(names = "--rerank", paramLabel = "MODEL_DIR", description = "Rerank the best --rerank-depth hits with this"
                + " cross-encoder (a folder with an ONNX model and tokenizer.json, e.g. what"
                + " java/imgsim-bench/fetch-text-models.sh fetches); hits then carry \"rerank.score\". Needs an index built by"
                + " `imgsim text index`, which stores the texts.")
        Path rerank;

        @Option(names = "--rerank-depth", paramLabel = "N", defaultValue = "20",
                description = "How many first-stage hits the cross-encoder reorders (default: ${DEFAULT-VALUE}; at least K).")
        int depth;

        @Override
        public Integer call() {
            if (k < 1) {
                throw new IllegalArgumentException("-k must be at least 1, got " + k);
            }
            SearchMode m;
            try {
                m = SearchMode.valueOf(mode.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mode must be hybrid, dense or bm25, got '" + mode + "'");
            }
            if (rerank != null && depth < 1) {
                throw new IllegalArgumentException("--rerank-depth must be at least 1, got " + depth);
            }
            if (rerank == null && spec.commandLine().getParseResult().hasMatchedOption("--rerank-depth")) {
                throw new IllegalArgumentException("--rerank-depth needs --rerank");
            }
            try (TextEmbedder text = open(); TextIndex idx = TextIndex.openReadOnly(index, text)) {
                List<Hit> hits = idx.search(query, rerank == null ? k : Math.max(k, depth), m);
                if (rerank != null) {
                    if (hits.stream().anyMatch(h -> h.fields().get(TextIndex.TEXT) == null)) {
                        throw new IllegalArgumentException(index + " does not store its texts, so its hits cannot be reranked:"
                                + " build it again with `imgsim text index`");
                    }
                    try (CrossEncoder ce = CrossEncoder.create(rerank)) {
                        hits = ((Reranker) ce::score).rerank(query, hits, h -> h.fields().get(TextIndex.TEXT));
                    }
                    hits = hits.subList(0, Math.min(k, hits.size()));
                }
                Json.printHits(out(), hits, json);
            }
            out().flush();
            return 0;
        }
    }

    @Command(name = "embed", mixinStandardHelpOptions = true,
            description = "Prints the embedding of TEXT as a JSON array of numbers: what a search backend receives"
                + " instead of the text.")
    static final class Embed extends Base implements Callable<Integer> {
        @Parameters(paramLabel = "TEXT", description = "The text.")
        String text;

        @Override
        public Integer call() {
            try (TextEmbedder t = open()) {
                float[] e = t.embed(text);
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < e.length; i++) {
                    sb.append(i == 0 ? "" : ", ").append(Json.number(e[i]));
                }
                out().println(sb.append(']'));
            }
            out().flush();
            return 0;
        }
    }
}
