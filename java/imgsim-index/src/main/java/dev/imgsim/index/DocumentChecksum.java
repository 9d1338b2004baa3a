package dev.imgsim.index;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A digest of what a document sent to a search backend holds (its vector's bits, its fields in key
 * order, its text): stored with the document, so a bulk load run again after a crash can skip
 * documents already there unchanged and rewrite changed ones.
 */
public final class DocumentChecksum {
    private DocumentChecksum() {
    }

    /**
     * @param vector the vector as sent (normalised)
     * @param fields the stored fields (may be empty)
     * @param text the text, or null
     * @return the first 16 bytes of SHA-256, as 32 hex digits
     */
    public static String of(float[] vector, Map<String, String> fields, String text) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer b = ByteBuffer.allocate(vector.length * 4);
        for (float x : vector) {
            b.putInt(Float.floatToIntBits(x));
        }
        md.update(b.array());
        for (Map.Entry<String, String> f : new TreeMap<>(fields).entrySet()) {
            md.update((f.getKey() + "\u0000" + f.getValue() + "\u0000").getBytes(StandardCharsets.UTF_8));
        }
        if (text != null) {
            md.update(text.getBytes(StandardCharsets.UTF_8));
        }
        StringBuilder hex = new StringBuilder(32);
        byte[] d = md.digest();
        for (int i = 0; i < 16; i++) {
            hex.append(String.format(Locale.ROOT, "%02x", d[i]));
        }
        return hex.toString();
    }
}
