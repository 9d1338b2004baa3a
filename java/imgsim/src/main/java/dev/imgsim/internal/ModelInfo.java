package dev.imgsim.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the native side knows of an open model, image or text, built natively in one piece by
 * {@code Native.describe} and {@code TextNative.describe} ({@code ModelInfo::to_java} in
 * {@code src/jni/mod.rs}). Not a public API; immutable.
 */
public final class ModelInfo {
    /** Values per embedding. */
    public final int embeddingSize;
    /** The image model's input size in pixels (0 for a text model). */
    public final int inputWidth;
    public final int inputHeight;
    /** The text model's token limit per window (0 for an image model). */
    public final int maxTokens;
    /** Whether the model takes batches (its first input dimension is dynamic). */
    public final boolean batchable;
    /** ONNX Runtime sessions created so far (the pool grows on demand). */
    public final int sessionsCreated;
    public final String inputName;
    public final String outputName;
    /** The input's shape, -1 for a dynamic dimension (empty for a text model). */
    private final long[] inputShape;
    /** The model's {@code metadata_props}, sorted by key. */
    public final Map<String, String> metadata;

    /** Called by the native code; {@code metadata} alternates keys and values. */
    ModelInfo(int embeddingSize, int inputWidth, int inputHeight, int maxTokens, boolean batchable, int sessionsCreated,
            String inputName, String outputName, long[] inputShape, String[] metadata) {
        this.embeddingSize = embeddingSize;
        this.inputWidth = inputWidth;
        this.inputHeight = inputHeight;
        this.maxTokens = maxTokens;
        this.batchable = batchable;
        this.sessionsCreated = sessionsCreated;
        this.inputName = inputName;
        this.outputName = outputName;
        this.inputShape = inputShape.clone();
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < metadata.length; i += 2) {
            m.put(metadata[i], metadata[i + 1]);
        }
        this.metadata = Collections.unmodifiableMap(m);
    }

    /** @return a copy of the input's shape */
    public long[] inputShape() {
        return inputShape.clone();
    }
}
