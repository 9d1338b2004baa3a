package dev.imgsim.index;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Random;

import javax.imageio.ImageIO;

/** Test pictures: seeded synthetic scenes, JPEG files, EXIF orientation tags. */
final class Pictures {
    private Pictures() {}

    static Path root() {
        return Paths.get(System.getProperty("imgsim.root", ".")).toAbsolutePath();
    }

    static Path samples() {
        return root().resolve("samples");
    }

    /** A seeded scene of gradients and shapes, different for every seed. */
    static BufferedImage scene(int w, int h, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, new Color(rnd.nextInt(0xFFFFFF)), w, h, new Color(rnd.nextInt(0xFFFFFF))));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 14; i++) {
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            int x = rnd.nextInt(w);
            int y = rnd.nextInt(h);
            int a = 4 + rnd.nextInt(w / 2);
            int b = 4 + rnd.nextInt(h / 2);
            switch (i % 3) {
                case 0:
                    g.fillOval(x - a / 2, y - b / 2, a, b);
                    break;
                case 1:
                    g.fillRect(x - a / 2, y - b / 2, a, b);
                    break;
                default:
                    g.fillPolygon(new int[] {x, x + a, x - a}, new int[] {y - b, y + b, y + b}, 3);
            }
        }
        g.dispose();
        return img;
    }

    static Path jpeg(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, "jpg", file.toFile())) {
            throw new IOException("no JPEG writer");
        }
        return file;
    }

    static Path png(Path file, BufferedImage img) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
        return file;
    }

    /** The picture on a white page {@code scale} times its size, under a title bar and above a line of text. */
    static BufferedImage screenshot(BufferedImage src, double scale) {
        int cw = (int) (src.getWidth() * scale);
        int ch = (int) (src.getHeight() * scale);
        BufferedImage out = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = out.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, cw, ch);
        g.setColor(new java.awt.Color(60, 90, 160));
        g.fillRect(0, 0, cw, ch / 12);
        g.setColor(java.awt.Color.BLACK);
        g.drawString("Screenshot of a page around the picture", 5, ch - 8);
        g.drawImage(src, (cw - src.getWidth()) / 3, (ch - src.getHeight()) / 2, null);
        g.dispose();
        return out;
    }

    /** The picture turned a quarter clockwise (what a camera stores when EXIF orientation 8 applies). */
    /** {@code src} with {@code delta} added to every channel (clamped). */
    static BufferedImage brighter(BufferedImage src, int delta) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int rgb = src.getRGB(x, y);
                int r = Math.min(255, ((rgb >> 16) & 0xff) + delta);
                int g = Math.min(255, ((rgb >> 8) & 0xff) + delta);
                int b = Math.min(255, (rgb & 0xff) + delta);
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    static BufferedImage rotate(BufferedImage src, int quarterTurnsClockwise) {
        int q = ((quarterTurnsClockwise % 4) + 4) % 4;
        int w = q % 2 == 0 ? src.getWidth() : src.getHeight();
        int h = q % 2 == 0 ? src.getHeight() : src.getWidth();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        AffineTransform t = new AffineTransform();
        t.translate(w / 2.0, h / 2.0);
        t.quadrantRotate(q);
        t.translate(-src.getWidth() / 2.0, -src.getHeight() / 2.0);
        g.drawImage(src, t, null);
        g.dispose();
        return out;
    }

    /**
     * Writes {@code upright} as a JPEG stored the way a camera with EXIF {@code orientation}
     * (3, 6 or 8) stores it: pixels turned, plus the tag that says how to turn them back.
     */
    static Path jpegWithOrientation(Path file, BufferedImage upright, int orientation) throws IOException {
        // the tag says how to rotate the stored pixels clockwise to view them
        int viewTurns = orientation == 3 ? 2 : orientation == 6 ? 1 : orientation == 8 ? 3 : 0;
        BufferedImage stored = rotate(upright, 4 - viewTurns);
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(stored, "jpg", jpeg);
        byte[] j = jpeg.toByteArray();
        byte[] tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, 0, 0, 0, 0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(j, 0, 2);
        int len = 2 + 6 + tiff.length;
        out.write(new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (len >> 8), (byte) len, 'E', 'x', 'i', 'f', 0, 0});
        out.write(tiff);
        out.write(j, 2, j.length - 2);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, out.toByteArray());
        return file;
    }
}
