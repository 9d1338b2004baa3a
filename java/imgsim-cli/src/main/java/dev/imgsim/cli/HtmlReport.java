package dev.imgsim.cli;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import dev.imgsim.index.DuplicateGroup;

/**
 * The duplicates report: one self-contained HTML file (thumbnails inlined as JPEG data URIs, no
 * script or style fetched from anywhere), because people would rather look at duplicates than
 * read paths.
 */
final class HtmlReport {
    static final int THUMB = 180;

    private HtmlReport() {}

    static void write(Path file, Path index, double threshold, long size, List<DuplicateGroup> groups) throws IOException {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>imgsim duplicates</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;background:#fafafa;color:#222}\n")
                .append("section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}\n")
                .append("h2{font-size:1.05em;margin:0 0 .6em}\n.row{display:flex;flex-wrap:wrap;gap:1em}\n")
                .append("figure{margin:0;width:").append(THUMB).append("px}\n")
                .append("img,.none{width:").append(THUMB).append("px;height:").append(THUMB)
                .append("px;object-fit:contain;background:#eee;border-radius:4px}\n")
                .append(".none{display:flex;align-items:center;justify-content:center;color:#888;font-size:.8em}\n")
                .append("figcaption{font-size:.75em;word-break:break-all;margin-top:.3em}\n</style></head><body>\n");
        h.append("<h1>Duplicates</h1>\n<p>").append(groups.size()).append(groups.size() == 1 ? " group in " : " groups in ").append(esc(index.toString()))
                .append(" (").append(size).append(" images), cosine similarity &ge; ")
                .append(String.format(Locale.ROOT, "%.3f", threshold)).append(".</p>\n");
        int n = 0;
        for (DuplicateGroup g : groups) {
            n++;
            h.append("<section><h2>Group ").append(n).append(": ").append(g.ids().size()).append(" images, similarity &ge; ")
                    .append(String.format(Locale.ROOT, "%.4f", g.similarity())).append("</h2><div class=\"row\">\n");
            for (String id : g.ids()) {
                String thumb = thumbnail(Paths.get(id));
                h.append("<figure>");
                if (thumb != null) {
                    h.append("<img alt=\"").append(esc(id)).append("\" src=\"data:image/jpeg;base64,").append(thumb).append("\">");
                } else {
                    h.append("<div class=\"none\">no preview</div>");
                }
                h.append("<figcaption>").append(esc(id)).append(sizeOf(Paths.get(id))).append("</figcaption></figure>\n");
            }
            h.append("</div></section>\n");
        }
        h.append("</body></html>\n");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, h.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** A JPEG thumbnail, base64; null when Java cannot read the file (it may have been moved, or be WebP). */
    static String thumbnail(Path file) {
        try {
            BufferedImage src = ImageIO.read(file.toFile());
            if (src == null) {
                return null;
            }
            double s = Math.min(1.0, (double) THUMB / Math.max(src.getWidth(), src.getHeight()));
            int w = Math.max(1, (int) Math.round(src.getWidth() * s));
            int hh = Math.max(1, (int) Math.round(src.getHeight() * s));
            BufferedImage t = new BufferedImage(w, hh, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = t.createGraphics();
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, w, hh);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, hh, null);
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(t, "jpg", out);
            return Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String sizeOf(Path p) {
        try {
            return String.format(Locale.ROOT, "<br>%.1f kB", Files.size(p) / 1024.0);
        } catch (IOException e) {
            return "";
        }
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
