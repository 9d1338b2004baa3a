package dev.imgsim.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Walking input folders. */
final class Files2 {
    private Files2() {}

    /** File names the native decoder reads (it sniffs the content, so the name is only a filter). */
    static final java.util.regex.Pattern IMAGE_NAME = java.util.regex.Pattern.compile(
            ".*\\.(jpe?g|jfif|png|bmp|gif|webp|tiff?|jxl|heic|heif|hif|avif|dng|cr2|nef|nrw|arw|srf|sr2|pef|srw|orf|rw2|raf|3fr|erf|kdc|mos|mef|iiq|rwl)$", java.util.regex.Pattern.CASE_INSENSITIVE);

    /**
     * Regular files under {@code dir}, recursively, sorted; hidden files and folders (".name") are
     * left out; unless {@code allFiles}, so are files not named like images.
     */
    static final class Listing {
        final List<Path> files = new ArrayList<>();
        /** Files left out because of their name. */
        final List<Path> ignored = new ArrayList<>();
        /** Paths that could not be listed, and why. */
        final Map<Path, String> unreadable = new LinkedHashMap<>();
    }

    static Listing walk(Path dir, boolean allFiles) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + (Files.exists(dir) ? " is not a directory" : " does not exist"));
        }
        Listing l = new Listing();
        Files.walkFileTree(dir, new SimpleFileVisitor<Path>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                return !d.equals(dir) && hidden(d) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                if (!hidden(f) && a.isRegularFile()) {
                    (allFiles || IMAGE_NAME.matcher(f.getFileName().toString()).matches() ? l.files : l.ignored).add(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                l.unreadable.put(f, "cannot be read: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
                return FileVisitResult.CONTINUE;
            }
        });
        Collections.sort(l.files);
        Collections.sort(l.ignored);
        return l;
    }

    private static boolean hidden(Path p) {
        return p.getFileName() != null && p.getFileName().toString().startsWith(".");
    }
}
