package dev.imgsim.spring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.TextIndex;

/**
 * {@code /actuator/health}'s {@code imgsim} component: UP when the image model is loaded and each
 * configured index is open, its directory readable and its disk has at least
 * {@code imgsim.health.min-free-disk} free; DOWN otherwise, with the reason. Details: the model's
 * SHA-256 and dimension, each index's directory, size and free disk space.
 */
public class ImgsimHealthIndicator implements HealthIndicator {
    private final ImageSimilarity sim;
    private final ImageIndex imageIndex;
    private final TextIndex textIndex;
    private final long minFreeDisk;

    /**
     * @param sim the image model
     * @param imageIndex the image index, or null
     * @param textIndex the text index, or null
     * @param minFreeDisk bytes of free disk below which an index is DOWN
     */
    public ImgsimHealthIndicator(ImageSimilarity sim, ImageIndex imageIndex, TextIndex textIndex, long minFreeDisk) {
        this.sim = sim;
        this.imageIndex = imageIndex;
        this.textIndex = textIndex;
        this.minFreeDisk = minFreeDisk;
    }

    @Override
    public Health health() {
        Health.Builder h = Health.up();
        if (sim.isClosed()) {
            return Health.down().withDetail("reason", "the image model is closed").build();
        }
        h.withDetail("model", sim.modelSha256()).withDetail("dimension", sim.embeddingSize());
        String down = null;
        if (imageIndex != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            down = check(imageIndex.directory(), imageIndex::size, d);
            h.withDetail("imageIndex", d);
        }
        if (textIndex != null) {
            Map<String, Object> d = new LinkedHashMap<>();
            String textDown = check(textIndex.vectors().directory(), textIndex::size, d);
            down = down != null ? down : textDown;
            h.withDetail("textIndex", d);
        }
        if (down != null) {
            h.down().withDetail("reason", down);
        }
        return h.build();
    }

    /** @return why the index is DOWN, or null */
    private String check(Path dir, java.util.function.LongSupplier size, Map<String, Object> d) {
        d.put("directory", dir.toAbsolutePath().toString());
        if (!Files.isDirectory(dir) || !Files.isReadable(dir)) {
            return "the index directory " + dir.toAbsolutePath() + " is missing or unreadable";
        }
        try {
            d.put("documents", size.getAsLong());
        } catch (RuntimeException e) {
            return "the index " + dir.toAbsolutePath() + " cannot be read: " + e.getMessage();
        }
        try {
            long free = Files.getFileStore(dir).getUsableSpace();
            d.put("freeDiskBytes", free);
            if (free < minFreeDisk) {
                return "only " + free + " bytes free on the disk of " + dir.toAbsolutePath() + " (imgsim.health.min-free-disk is "
                        + minFreeDisk + ")";
            }
        } catch (IOException e) {
            return "cannot read the free space of " + dir.toAbsolutePath() + ": " + e;
        }
        return null;
    }
}
