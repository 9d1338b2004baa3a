package dev.imgsim.dupes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Directory;
import com.drew.metadata.Metadata;
import com.drew.metadata.Tag;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;

/**
 * What a keep policy compares about one file: size, pixel count, format, how much EXIF metadata it
 * carries, when it was taken, and (on demand) its content hash. Read with metadata-extractor
 * (headers only, no decoding); a file whose format it does not know has 0 pixels and no metadata.
 */
public final class FileFacts {
    private final Path path;
    private final long size;
    private final Instant modified;
    private final long pixels;
    private final String format;
    private final int metadataFields;
    private final Instant taken;
    private String sha256;

    private FileFacts(Path path, long size, Instant modified, long pixels, String format, int metadataFields, Instant taken) {
        this.path = path;
        this.size = size;
        this.modified = modified;
        this.pixels = pixels;
        this.format = format;
        this.metadataFields = metadataFields;
        this.taken = taken;
    }

    /**
     * @param file a regular file
     * @return its facts
     * @throws IOException if it cannot be read or is not a regular file
     */
    public static FileFacts read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
            throw new IOException(file + " is not a regular file");
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String format = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        long pixels = 0;
        int fields = 0;
        Instant taken = null;
        try {
            Metadata m = ImageMetadataReader.readMetadata(file.toFile());
            long w = 0;
            long h = 0;
            for (Directory d : m.getDirectories()) {
                if (d instanceof ExifIFD0Directory || d instanceof ExifSubIFDDirectory || d instanceof GpsDirectory) {
                    fields += d.getTagCount();
                }
                if (w == 0 || h == 0) {
                    long dw = 0;
                    long dh = 0;
                    for (Tag t : d.getTags()) {
                        if (t.getTagName().equals("Image Width") || t.getTagName().equals("Exif Image Width")) {
                            dw = number(d, t.getTagType());
                        } else if (t.getTagName().equals("Image Height") || t.getTagName().equals("Exif Image Height")) {
                            dh = number(d, t.getTagType());
                        }
                    }
                    if (dw > 0 && dh > 0) {
                        w = dw;
                        h = dh;
                    }
                }
            }
            pixels = w * h;
            ExifSubIFDDirectory exif = m.getFirstDirectoryOfType(ExifSubIFDDirectory.class);
            Date original = exif == null ? null : exif.getDateOriginal();
            taken = original == null ? null : original.toInstant();
        } catch (ImageProcessingException | IOException | RuntimeException unknownFormat) {
            // not a format metadata-extractor reads (e.g. JPEG XL): no pixel count, no metadata
        }
        return new FileFacts(file, a.size(), a.lastModifiedTime().toInstant(), pixels, format, fields, taken);
    }

    private static long number(Directory d, int tag) {
        Long v = d.getLongObject(tag);
        return v == null ? 0 : v;
    }

    /** @return the file */
    public Path path() {
        return path;
    }

    /** @return its size in bytes */
    public long size() {
        return size;
    }

    /** @return its last-modified time */
    public Instant modified() {
        return modified;
    }

    /** @return width x height from its header, 0 when unknown */
    public long pixels() {
        return pixels;
    }

    /** @return its extension in lower case ({@code jpg}, {@code png}, {@code dng}, ...), empty if none */
    public String format() {
        return format;
    }

    /** @return how many EXIF fields it carries (IFD0, Exif and GPS directories) */
    public int metadataFields() {
        return metadataFields;
    }

    /** @return when it was taken (EXIF DateTimeOriginal), else its last-modified time */
    public Instant date() {
        return taken != null ? taken : modified;
    }

    /**
     * @return the SHA-256 of its content, as hex (computed once)
     * @throws IOException if it cannot be read
     */
    public synchronized String sha256() throws IOException {
        if (sha256 == null) {
            sha256 = sha256(path);
        }
        return sha256;
    }

    /**
     * @param file a file
     * @return the SHA-256 of its content, as hex
     * @throws IOException if it cannot be read
     */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0;) {
                md.update(buf, 0, n);
            }
        }
        StringBuilder hex = new StringBuilder(64);
        for (byte b : md.digest()) {
            hex.append(String.format(Locale.ROOT, "%02x", b));
        }
        return hex.toString();
    }

    @Override
    public String toString() {
        return path + " (" + size + " bytes, " + (pixels > 0 ? pixels + " pixels, " : "") + format + ")";
    }
}
