package dev.imgsim.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.ModelLoadException;
import dev.imgsim.TextEncoder;
import dev.imgsim.Vectors;
import dev.imgsim.internal.Checks;
import dev.imgsim.internal.ModelDigest;
import dev.imgsim.internal.ModelInfo;
import dev.imgsim.internal.NativeHandle;
import dev.imgsim.internal.NativeLoader;
import dev.imgsim.internal.SessionSettings;
import dev.imgsim.internal.TextNative;

/**
 * Turns texts into sentence embeddings on the device: a distilled BERT (by default the bundled
 * INT8 all-MiniLM-L6-v2, 384 values) run in-process by ONNX Runtime through imgsim's native
 * library, which also tokenises (Hugging Face {@code tokenizers}, in Rust). Two texts are as
 * similar in meaning as the cosine (here the dot product: embeddings are L2-normalised) of their
 * embeddings. Only the embedding needs to leave the machine, never the text.
 *
 * <pre>{@code
 * try (TextEmbedder text = TextEmbedder.create()) {
 *     float[] q = text.embed("how do I resize a photo");        // 384 values, unit length
 *     double s = text.similarity("a cat sits outside", "a kitten is outdoors");
 *     float[][] all = text.embedAll(documents);                 // batched, padded to the longest
 * }
 * }</pre>
 *
 * <p><b>Other models:</b> {@link #create(Path)} also takes a sentence-transformers or Hugging Face
 * ONNX export ({@code model.onnx} or {@code onnx/model.onnx}, {@code tokenizer.json}) and reads
 * its pooling ({@code 1_Pooling/config.json}: mean, CLS, last token, max), its token limit
 * ({@code sentence_bert_config.json}, or {@code tokenizer_config.json}'s {@code model_max_length}) and its prompts ({@code config_sentence_transformers.json},
 * e.g. e5's {@code "query: "} and {@code "passage: "}); {@link #embedQuery} and
 * {@link #embedDocuments} put those prefixes before the text ({@code dev.imgsim.index.TextIndex}
 * uses them), {@link #embed} embeds the text as given. Embeddings are always L2-normalised.
 *
 * <p><b>Texts:</b> any Java string gives a defined result: the empty string and whitespace embed
 * like sentence-transformers does (the special tokens only); a lone surrogate is encoded as
 * {@code ?}; NUL characters are text like any other. A text longer than {@link #maxTokens()}
 * tokens is truncated by default ({@link Truncation#TRUNCATE}, as sentence-transformers does), or
 * split into overlapping windows whose embeddings are averaged ({@link Truncation#CHUNK}).
 * A text's embedding does not depend on the other texts of an {@link #embedAll} call.
 *
 * <p><b>Thread safety</b> and <b>lifecycle</b> as {@link ImageSimilarity}: share an instance
 * between threads (up to {@link Builder#sessionPoolSize(int)} inferences at once); {@link #close()}
 * waits for calls in flight, later calls throw {@link IllegalStateException}; an instance never
 * closed is freed by a {@link Cleaner}.
 *
 * <p><b>Exceptions:</b> null arguments {@link NullPointerException}; unusable arguments
 * {@link IllegalArgumentException}; unusable models or tokenizers {@link ModelLoadException};
 * other runtime failures {@link dev.imgsim.ImageSimilarityException}.
 */
public final class TextEmbedder implements AutoCloseable, TextEncoder {
    /** Classpath folder of the bundled model and its tokenizer. */
    public static final String BUNDLED_MODEL_RESOURCE = "dev/imgsim/text/models/minilm-l6-v2-int8.onnx";
    static final String BUNDLED_TOKENIZER_RESOURCE = "dev/imgsim/text/models/tokenizer.json";

    /** What happens to a text longer than {@link #maxTokens()}. */
    public enum Truncation {
        /** Keep the first {@code maxTokens} tokens (the default; what sentence-transformers does). */
        TRUNCATE,
        /**
         * Split the text into windows of {@code maxTokens} tokens overlapping by
         * {@link Builder#chunkOverlap(int)} tokens; the embedding is the normalised mean of theirs.
         */
        CHUNK
    }

    /** Texts handed to the native side per call of {@link #embedAll} (bounds the memory of one call). */
    static final int TEXTS_PER_CALL = 256;

