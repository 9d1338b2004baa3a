package dev.imgsim;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Random;

/** Test images and paths shared by the tests. */
final class TestImages {
    private TestImages() {}

    static Path root() {
        return Paths.get(System.getProperty("imgsim.root", ".")).toAbsolutePath();
    }

    static Path fixtures() {
        return root().resolve("models").resolve("fixtures");
    }

    /** A seeded picture with gradients, shapes and noise, as TYPE_INT_RGB. */
    static BufferedImage picture(int w, int h, long seed) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / Math.max(1, w - 1)) & 0xFF;
                int g = (y * 255 / Math.max(1, h - 1)) & 0xFF;
                int b = (int) (128 + 100 * Math.sin((x + y + seed) * 0.05));
                img.setRGB(x, y, r << 16 | g << 8 | (b & 0xFF));
            }
        }
        Graphics2D gr = img.createGraphics();
        for (int i = 0; i < 12; i++) {
            gr.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            int x = rnd.nextInt(w);
            int y = rnd.nextInt(h);
            if (i % 2 == 0) {
                gr.fillOval(x, y, 1 + rnd.nextInt(w / 3 + 1), 1 + rnd.nextInt(h / 3 + 1));
            } else {
                gr.fillRect(x, y, 1 + rnd.nextInt(w / 4 + 1), 1 + rnd.nextInt(h / 4 + 1));
            }
        }
        gr.dispose();
        for (int i = 0; i < w * h / 20; i++) {
            int x = rnd.nextInt(w);
            int y = rnd.nextInt(h);
            img.setRGB(x, y, rnd.nextInt(0x1000000));
        }
        return img;
    }

    /** The same pixels drawn into an image of another type (exact for the lossless types). */
    static BufferedImage convert(BufferedImage src, int type) {
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), type);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                out.setRGB(x, y, src.getRGB(x, y) | 0xFF000000);
            }
        }
        return out;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
