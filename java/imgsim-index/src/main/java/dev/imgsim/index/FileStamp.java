package dev.imgsim.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The size and modification time a file had when it was indexed: what {@link ImageIndex#addAll}
 * uses to skip unchanged files, and what tools acting on indexed files check so they never act on
 * a file that changed since. Immutable.
 */
public final class FileStamp {
    private final long size;
    private final long modifiedMillis;

    FileStamp(long size, long modifiedMillis) {
        this.size = size;
        this.modifiedMillis = modifiedMillis;
    }

    /** @return the file's size in bytes when it was indexed */
    public long size() {
        return size;
    }

    /** @return its last-modified time when it was indexed, in milliseconds since the epoch */
    public long modifiedMillis() {
        return modifiedMillis;
    }

    /**
     * @param file a file
     * @return whether it is a regular file with this size and modification time now
     */
    public boolean matches(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.isRegularFile() && a.size() == size && a.lastModifiedTime().toMillis() == modifiedMillis;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return size + " bytes, modified " + java.time.Instant.ofEpochMilli(modifiedMillis);
    }
}