    private final NativeHandle handle;
    private final int embeddingSize;
    private final int maxTokens;
    private final Map<String, String> metadata;
    private final String modelName;
    private final Path modelFile;
    private final ModelDigest digest;
    private final Pooling pooling;
    private final String queryPrefix;
    private final String documentPrefix;

    private TextEmbedder(Builder b) {
        NativeLoader.ensureRuntime();
        byte[] model;
        byte[] tokenizer;
        String config = null;
        if (b.model == null) {
            model = NativeHandle.resource(TextEmbedder.class, BUNDLED_MODEL_RESOURCE, "imgsim-text");
            tokenizer = NativeHandle.resource(TextEmbedder.class, BUNDLED_TOKENIZER_RESOURCE, "imgsim-text");
            modelName = "(bundled " + BUNDLED_MODEL_RESOURCE + ")";
            modelFile = null;
            if (b.pooling != null) {
                config = "{\"pooling_mode\": \"" + b.pooling.nativeName + "\"}";
            }
        } else {
            Path onnx = onnxFile(b.model).toAbsolutePath();
            Path home = tokenizerHome(onnx, "text model");
            model = read(onnx);
            tokenizer = read(home.resolve("tokenizer.json"));
            config = sentenceTransformersConfig(home, b.pooling);
            modelName = onnx.toAbsolutePath().toString();
            modelFile = onnx.toAbsolutePath();
        }
        long h = TextNative.open(model, tokenizer, modelName, config, b.sessions.intraOpThreads, b.sessions.poolSize, b.maxTokens,
                b.truncation == Truncation.CHUNK ? b.chunkOverlap : -1, b.batchSize);
        if (h == 0) {
            throw new ModelLoadException("the text model " + modelName + " could not be opened");
        }
        // the handle is not owned by a NativeHandle yet: free it here if describing it fails
        ModelInfo info;
        String[] settings;
        Pooling pool;
        try {
            info = TextNative.describe(h);
            settings = TextNative.settings(h);
            pool = Pooling.ofNative(settings[0]);
        } catch (RuntimeException | Error e) {
            TextNative.close(h);
            throw e;
        }
        this.embeddingSize = info.embeddingSize;
        this.maxTokens = info.maxTokens;
        this.metadata = info.metadata;
        this.pooling = pool;
        this.queryPrefix = b.queryPrefix != null ? b.queryPrefix : settings[1];
        this.documentPrefix = b.documentPrefix != null ? b.documentPrefix : settings[2];
        Path file = modelFile;
        this.digest = new ModelDigest(() -> file == null ? NativeHandle.resource(TextEmbedder.class, BUNDLED_MODEL_RESOURCE, "imgsim-text") : read(file));
        this.handle = new NativeHandle(this, h, TextNative::close, "TextEmbedder");
    }

    /**
     * The JSON object the native side reads: the sentence-transformers configuration files in
     * {@code dir} (each null when absent) and the pooling chosen (absent when not chosen).
     */
    private static String sentenceTransformersConfig(Path dir, Pooling chosen) {
        StringBuilder json = new StringBuilder("{");
        String[][] files = {{"pooling", "1_Pooling/config.json"}, {"sentence_transformers", "config_sentence_transformers.json"},
            {"sentence_bert", "sentence_bert_config.json"}, {"tokenizer_config", "tokenizer_config.json"}};
        for (String[] f : files) {
            Path p = dir.resolve(f[1]);
            String content = Files.isRegularFile(p) ? new String(read(p), StandardCharsets.UTF_8).trim() : "null";
            json.append('"').append(f[0]).append("\": ").append(content.isEmpty() ? "null" : content).append(", ");
        }
        if (chosen != null) {
            json.append("\"pooling_mode\": \"").append(chosen.nativeName).append("\", ");
        }
        json.setLength(json.length() - 2);
        return json.append('}').toString();
    }

    /**
     * The folder holding the model's {@code tokenizer.json} (and its configuration): beside the
     * model, or one folder up (a Hugging Face export keeps the model in {@code onnx/}).
     */
    static Path tokenizerHome(Path onnx, String kind) {
        Path home = onnx.getParent();
        Path up = home.getParent();
        if (!Files.isRegularFile(home.resolve("tokenizer.json")) && up != null && Files.isRegularFile(up.resolve("tokenizer.json"))) {
            home = up;
        }
        if (!Files.isRegularFile(home.resolve("tokenizer.json"))) {
            throw new ModelLoadException("the " + kind + " " + onnx + " needs its tokenizer.json beside it (or one folder up): "
                    + onnx.getParent().resolve("tokenizer.json") + " does not exist");
        }
        return home;
    }

