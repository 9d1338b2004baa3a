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

/**
 * The duplicates report: one self-contained HTML file (thumbnails inlined as JPEG data URIs, no
 * script or style fetched from anywhere), because people would rather look at duplicates than
 * read paths.
 */
final class HtmlReport {
    static final int THUMB = 180;

    private HtmlReport() {}

    /** One section of the report: a heading (HTML), the images, and lines of notes (text) under them. */
    static final class Group {
        final String heading;
        final List<String> ids;
        final List<String> notes;

        Group(String heading, List<String> ids, List<String> notes) {
            this.heading = heading;
            this.ids = ids;
            this.notes = notes;
        }
    }

    static void write(Path file, Path index, String criterion, long size, List<Group> groups) throws IOException {
        StringBuilder h = new StringBuilder(1 << 16);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>imgsim duplicates</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em;background:#fafafa;color:#222}\n")
                .append("section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1em;margin:1em 0}\n")
                .append("h2{font-size:1.05em;margin:0 0 .6em}\n.row{display:flex;flex-wrap:wrap;gap:1em}\n")
                .append("figure{margin:0;width:").append(THUMB).append("px}\n")
                .append("img,.none{width:").append(THUMB).append("px;height:").append(THUMB)
                .append("px;object-fit:contain;background:#eee;border-radius:4px}\n")
                .append(".none{display:flex;align-items:center;justify-content:center;color:#888;font-size:.8em}\n")
                .append("figcaption{font-size:.75em;word-break:break-all;margin-top:.3em}\n")
                .append(".notes{font-size:.8em;color:#444;margin:.6em 0 0;word-break:break-all}\n</style></head><body>\n");
        h.append("<h1>Duplicates</h1>\n<p>").append(groups.size()).append(groups.size() == 1 ? " group in " : " groups in ").append(esc(index.toString()))
                .append(" (").append(size).append(" images), ").append(criterion).append(".</p>\n");
        int n = 0;
        for (Group g : groups) {
            n++;
            h.append("<section><h2>Group ").append(n).append(": ").append(g.heading).append("</h2><div class=\"row\">\n");
            for (String id : g.ids) {
                String thumb = thumbnail(Paths.get(id));
                h.append("<figure>");
                if (thumb != null) {
                    h.append("<img alt=\"").append(esc(id)).append("\" src=\"data:image/jpeg;base64,").append(thumb).append("\">");
                } else {
                    h.append("<div class=\"none\">no preview</div>");
                }
                h.append("<figcaption>").append(esc(id)).append(sizeOf(Paths.get(id))).append("</figcaption></figure>\n");
            }
            h.append("</div>\n");
            if (!g.notes.isEmpty()) {
                h.append("<ul class=\"notes\">\n");
                for (String note : g.notes) {
                    h.append("<li>").append(esc(note)).append("</li>\n");
                }
                h.append("</ul>\n");
            }
            h.append("</section>\n");
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
