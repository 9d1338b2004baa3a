package dev.imgsim.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;

/**
 * A model's SHA-256, computed on first use from its bytes and then kept: the identity of the
 * vector space its embeddings live in. Thread-safe. Not a public API.
 */
public final class ModelDigest {
    private final Supplier<byte[]> bytes;
    private volatile String hex;

    /** @param bytes reads the model's bytes (once, on first use) */
    public ModelDigest(Supplier<byte[]> bytes) {
        this.bytes = bytes;
    }

    /** @return 64 lower-case hex digits */
    public String get() {
        String h = hex;
        if (h == null) {
            h = sha256Hex(bytes.get());
            hex = h;
        }
        return h;
    }

    /** Lower-case hex SHA-256 of {@code data}. */
    public static String sha256Hex(byte[] data) {
        try {
            StringBuilder out = new StringBuilder(64);
            for (byte x : MessageDigest.getInstance("SHA-256").digest(data)) {
                out.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
            }
            return out.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
