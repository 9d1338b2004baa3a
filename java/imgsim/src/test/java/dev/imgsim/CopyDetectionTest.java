package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.font.TextLayout;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;


/** Copy detection through the public API: edits that keep a copy a copy, look-alikes and degenerate images that do not. */
public class CopyDetectionTest {
    private static ImageSimilarity sim;
    private static BufferedImage cat;
    private static BufferedImage coffee;

    @BeforeClass
    public static void open() throws IOException {
        sim = ImageSimilarity.create();
        Path s = TestImages.root().resolve("samples");
        cat = ImageIO.read(s.resolve("chelsea.jpg").toFile());
        coffee = ImageIO.read(s.resolve("coffee.jpg").toFile());
    }

    @AfterClass
    public static void close() {
        sim.close();
    }

    /** {@code src} turned {@code quarter} times counter-clockwise, mirrored left-right afterwards when asked. */
    static BufferedImage turned(BufferedImage src, int quarter, boolean mirror) {
        int w = src.getWidth();
        int h = src.getHeight();
        boolean swap = quarter % 2 == 1;
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int nx;
                int ny;
                switch (quarter % 4) {
                    case 1: nx = y; ny = w - 1 - x; break;
                    case 2: nx = w - 1 - x; ny = h - 1 - y; break;
                    case 3: nx = h - 1 - y; ny = x; break;
                    default: nx = x; ny = y;
                }
                if (mirror) {
                    nx = out.getWidth() - 1 - nx;
                }
                out.setRGB(nx, ny, src.getRGB(x, y));
            }
        }
        return out;
    }

    static BufferedImage padded(BufferedImage src, double scale, Color bg, boolean titleBar) {
        int cw = (int) (src.getWidth() * scale);
        int ch = (int) (src.getHeight() * scale);
        BufferedImage out = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(bg);
        g.fillRect(0, 0, cw, ch);
        if (titleBar) {
            g.setColor(new Color(60, 90, 160));
            g.fillRect(0, 0, cw, ch / 12);
            g.setColor(Color.BLACK);
            g.drawString("Screenshot of a page around the picture", 5, ch - 8);
        }
        g.drawImage(src, (cw - src.getWidth()) / 3, (ch - src.getHeight()) / 2, null);
        g.dispose();
        return out;
    }

    @Test
    public void anIdenticalImageIsAnExactCopy() {
        Match m = sim.compare(cat, cat);
        assertEquals(m.toString(), Band.EXACT_COPY, m.band());
        assertTrue(m.isCopy());
        assertEquals(Transform.NONE, m.transform());
        assertTrue(m.toString(), m.confidence() > 0.9);
        assertEquals(1.0, m.similarity(), 1e-4);
    }

    @Test
    public void everyTurnAndMirrorIsFoundAndNamed() {
        for (int q = 0; q < 4; q++) {
            for (boolean mirror : new boolean[] {false, true}) {
                if (q == 0 && !mirror) {
                    continue;
                }
                Match m = sim.compare(cat, turned(cat, q, mirror));
                assertEquals(q + " " + mirror + ": " + m, Band.EDITED_COPY, m.band());
                assertEquals(m.toString(), q, m.transform().degrees() / 90);
                assertEquals(m.toString(), mirror, m.transform().mirrored());
                assertEquals(Match.Alignment.WHOLE, m.alignment());
            }
        }
    }

    @Test
    public void cropsAndPaddingAreCopiesBothWays() {
        BufferedImage crop = cat.getSubimage(cat.getWidth() / 5, cat.getHeight() / 6, cat.getWidth() / 2, cat.getHeight() * 2 / 3);
        Match c = sim.compare(cat, crop);
        assertTrue(c.toString(), c.isCopy());
        assertEquals(c.toString(), Match.Alignment.SECOND_INSIDE_FIRST, c.alignment());
        assertEquals(c.toString(), 1.0 / 3, c.area(), 0.1);
        Match reverse = sim.compare(crop, cat);
        assertTrue(reverse.toString(), reverse.isCopy());
        assertEquals(Match.Alignment.FIRST_INSIDE_SECOND, reverse.alignment());
        // uniform padding is trimmed: whole-picture match
        Match pad = sim.compare(cat, padded(cat, 1.8, Color.WHITE, false));
        assertTrue(pad.toString(), pad.isCopy());
        // a screenshot around the picture (title bar, text): the picture is found inside it
        Match shot = sim.compare(cat, padded(cat, 1.6, new Color(245, 245, 245), true));
        assertTrue(shot.toString(), shot.isCopy());
        assertEquals(shot.toString(), Match.Alignment.FIRST_INSIDE_SECOND, shot.alignment());
        assertTrue(shot.describe(), shot.describe().startsWith("edited copy"));
    }

    @Test
    public void aScreenshotCarriesTheEmbeddingOfThePictureInsideIt() {
        // the picture takes a fifth of a page with a title bar and a line of text: its own
        // embedding is far from the picture's, the inner picture's is close
        BufferedImage shot = padded(cat, 2.2, Color.WHITE, true);
        CopyFeatures s = sim.analyze(shot);
        CopyFeatures c = sim.analyze(cat);
        assertTrue("a picture on a page has an inner picture", s.innerEmbedding().isPresent());
        assertFalse("a photo edge to edge has none", c.innerEmbedding().isPresent());
        assertFalse("a page with nothing on it has none", sim.analyze(new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB)).innerEmbedding().isPresent());
        double inner = ImageSimilarity.cosine(s.innerEmbedding().get(), c.embedding());
        double whole = ImageSimilarity.cosine(s.embedding(), c.embedding());
        assertTrue(inner + " vs " + whole, inner > 0.9 && inner > whole + 0.05);
        assertEquals(inner, c.similarity(s), 1e-6);
        assertEquals(inner, s.similarity(c), 1e-6);
        Match m = sim.compare(cat, shot);
        assertTrue(m.toString(), m.isCopy());
        assertEquals(m.toString(), Match.Alignment.FIRST_INSIDE_SECOND, m.alignment());
        // stored and read back, the inner picture's embedding is kept; one of the wrong length is refused
        CopyFeatures again = new CopyFeatures(s.embedding(), s.turnedEmbedding(), s.innerEmbedding().get(), s.fingerprint());
        assertTrue(java.util.Arrays.equals(s.innerEmbedding().get(), again.innerEmbedding().get()));
        assertThrows(IllegalArgumentException.class,
                () -> new CopyFeatures(s.embedding(), s.turnedEmbedding(), new float[3], s.fingerprint()));
    }

    /** {@code src} turned by {@code degrees} about its centre on a grey canvas of its size, then shrunk by {@code scale}. */
    static BufferedImage rotated(BufferedImage src, double degrees, double scale) {
        int w = (int) (src.getWidth() * scale);
        int h = (int) (src.getHeight() * scale);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(128, 128, 128));
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        AffineTransform t = new AffineTransform();
        t.translate(w / 2.0, h / 2.0);
        t.rotate(Math.toRadians(degrees));
        t.scale(scale, scale);
        t.translate(-src.getWidth() / 2.0, -src.getHeight() / 2.0);
        g.drawImage(src, t, null);
        g.dispose();
        return out;
    }

    @Test
    public void aCopyTurnedByAnOddAngleIsFoundByItsLocalFeatures() {
        // the grey grids cannot align a turn by an odd angle on their own; the local features can,
        // and under the map they agree on the grids correlate as a copy's (src/aligned.rs)
        Match m = sim.compare(cat, rotated(cat, 5, 1.0));
        assertTrue(m.toString(), m.isCopy());
        assertEquals(m.toString(), Match.Alignment.WHOLE, m.alignment());
        assertTrue(m.toString(), m.verification() >= 0.95);
        assertTrue(m.toString(), m.inliers() >= 80);
        // turned further, a picture this small (320 px) keeps ~115 agreeing features: just below the rule
        assertTrue(sim.compare(cat, rotated(cat, 15, 1.0)).inliers() >= 80);
        assertEquals(m.toString(), Transform.NONE, m.transform());
        Match mirrored = sim.compare(cat, turned(rotated(cat, -5, 1.0), 0, true));
        assertTrue(mirrored.toString(), mirrored.isCopy());
        assertEquals(mirrored.toString(), Transform.MIRROR, mirrored.transform());
        // a different picture matches few local features
        Match other = sim.compare(cat, rotated(coffee, 15, 0.8));
        assertFalse(other.toString(), other.isCopy());
        assertTrue(other.toString(), other.inliers() < 20);
    }

    /** {@code src} with a meme's caption: white bold capitals with a black outline, above and/or below. */
    static BufferedImage captioned(BufferedImage src, String top, String bottom) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(src, 0, 0, null);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, src.getHeight() / 9);
        int h = src.getHeight();
        String[] lines = {top, bottom};
        for (int i = 0; i < 2; i++) {
            if (lines[i] == null) {
                continue;
            }
            TextLayout text = new TextLayout(lines[i], font, g.getFontRenderContext());
            double x = (src.getWidth() - text.getAdvance()) / 2;
            double y = i == 0 ? h * 0.03 + text.getAscent() : h - h * 0.06;
            Shape outline = text.getOutline(AffineTransform.getTranslateInstance(x, y));
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(Math.max(2f, h / 100f)));
            g.draw(outline);
            g.setColor(Color.WHITE);
            g.fill(outline);
        }
        g.dispose();
        return out;
    }

    @Test
    public void aCaptionOrALogoLaidOverACopyIsSetAside() {
        // the caption's letters pull the whole-picture correlation far below a copy's; compared
        // again without the bands they cover (src/overlay.rs) the rest correlates as a copy's
        BufferedImage meme = captioned(cat, "WHEN YOU SEE IT", "MONDAY AGAIN");
        Match m = sim.compare(cat, meme);
        assertTrue(m.toString(), m.isCopy());
        assertEquals(m.toString(), Match.Alignment.WHOLE, m.alignment());
        assertTrue(m.toString(), m.verification() > 0.95);
        assertTrue(m.toString(), sim.compare(meme, cat).isCopy());
        // a caption beside a picture turned by a quarter: bands along the other two edges
        Match turned = sim.compare(turned(cat, 1, false), meme);
        assertTrue(turned.toString(), turned.isCopy());
        assertEquals(turned.toString(), Transform.TURN_270, turned.transform());
        // a badge in a corner
        BufferedImage badge = new BufferedImage(cat.getWidth(), cat.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = badge.createGraphics();
        g.drawImage(cat, 0, 0, null);
        g.setColor(new Color(200, 30, 40));
        int s = cat.getHeight() / 6;
        g.fillRoundRect(cat.getWidth() - s - 8, 8, s, s, s / 4, s / 4);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, s / 2));
        g.drawString("TV", cat.getWidth() - s - 8 + s / 6, 8 + 2 * s / 3);
        g.dispose();
        assertTrue(sim.compare(cat, badge).isCopy());
        // another picture under the same caption is not a copy
        assertFalse(sim.compare(captioned(coffee, "WHEN YOU SEE IT", "MONDAY AGAIN"), meme).isCopy());
    }

    /** {@code src} under a caption, shrunk to {@code scale}, on a white page with a title bar and lines of text around it. */
    static BufferedImage memeOnAPage(BufferedImage src, double scale) {
        BufferedImage meme = captioned(src, "WHEN YOU SEE IT", null);
        int w = (int) (src.getWidth() * scale);
        int h = (int) (src.getHeight() * scale);
        int cw = (int) (w * 2.5);
        int ch = (int) (h * 2.2);
        BufferedImage page = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = page.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, cw, ch);
        g.setColor(new Color(60, 90, 160));
        g.fillRect(0, 0, cw, ch / 14);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        int x0 = (cw - w) / 2;
        int y0 = (ch - h) / 2;
        g.drawImage(meme, x0, y0, w, h, null);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int y = ch / 14 + 14; y < y0 - 4; y += 14) {
            g.drawString("Posted by someone, with a line of text above the picture; thanks for sharing it again", 4, y);
        }
        g.drawString("monday again, look at this", 4, y0 + h + 16);
        g.dispose();
        return page;
    }

    @Test
    public void aSmallPictureOnABusyPageIsMatchedByItsOwnLocalFeatures() {
        // the picture takes a small part of a page whose text takes most of the page's local
        // features; the picture inside keeps its own (fingerprint version 5), matched with the original's
        BufferedImage page = memeOnAPage(cat, 0.6);
        CopyFeatures p = sim.analyze(page);
        assertTrue("a picture on a page has an inner picture", p.innerEmbedding().isPresent());
        assertEquals("written as version 5", 5, p.fingerprint()[0]);
        Match m = sim.compare(cat, page);
        assertTrue(m.toString(), m.inliers() >= 20);
        Match back = sim.compare(page, cat);
        assertEquals(m.toString() + " vs " + back, m.inliers(), back.inliers());
        // stored and read back, the same evidence
        CopyFeatures again = new CopyFeatures(p.embedding(), p.turnedEmbedding(), p.innerEmbedding().get(), p.fingerprint());
        assertEquals(m.inliers(), ImageSimilarity.verify(sim.analyze(cat), again).inliers());
        // another picture on the same page matches few
        assertTrue(sim.compare(coffee, page).inliers() < 10);
    }

    @Test
    public void theStrictCalibrationKeepsClearCopiesAndDropsWeakerEvidence() {
        CopyFeatures a = sim.analyze(cat);
        assertTrue(CopyCalibration.strict().verify(a, sim.analyze(turned(cat, 1, false))).isCopy());
        assertTrue(CopyCalibration.strict().verify(a, sim.analyze(rotated(cat, 5, 1.0))).isCopy());
        assertFalse(CopyCalibration.strict().verify(a, sim.analyze(coffee)).isCopy());
        assertTrue(CopyCalibration.strict().toString().contains("whole >= 0.970"));
    }

    /** A clip-art drawing: a shape in {@code fill} with a dark outline and white details, on white. */
    static BufferedImage clipArt(Color fill) {
        BufferedImage img = new BufferedImage(300, 260, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING, java.awt.RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 300, 260);
        java.awt.geom.Area shape = new java.awt.geom.Area(new java.awt.geom.RoundRectangle2D.Double(50, 60, 170, 150, 30, 30));
        shape.add(new java.awt.geom.Area(new java.awt.geom.Ellipse2D.Double(105, 20, 60, 60)));
        shape.add(new java.awt.geom.Area(new java.awt.geom.Ellipse2D.Double(195, 105, 70, 60)));
        shape.subtract(new java.awt.geom.Area(new java.awt.geom.Ellipse2D.Double(20, 110, 60, 55)));
        g.setColor(fill);
        g.fill(shape);
        g.setColor(new Color(20, 20, 20));
        g.setStroke(new java.awt.BasicStroke(6));
        g.draw(shape);
        g.setColor(Color.WHITE);
        g.fillOval(90, 95, 40, 25);
        g.fillRect(140, 150, 50, 12);
        g.dispose();
        return img;
    }

    static BufferedImage grayscale(BufferedImage src) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int p = src.getRGB(x, y);
                int l = (int) Math.round(0.299 * (p >> 16 & 255) + 0.587 * (p >> 8 & 255) + 0.114 * (p & 255));
                out.setRGB(x, y, l << 16 | l << 8 | l);
            }
        }
        return out;
    }

    @Test
    public void theSameDrawingInOtherColoursIsSimilarNotACopy() {
        BufferedImage blue = clipArt(new Color(30, 70, 220));
        BufferedImage green = clipArt(new Color(40, 170, 50));
        Match twin = sim.compare(blue, green);
        assertEquals(twin.toString(), Band.SIMILAR, twin.band());
        // the grey levels align (the outline and the details are the same): only the colour tells them apart
        assertTrue(twin.toString(), twin.verification() >= 0.9);
        assertTrue(twin.toString(), twin.hueMismatch() >= CopyCalibration.HUE_MISMATCH_VETO);
        assertTrue(twin.describe(), twin.describe().contains("other colours"));
        assertFalse(CopyCalibration.learned().verify(sim.analyze(blue), sim.analyze(green)).isCopy());
        assertFalse(sim.compare(green, blue).isCopy());
        // copies keep their hues, or have none to compare: a grayscale copy gives no colour evidence
        Match grey = sim.compare(blue, grayscale(blue));
        assertTrue(grey.toString(), grey.isCopy());
        assertEquals(grey.toString(), -1, grey.hueMismatch(), 0);
        Match turn = sim.compare(blue, turned(blue, 1, true));
        assertTrue(turn.toString(), turn.isCopy() && turn.hueMismatch() >= 0 && turn.hueMismatch() < 0.1);
    }

    @Test
    public void differentPicturesAreNotCopies() {
        Match m = sim.compare(cat, coffee);
        assertFalse(m.toString(), m.isCopy());
        assertTrue(m.confidence() < 0.5);
        assertEquals(Transform.NONE, m.transform());
        BufferedImage scene1 = TestImages.picture(300, 200, 1);
        BufferedImage scene2 = TestImages.picture(300, 200, 2);
        assertFalse(sim.compare(scene1, scene2).isCopy());
    }

    @Test
    public void degenerateImagesGetADefinedAnswerAndAreNeverCopies() {
        BufferedImage one = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        BufferedImage blank = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = blank.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 300, 200);
        g.dispose();
        BufferedImage strip = TestImages.picture(20_000, 10, 3);
        for (BufferedImage x : new BufferedImage[] {one, blank, strip}) {
            for (BufferedImage y : new BufferedImage[] {one, blank, strip, cat}) {
                Match m = sim.compare(x, y);
                if (x != strip || y != strip) {
                    assertFalse(x.getWidth() + "x" + x.getHeight() + " vs " + y.getWidth() + ": " + m, m.isCopy());
                }
                assertTrue(m.confidence() >= 0 && m.confidence() <= 1);
            }
        }
        assertFalse(sim.compare(blank, blank).isCopy());
    }

    @Test
    public void storedFeaturesVerifyWithoutTheModelAndBadOnesAreRefused() {
        CopyFeatures a = sim.analyze(cat);
        CopyFeatures b = sim.analyze(turned(cat, 1, false));
        assertTrue("local features stored", a.fingerprint().length > CopyFeatures.MIN_FINGERPRINT_BYTES + 6 + 20 * 38);
        assertTrue(a.fingerprint().length <= CopyFeatures.MAX_FINGERPRINT_BYTES);
        assertEquals(sim.embeddingSize(), a.turnedEmbedding().length);
        CopyFeatures copy = new CopyFeatures(b.embedding(), b.turnedEmbedding(), b.fingerprint());
        assertEquals(Transform.TURN_90, ImageSimilarity.verify(a, copy).transform());
        // the embedding of the turned image is close to the stored turned embedding
        assertTrue(ImageSimilarity.cosine(a.turnedEmbedding(), b.embedding()) > 0.95);
        assertThrows(IllegalArgumentException.class, () -> new CopyFeatures(a.embedding(), a.turnedEmbedding(), new byte[10]));
        byte[] bad = a.fingerprint();
        bad[0] = 42; // version
        CopyFeatures corrupt = new CopyFeatures(a.embedding(), a.turnedEmbedding(), bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSimilarity.verify(a, corrupt));
        assertTrue(e.getMessage(), e.getMessage().contains("fingerprint"));
        assertThrows(NullPointerException.class, () -> ImageSimilarity.verify(a, null));
    }

    @Test
    public void analyzingWorksOnFilesAndBytesAndAClosedInstanceSaysSo() throws IOException {
        Path jpg = TestImages.root().resolve("samples").resolve("chelsea.jpg");
        CopyFeatures f = sim.analyze(jpg);
        CopyFeatures bytes = sim.analyze(java.nio.file.Files.readAllBytes(jpg), "chelsea.jpg");
        assertEquals(Band.EXACT_COPY, ImageSimilarity.verify(f, bytes).band());
        assertTrue(sim.compare(jpg, TestImages.root().resolve("samples").resolve("chelsea-cropped-brighter.jpg")).isCopy());
        ImageDecodeException missing = assertThrows(ImageDecodeException.class, () -> sim.analyze(jpg.resolveSibling("nope.jpg")));
        assertTrue(missing.getMessage().contains("nope.jpg"));
        ImageSimilarity closed = ImageSimilarity.create();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.analyze(jpg));
    }

    @Test
    public void calibrationFromBackgroundOnlyRaisesTheBar() {
        double[] background = new double[1000];
        for (int i = 0; i < background.length; i++) {
            background[i] = 0.5 + 0.45 * i / background.length; // up to 0.95
        }
        CopyCalibration c = CopyCalibration.fromBackground(background, 0.001);
        assertTrue(c.toString(), c.wholeThreshold() > 0.949);
        assertTrue(c.partThreshold(0.5) >= CopyCalibration.defaults().partThreshold(0.5));
        double[] low = new double[200];
        assertEquals(CopyCalibration.defaults().wholeThreshold(), CopyCalibration.fromBackground(low, 0.01).wholeThreshold(), 0);
        assertThrows(IllegalArgumentException.class, () -> CopyCalibration.fromBackground(new double[5], 0.01));
        assertThrows(IllegalArgumentException.class, () -> CopyCalibration.fromBackground(low, 0));
    }

    @Test
    public void calibrationFromLabelledPairsStopsAtTheLowestCopyThatKeepsThePrecision() {
        double[] copies = {0.99, 0.95, 0.6};
        double[] notCopies = {0.7, 0.1};
        assertEquals(0.95, CopyCalibration.fromLabelled(copies, notCopies, 0.99).copyThreshold(), 0);
        assertEquals(0.6, CopyCalibration.fromLabelled(copies, notCopies, 0.7).copyThreshold(), 0);
        // no copy above the look-alikes: above all of them, never below the learned default
        CopyCalibration c = CopyCalibration.fromLabelled(new double[] {0.2}, new double[] {0.95}, 0.99);
        assertTrue(c.toString(), c.copyThreshold() > 0.95);
        assertThrows(IllegalArgumentException.class, () -> CopyCalibration.fromLabelled(new double[0], notCopies, 0.99));
        assertThrows(IllegalArgumentException.class, () -> CopyCalibration.fromLabelled(copies, notCopies, 0));
        assertThrows(IllegalArgumentException.class, () -> CopyCalibration.withThreshold(1.5));
        assertEquals(0.5, CopyCalibration.withThreshold(0.5).copyThreshold(), 0);
        assertTrue(CopyCalibration.withThreshold(0.5).isLearned() && !CopyCalibration.defaults().isLearned());
        assertTrue(Double.isNaN(CopyCalibration.defaults().copyThreshold()));
        assertTrue(Double.isNaN(CopyCalibration.learned().wholeThreshold()));
    }

    @Test
    public void verifyingOneAgainstManyDecidesEachPairAsVerifyDoes() {
        CopyFeatures a = sim.analyze(cat);
        BufferedImage crop = cat.getSubimage(cat.getWidth() / 5, cat.getHeight() / 6, cat.getWidth() / 2, cat.getHeight() * 2 / 3);
        java.util.List<CopyFeatures> bs = java.util.Arrays.asList(sim.analyze(crop), sim.analyze(turned(cat, 1, false)),
                sim.analyze(coffee), sim.analyze(padded(cat, 1.6, new Color(245, 245, 245), true)), sim.analyze(rotated(cat, 5, 1.0)), a);
        for (CopyCalibration cal : new CopyCalibration[] {CopyCalibration.defaults(), CopyCalibration.strict(), CopyCalibration.learned()}) {
            for (int parts : new int[] {0, 2, bs.size(), 100}) {
                java.util.List<Match> all = cal.verifyAll(a, bs, parts);
                assertEquals(bs.size(), all.size());
                for (int i = 0; i < bs.size(); i++) {
                    Match one = cal.verify(a, bs.get(i), i < parts);
                    Match m = all.get(i);
                    String what = cal + " parts " + parts + " pair " + i + ": " + one + " vs " + m;
                    assertEquals(what, one.toString(), m.toString());
                    assertEquals(what, one.confidence(), m.confidence(), 0.0);
                    assertEquals(what, one.similarity(), m.similarity(), 0.0);
                    assertEquals(what, one.verification(), m.verification(), 0.0);
                    assertEquals(what, one.area(), m.area(), 0.0);
                    assertEquals(what, one.hueMismatch(), m.hueMismatch(), 0.0);
                    assertEquals(what, one.inliers(), m.inliers());
                    assertEquals(what, one.band(), m.band());
                    assertEquals(what, one.transform(), m.transform());
                    assertEquals(what, one.alignment(), m.alignment());
                    Match other = cal.verify(bs.get(i), a, i < parts);
                    Match against = cal.verifyAgainst(bs, a, parts).get(i);
                    assertEquals(what, other.toString(), against.toString());
                    assertEquals(what, other.confidence(), against.confidence(), 0.0);
                    assertEquals(what, other.area(), against.area(), 0.0);
                    assertEquals(what, other.alignment(), against.alignment());
                }
            }
        }
        // the crop is found with its parts searched, either way round
        assertTrue(CopyCalibration.defaults().verifyAll(a, bs, 1).get(0).isCopy());
        assertEquals(Match.Alignment.SECOND_INSIDE_FIRST, CopyCalibration.defaults().verifyAll(a, bs, 1).get(0).alignment());
        assertEquals(Match.Alignment.FIRST_INSIDE_SECOND, CopyCalibration.defaults().verifyAgainst(bs, a, 1).get(0).alignment());
        assertTrue(CopyCalibration.defaults().verifyAll(a, java.util.Collections.emptyList(), 3).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> CopyCalibration.defaults().verifyAll(a, bs, -1));
        assertThrows(NullPointerException.class, () -> CopyCalibration.defaults().verifyAll(a, java.util.Arrays.asList(a, null), 0));
    }

    @Test
    public void theNativeBatchNamesWhatIsWrongWithItsInput() {
        byte[] fp = sim.analyze(cat).fingerprintUnsafe();
        int[] one = {0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.imgsim.internal.Native.verifyMany(fp, new byte[][] {fp, null}, new int[] {0, 0}));
        assertTrue(e.getMessage(), e.getMessage().contains("fingerprint 1 is null"));
        e = assertThrows(IllegalArgumentException.class, () -> dev.imgsim.internal.Native.verifyMany(fp, new byte[][] {fp}, new int[] {0, 0}));
        assertTrue(e.getMessage(), e.getMessage().contains("1 fingerprints but 2 flags"));
        e = assertThrows(IllegalArgumentException.class, () -> dev.imgsim.internal.Native.verifyMany(fp, null, one));
        assertTrue(e.getMessage(), e.getMessage().contains("null"));
        assertThrows(IllegalArgumentException.class, () -> dev.imgsim.internal.Native.verifyMany(fp, new byte[][] {new byte[10]}, one));
        // a pair with VERIFY_ALSO_PARTS gets two verdicts, the second with its parts searched
        float[] v = dev.imgsim.internal.Native.verifyMany(fp, new byte[][] {fp, fp}, new int[] {dev.imgsim.internal.Native.VERIFY_ALSO_PARTS, 0});
        assertEquals(3 * dev.imgsim.internal.Native.VERDICT_LENGTH, v.length);
    }

    @Test
    public void aPairIsDecidedTheSameWhicheverPictureComesFirst() throws IOException {
        Path jpg = TestImages.root().resolve("samples").resolve("chelsea.jpg");
        CopyFeatures big = sim.analyze(jpg);
        CopyFeatures small = sim.analyze(rotated(cat, 0, 0.5)); // half the size
        CopyFeatures crop = sim.analyze(TestImages.root().resolve("samples").resolve("chelsea-cropped-brighter.jpg"));
        for (CopyFeatures other : new CopyFeatures[] {small, crop}) {
            Match ab = CopyCalibration.learned().verify(big, other);
            Match ba = CopyCalibration.learned().verify(other, big);
            assertTrue(ab.toString(), ab.isCopy());
            assertTrue(ba.toString(), ba.isCopy());
            assertEquals(ab + " vs " + ba, ab.confidence(), ba.confidence(), 0.1);
        }
    }

    @Test
    public void theLearnedDecisionCallsClearCopiesAndNotOtherPictures() {
        CopyFeatures a = sim.analyze(cat);
        Match turned = CopyCalibration.learned().verify(a, sim.analyze(turned(cat, 1, false)));
        assertTrue(turned.toString(), turned.isCopy());
        assertEquals(Transform.TURN_90, turned.transform());
        Match other = CopyCalibration.learned().verify(a, sim.analyze(coffee));
        assertFalse(other.toString(), other.isCopy());
        assertTrue(other.confidence() < 0.05);
        assertTrue(CopyCalibration.learned().toString(), CopyCalibration.learned().toString().contains("probability >="));
    }

    @Test
    public void aCopyTheEmbeddingsPullApartIsVerifiedInFullUnlessScreened() {
        CopyFeatures a = sim.analyze(cat);
        int w = cat.getWidth(), h = cat.getHeight();
        int cw = (int) (w * 0.45), ch = (int) (h * 0.45);
        // a fifth of the picture, from two corners: the embeddings fall below the 0.6 screen
        for (int[] at : new int[][] {{0, 0}, {w - cw, h - ch}}) {
            CopyFeatures b = sim.analyze(cat.getSubimage(at[0], at[1], cw, ch));
            Match thorough = CopyCalibration.defaults().verify(a, b);
            assertTrue(thorough.toString(), thorough.similarity() < 0.6);
            assertTrue(thorough.toString(), thorough.isCopy() && thorough.alignment() == Match.Alignment.SECOND_INSIDE_FIRST);
            assertTrue(thorough.toString(), thorough.inliers() > 0 && thorough.area() < 0.3);
            assertEquals(thorough.toString(), CopyCalibration.defaults().verifyAll(a, java.util.List.of(b), 1).get(0).toString());
            // bulk work compares such a pair as whole grids only: no local features, no part search
            Match screened = CopyCalibration.defaults().verifyAllScreened(a, java.util.List.of(b), 1).get(0);
            assertFalse(screened.toString(), screened.isCopy());
            assertEquals(screened.toString(), 0, screened.inliers());
            assertEquals(screened.toString(), Match.Alignment.WHOLE, screened.alignment());
        }
    }
}
