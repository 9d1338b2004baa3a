package dev.imgsim.cli;

import java.util.List;
import java.util.Locale;

/** The little JSON the commands print: strings, numbers, lists, objects, written by hand. */
final class Json {
    private final StringBuilder sb = new StringBuilder();

    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }

    static String number(double d) {
        if (!Double.isFinite(d)) {
            return "null";
        }
        return String.format(Locale.ROOT, "%.6f", d).replaceAll("0+$", "").replaceAll("\\.$", ".0");
    }

    static String strings(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(string(items.get(i)));
        }
        return b.append(']').toString();
    }

    Json open(char c) {
        sb.append(c);
        return this;
    }

    Json close(char c) {
        sb.append(c);
        return this;
    }

    /** A key and a value already in JSON; commas are the caller's. */
    Json field(String key, String jsonValue) {
        sb.append(string(key)).append(": ").append(jsonValue);
        return this;
    }

    Json raw(String s) {
        sb.append(s);
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /** Prints search hits: a JSON list of {"id", "similarity"}, or "similarity  id" lines. */
    static void printHits(java.io.PrintWriter out, java.util.List<dev.imgsim.index.Hit> hits, boolean json) {
        if (json) {
            Json j = new Json().open('[');
            for (int i = 0; i < hits.size(); i++) {
                j.raw(i == 0 ? "" : ", ").open('{').field("id", string(hits.get(i).id())).raw(", ")
                        .field("similarity", number(hits.get(i).similarity()));
                String rerank = hits.get(i).fields().get(dev.imgsim.index.Reranker.SCORE_FIELD);
                if (rerank != null) {
                    j.raw(", ").field("rerank", number(Double.parseDouble(rerank)));
                }
                j.close('}');
            }
            out.println(j.close(']'));
        } else {
            for (dev.imgsim.index.Hit h : hits) {
                String rerank = h.fields().get(dev.imgsim.index.Reranker.SCORE_FIELD);
                out.printf(java.util.Locale.ROOT, "%.4f  %s%s%n", h.similarity(), h.id(),
                        rerank == null ? "" : String.format(java.util.Locale.ROOT, "  (rerank %.4f)", Double.parseDouble(rerank)));
            }
        }
    }

    /** The fields of a copy decision, for inside an object: similarity, copy, band, confidence, transform, ... */
    Json match(dev.imgsim.Match m) {
        return field("similarity", number(m.similarity())).raw(", ").field("copy", Boolean.toString(m.isCopy())).raw(", ")
                .field("band", string(m.band().name().toLowerCase(Locale.ROOT))).raw(", ")
                .field("confidence", number(m.confidence())).raw(", ")
                .field("transform", string(m.transform().name().toLowerCase(Locale.ROOT))).raw(", ")
                .field("verification", number(m.verification())).raw(", ")
                .field("inliers", Integer.toString(m.inliers())).raw(", ")
                .field("alignment", string(m.alignment().name().toLowerCase(Locale.ROOT))).raw(", ")
                .field("area", number(m.area())).raw(", ")
                .field("hue_mismatch", number(m.hueMismatch())).raw(", ")
                .field("description", string(m.describe()));
    }
}
