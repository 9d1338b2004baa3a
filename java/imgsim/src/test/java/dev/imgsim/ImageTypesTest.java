package dev.imgsim;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.awt.color.ColorSpace;
import java.awt.Transparency;
import java.util.Hashtable;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

import dev.imgsim.internal.RasterAdapter;

/** Every BufferedImage layout gives the embedding of the same pixels as TYPE_INT_RGB. */
public class ImageTypesTest {
    private static ImageSimilarity sim;
    private static BufferedImage rgb;
    private static float[] expected;

    @BeforeClass
    public static void open() {
        sim = ImageSimilarity.create();
        rgb = TestImages.picture(173, 129, 42);
        expected = sim.embed(rgb);
    }

    @AfterClass
    public static void close() {
        sim.close();
    }

    private static void assertSameEmbedding(String what, BufferedImage img) {
        double d = TestImages.maxAbsDiff(expected, sim.embed(img));
        assertTrue(what + ": max abs difference " + d, d <= 1e-5);
    }

    @Test
    public void losslessTypesMatchIntRgb() {
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_ARGB_PRE,
            BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR,
            BufferedImage.TYPE_4BYTE_ABGR_PRE};
        for (int type : types) {
            BufferedImage img = TestImages.convert(rgb, type);
            assertTrue("type " + type + " is read in place", RasterAdapter.isDirect(img));
            assertSameEmbedding("type " + type, img);
        }
    }

    @Test
    public void byteGrayMatchesRgbWithEqualChannels() {
        BufferedImage gray = new BufferedImage(97, 61, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage same = new BufferedImage(97, 61, BufferedImage.TYPE_INT_RGB);
        WritableRaster r = gray.getRaster();
        for (int y = 0; y < 61; y++) {
            for (int x = 0; x < 97; x++) {
                int g = (x * 7 + y * 13 + (x * y) % 31) & 0xFF;
                r.setSample(x, y, 0, g);
                same.setRGB(x, y, g << 16 | g << 8 | g);
            }
        }
        double d = TestImages.maxAbsDiff(sim.embed(same), sim.embed(gray));
        assertTrue("gray vs rgb: " + d, d <= 1e-5);
    }

    @Test
    public void ushortGrayScalesLinearly() {
        BufferedImage gray16 = new BufferedImage(64, 48, BufferedImage.TYPE_USHORT_GRAY);
        BufferedImage same = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                int g = (x * 4 + y) & 0xFF;
                gray16.getRaster().setSample(x, y, 0, g * 257);
                same.setRGB(x, y, g << 16 | g << 8 | g);
            }
        }
        assertTrue(TestImages.maxAbsDiff(sim.embed(same), sim.embed(gray16)) <= 1e-5);
    }

    @Test
    public void subimageEqualsCopiedRegion() {
        int[] types = {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR,
            BufferedImage.TYPE_BYTE_GRAY};
        for (int type : types) {
            BufferedImage parent = TestImages.convert(TestImages.picture(200, 150, 7), type);
            int[][] regions = {{13, 21, 101, 77}, {0, 0, 50, 150}, {150, 100, 50, 50}, {199, 149, 1, 1}};
            for (int[] rg : regions) {
                BufferedImage sub = parent.getSubimage(rg[0], rg[1], rg[2], rg[3]);
                BufferedImage copy = new BufferedImage(rg[2], rg[3], type);
                copy.getRaster().setDataElements(0, 0, rg[2], rg[3], sub.getRaster().getDataElements(0, 0, rg[2], rg[3], null));
                double d = TestImages.maxAbsDiff(sim.embed(copy), sim.embed(sub));
                assertTrue("type " + type + " region " + java.util.Arrays.toString(rg) + ": " + d, d <= 1e-5);
            }
        }
    }

    @Test
    public void fallbackTypesWork() {
        // indexed, binary and 565/555 go through getRGB; compare with INT_RGB of what getRGB returns
        int[] types = {BufferedImage.TYPE_BYTE_INDEXED, BufferedImage.TYPE_BYTE_BINARY,
            BufferedImage.TYPE_USHORT_565_RGB, BufferedImage.TYPE_USHORT_555_RGB};
        for (int type : types) {
            BufferedImage img = new BufferedImage(rgb.getWidth(), rgb.getHeight(), type);
            img.getGraphics().drawImage(rgb, 0, 0, null);
            BufferedImage asRgb = TestImages.convert(img, BufferedImage.TYPE_INT_RGB);
            double d = TestImages.maxAbsDiff(sim.embed(asRgb), sim.embed(img));
            assertTrue("type " + type + ": " + d, d <= 1e-5);
        }
    }

    @Test
    public void customBandOrderIsHonoured() {
        // an RGB byte raster with bands stored as G, B, R and a padded pixel stride of 4
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        PixelInterleavedSampleModel sm = new PixelInterleavedSampleModel(DataBuffer.TYPE_BYTE, w, h, 4, w * 4 + 8,
                new int[] {2, 0, 1});
        WritableRaster raster = Raster.createWritableRaster(sm, null);
        ColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        BufferedImage img = new BufferedImage(cm, raster, false, new Hashtable<>());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb.getRGB(x, y));
            }
        }
        assertTrue(RasterAdapter.isDirect(img));
        assertSameEmbedding("custom band order", img);
    }

    @Test
    public void transparentPixelsAreWhite() {
        BufferedImage clear = new BufferedImage(50, 40, BufferedImage.TYPE_INT_ARGB); // all (0,0,0,0)
        BufferedImage white = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = white.createGraphics();
        g.setColor(java.awt.Color.WHITE);
        g.fillRect(0, 0, 50, 40);
        g.dispose();
        assertTrue(TestImages.maxAbsDiff(sim.embed(white), sim.embed(clear)) <= 1e-5);
        BufferedImage clearPre = new BufferedImage(50, 40, BufferedImage.TYPE_4BYTE_ABGR_PRE);
        assertTrue(TestImages.maxAbsDiff(sim.embed(white), sim.embed(clearPre)) <= 1e-5);
    }

    @Test
    public void indexedWithTransparencyUsesAlphaRule() {
        byte[] r = {(byte) 255, 0};
        byte[] gg = {0, 0};
        byte[] b = {0, (byte) 255};
        IndexColorModel icm = new IndexColorModel(1, 2, r, gg, b, 0); // index 0 transparent
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_BINARY, icm);
        BufferedImage white = TestImages.convert(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                white.setRGB(x, y, 0xFFFFFF);
            }
        }
        assertEquals(0.0, TestImages.maxAbsDiff(sim.embed(white), sim.embed(img)), 1e-5);
    }
}