    /** The {@code .onnx} file named, or the one in the folder named (or in its {@code onnx/} folder). */
    static Path onnxFile(Path p) {
        if (Files.isRegularFile(p)) {
            return p;
        }
        if (!Files.isDirectory(p)) {
            throw new ModelLoadException("the text model " + p.toAbsolutePath() + " does not exist");
        }
        if (Files.isDirectory(p.resolve("onnx")) && !hasOnnx(p)) {
            return onnxFile(p.resolve("onnx"));
        }
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, "*.onnx")) {
            ds.forEach(found::add);
        } catch (IOException e) {
            throw new ModelLoadException("cannot list the model folder " + p.toAbsolutePath() + ": " + e.getMessage());
        }
        Collections.sort(found);
        if (found.size() == 1) {
            return found.get(0);
        }
        for (Path f : found) {
            if (f.getFileName().toString().equals("model.onnx")) {
                return f;
            }
        }
        throw new ModelLoadException("the folder " + p.toAbsolutePath() + (found.isEmpty() ? " holds no .onnx file"
                : " holds " + found.size() + " .onnx files " + found + "; name the file, or call one model.onnx"));
    }

    private static boolean hasOnnx(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.onnx")) {
            return ds.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + p.toAbsolutePath() + ": " + e.getMessage());
        }
    }

    /**
     * The bundled INT8 all-MiniLM-L6-v2, with the default settings.
     * @return an open embedder; close it when done
     * @throws ModelLoadException if the bundled model cannot be loaded
     */
    public static TextEmbedder create() {
        return builder().build();
    }

    /**
     * A model exported by {@code python/text_model.py} (its {@code .onnx} file, or a folder that
     * holds it; {@code tokenizer.json} beside it, its SHA-256 checked against the model's metadata),
     * or a sentence-transformers / Hugging Face ONNX export: a folder with {@code model.onnx} or
     * {@code onnx/model.onnx}, {@code tokenizer.json} and the sentence-transformers configuration
     * ({@code 1_Pooling/config.json} says how to pool token embeddings).
     * @param modelDirOrFile the {@code .onnx} file, or a folder holding one
     * @return an open embedder; close it when done
     * @throws ModelLoadException if the model or its tokenizer is missing or unusable
     */
    public static TextEmbedder create(Path modelDirOrFile) {
        return builder().model(modelDirOrFile).build();
    }

    /**
     * A builder, starting from the default settings.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The text's embedding: {@link #embeddingSize()} values of unit length.
     * @param text any text
     * @return the embedding
     * @throws IllegalStateException if this embedder is closed
     */
    public float[] embed(String text) {
        Objects.requireNonNull(text, "text");
        return run(Collections.singletonList(text))[0];
    }

    /**
     * The embeddings of many texts, in order. Texts of similar length run together in batches
     * padded to their longest (fewer wasted tokens); each text's result equals {@link #embed}.
     * @param texts the texts (none null)
     * @return one embedding per text, in order
     * @throws IllegalStateException if this embedder is closed
     */
    public float[][] embedAll(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        List<String> list = new ArrayList<>(texts);
        for (int i = 0; i < list.size(); i++) {
            Objects.requireNonNull(list.get(i), "texts[" + i + "]");
        }
        float[][] out = new float[list.size()][];
        for (int start = 0; start < list.size(); start += TEXTS_PER_CALL) {
            List<String> part = list.subList(start, Math.min(list.size(), start + TEXTS_PER_CALL));
            float[][] e = run(part);
            System.arraycopy(e, 0, out, start, e.length);
        }
        return out;
    }

    private float[][] run(List<String> texts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        int[] lengths = new int[texts.size()];
        for (int i = 0; i < lengths.length; i++) {
            byte[] b = texts.get(i).getBytes(StandardCharsets.UTF_8);
            lengths[i] = b.length;
            all.write(b, 0, b.length);
        }
        byte[] bytes = all.toByteArray();
        return handle.call(this, texts, h -> TextNative.embedAll(h, bytes, lengths));
    }

    /**
     * The embedding of a search query: the text after the model's query prefix
     * ({@link #queryPrefix()}, e.g. e5's {@code "query: "}); the same as {@link #embed} for models
     * without one.
     * @param query the query
     * @return the embedding
     */
    @Override
    public float[] embedQuery(String query) {
        Objects.requireNonNull(query, "query");
        return embed(queryPrefix.isEmpty() ? query : queryPrefix + query);
    }

    /**
     * The embeddings of documents to search among: each text after the model's document prefix
     * ({@link #documentPrefix()}, e.g. e5's {@code "passage: "}); the same as {@link #embedAll}
     * for models without one.
     * @param documents the documents (none null)
     * @return one embedding per document, in order
     */
    @Override
    public float[][] embedDocuments(List<String> documents) {
        Objects.requireNonNull(documents, "documents");
        if (documentPrefix.isEmpty()) {
            return embedAll(documents);
        }
        List<String> prefixed = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            prefixed.add(documentPrefix + Objects.requireNonNull(documents.get(i), "documents[" + i + "]"));
        }
        return embedAll(prefixed);
    }

    /**
     * What {@link #embedQuery} puts before a query: from {@link Builder#queryPrefix(String)}, else
     * the model's sentence-transformers prompt {@code "query"} or metadata {@code imgsim.query_prefix}.
     * @return the prefix, {@code ""} for none
     */
    public String queryPrefix() {
        return queryPrefix;
    }

    /**
     * What {@link #embedDocuments} puts before a document: from {@link Builder#documentPrefix(String)},
     * else the model's prompt {@code "document"} (or {@code "passage"}, {@code "corpus"}) or metadata
     * {@code imgsim.document_prefix}.
     * @return the prefix, {@code ""} for none
     */
    public String documentPrefix() {
        return documentPrefix;
    }

    /**
     * How this model's token embeddings become one embedding ({@link Pooling#IN_MODEL} when its
     * graph pools, as the bundled model's does).
     * @return the pooling
     */
    public Pooling pooling() {
        return pooling;
    }

    /**
     * Cosine similarity of the two texts' embeddings, in [-1, 1].
     * @param a one text
     * @param b the other
     * @return their cosine similarity
     */
    public double similarity(String a, String b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        float[][] e = run(java.util.Arrays.asList(a, b));
        return Vectors.cosine(e[0], e[1]);
    }

    /**
     * Tokens the model sees for this text, special tokens included: one number, or one per window
     * with {@link Truncation#CHUNK}. A text whose count equals {@link #maxTokens()} was truncated.
     * @param text any text
     * @return tokens per window
     */
    public int[] tokenCounts(String text) {
        Objects.requireNonNull(text, "text");
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return handle.call(this, text, h -> TextNative.tokenCounts(h, b));
    }

    /**
     * Values per embedding (384 for the bundled model).
     *
     * @return the embedding size
     */
    public int embeddingSize() {
        return embeddingSize;
    }

    /**
     * Tokens per text (or per window), special tokens included: 256 for the bundled model.
     * @return the token limit
     */
    public int maxTokens() {
        return maxTokens;
    }

    /**
     * The model's {@code metadata_props} ({@code imgsim.max_tokens}, {@code imgsim.pooling}, ...).
     * @return the metadata, unmodifiable
     */
    public Map<String, String> modelMetadata() {
        return metadata;
    }

    /**
     * SHA-256 (hex) of the ONNX model file: what an index records as its vector space.
     * @return 64 hex digits
     */
    public String modelSha256() {
        return digest.get();
    }

    @Override
    public void close() {
        handle.close();
    }

    /**
     * Whether {@link #close()} has run.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    @Override
    public String toString() {
        return "TextEmbedder[" + modelName + ", " + embeddingSize + " values, " + maxTokens + " tokens"
                + (isClosed() ? ", closed" : "") + "]";
    }

    static long liveNativeModels() {
        return TextNative.liveModels();
    }

    /** Settings of a {@link TextEmbedder}; {@link #build()} makes one. */
    public static final class Builder {
        private Path model;
        private SessionSettings sessions = SessionSettings.defaults();
        private int maxTokens = 0;
        private Truncation truncation = Truncation.TRUNCATE;
        private int chunkOverlap = 32;
        private int batchSize = 32;
        private Pooling pooling;
        private String queryPrefix;
        private String documentPrefix;

        private Builder() {}

        /**
         * How to pool a model that returns token embeddings, instead of what its
         * {@code 1_Pooling/config.json} says. A model that pools in its graph refuses a choice:
         * {@link #build()} throws {@link IllegalArgumentException}.
         * @param pooling mean, CLS, last token or max
         * @return this builder
         */
        public Builder pooling(Pooling pooling) {
            Objects.requireNonNull(pooling, "pooling");
            if (pooling == Pooling.IN_MODEL) {
                throw new IllegalArgumentException("Pooling.IN_MODEL cannot be chosen: it is what a model that pools in its graph reports");
            }
            this.pooling = pooling;
            return this;
        }

        /**
         * What {@link TextEmbedder#embedQuery} puts before a query, instead of the model's own prompt.
         * @param prefix the prefix; {@code ""} for none
         * @return this builder
         */
        public Builder queryPrefix(String prefix) {
            this.queryPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * What {@link TextEmbedder#embedDocuments} puts before a document, instead of the model's own prompt.
         * @param prefix the prefix; {@code ""} for none
         * @return this builder
         */
        public Builder documentPrefix(String prefix) {
            this.documentPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * A model file or folder instead of the bundled one (see {@link TextEmbedder#create(Path)}).
         * @param modelDirOrFile the {@code .onnx} file, or a folder holding one
         * @return this builder
         */
        public Builder model(Path modelDirOrFile) {
            this.model = Objects.requireNonNull(modelDirOrFile, "modelDirOrFile");
            return this;
        }

        /**
         * ONNX Runtime intra-op threads per inference; 0 (default) is adaptive as in
         * {@link ImageSimilarity.Builder#intraOpThreads(int)}: a lone text runs on the process-wide
         * pool (all cores) where that measures faster, and the batches of one
         * {@link TextEmbedder#embedAll} call run side by side on one thread each.
         * @param threads 0 (adaptive) or a positive count
         * @return this builder
         */
        public Builder intraOpThreads(int threads) {
            this.sessions = sessions.withIntraOpThreads(threads);
            return this;
        }

        /**
         * How many inferences may run at once (default: the number of processors); also how many
         * batches of one {@link TextEmbedder#embedAll} call run side by side.
         * @param size at least 1
         * @return this builder
         */
        public Builder sessionPoolSize(int size) {
            this.sessions = sessions.withPoolSize(size);
            return this;
        }

        /**
         * Tokens per text or window, at most the model's limit (default: the limit, 256).
         * @param tokens at least 3, at most the model's limit
         * @return this builder
         */
        public Builder maxTokens(int tokens) {
            this.maxTokens = Checks.atLeast(tokens, 3, "maxTokens");
            return this;
        }

        /**
         * What happens to texts over the token limit (default {@link Truncation#TRUNCATE}).
         * @param policy truncate or chunk
         * @return this builder
         */
        public Builder truncation(Truncation policy) {
            this.truncation = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Tokens shared by neighbouring windows with {@link Truncation#CHUNK} (default 32).
         * @param tokens 0 or more, fewer than a window's
         * @return this builder
         */
        public Builder chunkOverlap(int tokens) {
            this.chunkOverlap = Checks.atLeast(tokens, 0, "chunk overlap");
            return this;
        }

        /**
         * Texts per inference in {@link TextEmbedder#embedAll} (default 32), for models that may be
         * batched (metadata {@code imgsim.batching=padded}: the FP32 export, or an INT8 model from
         * {@code python/text_model.py quantize --scheme rowwise} or {@code --scheme static},
         * whose activation scales never mix texts). The bundled INT8 model, and any model whose
         * graph quantises activations at run time ({@code DynamicQuantizeLinear}, e.g. an
         * {@code onnxruntime.quantization.quantize_dynamic} export) without that metadata, runs one
         * text per inference whatever this says: batching would make a text's vector depend on
         * its batch.
         * @param texts at least 1
         * @return this builder
         */
        public Builder batchSize(int texts) {
            this.batchSize = Checks.atLeast(texts, 1, "batch size");
            return this;
        }

        /**
         * Loads the model.
         *
         * @throws ModelLoadException if the model or its tokenizer cannot be used
         * @return an open embedder; close it when done
         */
        public TextEmbedder build() {
            return new TextEmbedder(this);
        }
    }
}
