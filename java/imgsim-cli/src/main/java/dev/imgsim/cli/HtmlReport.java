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

import dev.imgsim.dupes.FileFacts;

/**
 * The duplicates report and review page: one self-contained HTML file (thumbnails inlined as JPEG
 * data URIs, its script and style inline, nothing fetched from anywhere), because people would
 * rather look at duplicates than read paths. Each image shows its size, resolution, format and
 * date with the difference to the group's keeper, and keep / remove / not-a-duplicate controls
 * (the keeper pre-selected); "Export decisions" writes the choices as a decisions file that
 * {@code imgsim dupes --decisions FILE --action ... --apply} carries out.
 */
final class HtmlReport {
    static final int THUMB = 180;

    private HtmlReport() {}

    /** One section of the report: a heading (HTML), the images, and lines of notes (text) under them. */
    static final class Group {
        final String heading;
        final List<String> ids;
        final List<String> notes;
        String keeper;
        String keepWhy;

        Group(String heading, List<String> ids, List<String> notes) {
            this.heading = heading;
            this.ids = ids;
            this.notes = notes;
        }

        Group keep(String keeper, String why) {
            this.keeper = keeper;
            this.keepWhy = why;
            return this;
        }
    }

    private static final String SCRIPT = String.join("\n",
            "function decisions(){",
            " const lines=[]; const now=new Date().toISOString();",
            " document.querySelectorAll('section[data-group]').forEach(sec=>{",
            "  const figs=[...sec.querySelectorAll('figure[data-sha]')];",
            "  figs.forEach(f=>{",
            "   const notdup=f.querySelector('input.notdup').checked;",
            "   const choice=notdup?'keep':(f.querySelector('input[type=radio]:checked')||{value:'keep'}).value;",
            "   lines.push(JSON.stringify({verdict:choice,sha256:[f.dataset.sha],paths:[f.dataset.path],time:now}));",
            "   if(notdup){figs.filter(o=>o!==f).forEach(o=>lines.push(JSON.stringify({verdict:'not-duplicate',",
            "     sha256:[f.dataset.sha,o.dataset.sha],paths:[f.dataset.path,o.dataset.path],time:now})));}",
            "  });",
            " });",
            " return lines.join('\\n')+'\\n';",
            "}",
            "function exportDecisions(){",
            " const text=decisions(); const out=document.getElementById('decisions'); out.value=text; out.hidden=false;",
            " const a=document.getElementById('download');",
            " a.href=URL.createObjectURL(new Blob([text],{type:'application/x-ndjson'})); a.hidden=false;",
            " const sel=[...document.querySelectorAll('figure')].filter(f=>f.querySelector('input[value=remove]:checked')",
            "  &&!f.querySelector('input.notdup').checked).length;",
            " document.getElementById('summary').textContent=sel+' file(s) marked remove';",
            "}",
            "document.addEventListener('change',e=>{const f=e.target.closest('figure');",
            " if(f){f.classList.toggle('removed',!!f.querySelector('input[value=remove]:checked')&&!f.querySelector('input.notdup').checked);}});",
            "document.querySelectorAll('figure').forEach(f=>f.classList.toggle('removed',!!f.querySelector('input[value=remove]:checked')));");

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
                .append(".notes{font-size:.8em;color:#444;margin:.6em 0 0;word-break:break-all}\n")
                .append(".facts{font-size:.72em;color:#555}.keeper img{outline:3px solid #2a7}.removed img{opacity:.35}\n")
                .append(".choice{font-size:.75em;margin-top:.3em}.choice label{display:block}.badge{font-size:.7em;color:#2a7}\n")
                .append("#bar{position:sticky;top:0;background:#fafafa;padding:.5em 0}textarea{width:100%;height:8em}\n")
                .append("</style></head><body>\n");
        h.append("<h1>Duplicates</h1>\n<p>").append(groups.size()).append(groups.size() == 1 ? " group in " : " groups in ").append(esc(index.toString()))
                .append(" (").append(size).append(" images), ").append(criterion).append(".</p>\n");
        h.append("<div id=\"bar\"><button id=\"export\" onclick=\"exportDecisions()\">Export decisions</button> "
                + "<a id=\"download\" download=\"imgsim-decisions.jsonl\" hidden>download imgsim-decisions.jsonl</a> "
                + "<span id=\"summary\"></span><br><small>Then: <code>imgsim dupes --index IDX --decisions "
                + "imgsim-decisions.jsonl --action trash --apply</code> (or move --to DIR; a dry run without --apply)</small>"
                + "<textarea id=\"decisions\" hidden readonly></textarea></div>\n");
        int n = 0;
        for (Group g : groups) {
            n++;
            h.append("<section data-group=\"").append(n).append("\"><h2>Group ").append(n).append(": ").append(g.heading)
                    .append("</h2>");
            if (g.keeper != null) {
                h.append("<p class=\"badge\">keeper: ").append(esc(g.keeper)).append(" (").append(esc(g.keepWhy)).append(")</p>");
            }
            h.append("<div class=\"row\">\n");
            FileFacts keeperFacts = g.keeper == null ? null : facts(g.keeper);
            int i = 0;
            for (String id : g.ids) {
                i++;
                String thumb = thumbnail(Paths.get(id));
                FileFacts f = facts(id);
                boolean isKeeper = id.equals(g.keeper);
                h.append("<figure").append(isKeeper ? " class=\"keeper\"" : "").append(" data-path=\"").append(esc(id))
                        .append("\" data-sha=\"").append(f == null ? "" : sha(f)).append("\">");
                if (thumb != null) {
                    h.append("<img alt=\"").append(esc(id)).append("\" src=\"data:image/jpeg;base64,").append(thumb).append("\">");
                } else {
                    h.append("<div class=\"none\">no preview</div>");
                }
                h.append("<figcaption>").append(esc(id)).append(sizeOf(Paths.get(id)));
                if (f != null) {
                    h.append("<div class=\"facts\">").append(esc(describe(f, isKeeper ? null : keeperFacts))).append("</div>");
                }
                h.append("</figcaption>");
                if (f != null) {
                    String name = "g" + n + "-" + i;
                    boolean keep = g.keeper == null || isKeeper;
                    h.append("<div class=\"choice\"><label><input type=\"radio\" name=\"").append(name)
                            .append("\" value=\"keep\"").append(keep ? " checked" : "").append("> keep</label><label><input type=\"radio\""
                            + " name=\"").append(name).append("\" value=\"remove\"").append(keep ? "" : " checked")
                            .append("> remove</label><label><input type=\"checkbox\" class=\"notdup\"> not a duplicate</label></div>");
                }
                h.append("</figure>\n");
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
        h.append("<script>\n").append(SCRIPT).append("\n</script>\n</body></html>\n");
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

    private static FileFacts facts(String id) {
        try {
            return FileFacts.read(Paths.get(id));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String sha(FileFacts f) {
        try {
            return f.sha256();
        } catch (IOException e) {
            return "";
        }
    }

    /** Resolution, format and date, with the difference to the keeper's. */
    static String describe(FileFacts f, FileFacts keeper) {
        StringBuilder s = new StringBuilder();
        s.append(f.pixels() > 0 ? String.format(Locale.ROOT, "%.2f MP", f.pixels() / 1e6) : "size unknown");
        if (keeper != null && keeper.pixels() > 0 && f.pixels() > 0 && keeper.pixels() != f.pixels()) {
            s.append(String.format(Locale.ROOT, " (%+.0f %% vs keeper)", 100.0 * (f.pixels() - keeper.pixels()) / keeper.pixels()));
        }
        s.append(" · ").append(f.format().isEmpty() ? "?" : f.format());
        if (keeper != null && !keeper.format().equals(f.format())) {
            s.append(" (keeper ").append(keeper.format()).append(')');
        }
        s.append(" · ").append(f.date().toString(), 0, 10);
        if (f.metadataFields() > 0) {
            s.append(" · ").append(f.metadataFields()).append(" EXIF fields");
        }
        return s.toString();
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
