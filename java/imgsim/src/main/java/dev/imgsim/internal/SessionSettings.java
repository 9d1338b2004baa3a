package dev.imgsim.internal;

/**
 * The ONNX Runtime session settings both model builders take ({@code ImageSimilarity.Builder},
 * {@code TextEmbedder.Builder}): intra-op threads per inference and the session pool's size,
 * validated once here. Immutable. Not a public API.
 */
public final class SessionSettings {
    /** 0 = adaptive (see the builders' {@code intraOpThreads}). */
    public final int intraOpThreads;
    /** How many inferences may run at once. */
    public final int poolSize;

    private SessionSettings(int intraOpThreads, int poolSize) {
        this.intraOpThreads = intraOpThreads;
        this.poolSize = poolSize;
    }

    /** Adaptive threads; one session per processor. */
    public static SessionSettings defaults() {
        return new SessionSettings(0, Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /** @param threads 0 (adaptive) or a positive count */
    public SessionSettings withIntraOpThreads(int threads) {
        return new SessionSettings(Checks.atLeast(threads, 0, "threads"), poolSize);
    }

    /** @param size at least 1 */
    public SessionSettings withPoolSize(int size) {
        return new SessionSettings(intraOpThreads, Checks.atLeast(size, 1, "session pool size"));
    }
}
