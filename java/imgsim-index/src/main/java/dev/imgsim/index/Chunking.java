package dev.imgsim.index;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How {@link TextIndex} splits a long document so nothing of it is lost to the model's window:
 * windows of whole sentences (up to a number of words; a longer sentence is cut by words),
 * consecutive windows sharing their boundary sentences (at least the overlap's words), each
 * embedded and indexed (for meaning and for BM25) as a child entry of the document; the document
 * scores by its best window, and its hits say which window matched ({@code chunk.start} /
 * {@code chunk.end}: character offsets in the document). Immutable.
 *
 * <p>Whole sentences matter: a statement cut in two by a window boundary is found by neither half.
 * The default, {@code words(64, 16)}, keeps a window well inside MiniLM's 256 tokens for English
 * prose (about 1.3 tokens a word) and small enough that one sentence still weighs in its window's
 * embedding; a document of up to 64 words stays one entry.
 */
public final class Chunking {
    /** One window of a document: character offsets, end exclusive. */
    public static final class Span {
        final int start;
        final int end;

        Span(int start, int end) {
            this.start = start;
            this.end = end;
        }

        /** @return the first character's offset */
        public int start() {
            return start;
        }

        /** @return the offset after the last character */
        public int end() {
            return end;
        }
    }

    /** Never split: a document longer than the model's window is embedded from its beginning only. */
    public static final Chunking NONE = new Chunking(0, 0);

    /** The default: windows of up to 64 words of whole sentences, sharing at least 16 words. */
    public static final Chunking DEFAULT = words(64, 16);

    private final int words;
    private final int overlap;

    private Chunking(int words, int overlap) {
        this.words = words;
        this.overlap = overlap;
    }

    /**
     * @param windowWords words per window (at least 8)
     * @param overlapWords words shared by consecutive windows (0 to half a window)
     * @return windows of words
     */
    public static Chunking words(int windowWords, int overlapWords) {
        if (windowWords < 8 || overlapWords < 0 || overlapWords > windowWords / 2) {
            throw new IllegalArgumentException("windows need at least 8 words and an overlap of 0 to half a window: "
                    + windowWords + ", " + overlapWords);
        }
        return new Chunking(windowWords, overlapWords);
    }

    /**
     * @param document a text
     * @return its windows; one covering the whole text when it is short enough (or chunking is off)
     */
    public List<Span> split(String document) {
        List<int[]> w = words(document);
        if (words == 0 || w.size() <= words) {
            return Collections.singletonList(new Span(0, document.length()));
        }
        // sentences as runs of words: a word ending in . ! or ? (before closing quotes) ends one
        List<int[]> sentences = new ArrayList<>(); // {first word, last word}
        int first = 0;
        for (int i = 0; i < w.size(); i++) {
            boolean end = endsSentence(document, w.get(i)[1]) || i == w.size() - 1;
            if (end || i - first + 1 >= words) { // an over-long sentence is cut by words
                sentences.add(new int[] {first, i});
                first = i + 1;
            }
        }
        List<Span> out = new ArrayList<>();
        int s = 0;
        while (true) {
            int e = s;
            int count = sentences.get(s)[1] - sentences.get(s)[0] + 1;
            while (e + 1 < sentences.size() && count + sentences.get(e + 1)[1] - sentences.get(e + 1)[0] + 1 <= words) {
                e++;
                count += sentences.get(e)[1] - sentences.get(e)[0] + 1;
            }
            out.add(new Span(w.get(sentences.get(s)[0])[0], w.get(sentences.get(e)[1])[1]));
            if (e == sentences.size() - 1) {
                return out;
            }
            // the next window starts early enough to share at least `overlap` words (whole sentences)
            int next = e + 1;
            int shared = 0;
            while (next - 1 > s && shared < overlap) {
                next--;
                shared += sentences.get(next)[1] - sentences.get(next)[0] + 1;
            }
            s = next;
        }
    }

    private static List<int[]> words(String document) {
        List<int[]> w = new ArrayList<>();
        int i = 0;
        int n = document.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(document.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            while (i < n && !Character.isWhitespace(document.charAt(i))) {
                i++;
            }
            w.add(new int[] {start, i});
        }
        return w;
    }

    private static boolean endsSentence(String text, int wordEnd) {
        int j = wordEnd - 1;
        while (j >= 0 && "\"')]\u201D\u2019".indexOf(text.charAt(j)) >= 0) {
            j--;
        }
        return j >= 0 && ".!?".indexOf(text.charAt(j)) >= 0;
    }

    @Override
    public String toString() {
        return words == 0 ? "no chunking" : "windows of up to " + words + " words of whole sentences, overlap >= "
                + overlap;
    }
}
