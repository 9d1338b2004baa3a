package dev.imgsim.internal;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.DataBufferUShort;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * Describes where the pixels of a {@link BufferedImage} live so the native side can read the
 * raster's backing array in place: the array, plus the descriptor {@code src/jni/mod.rs} reads,
 * whose slots and format codes are the {@code SLOT_*} and {@code FORMAT_*} constants here (the
 * same names in {@code src/jni/contract.rs}; {@code NativeContractTest} pins them together).
 *
 * <p>Direct reading covers packed 8-bit-per-channel int rasters (INT_RGB, INT_ARGB(_PRE), INT_BGR),
 * interleaved 8- and 16-bit sRGB rasters (3BYTE_BGR, 4BYTE_ABGR(_PRE), and custom band orders),
 * and 8/16-bit gray, honouring the sample model's strides, band offsets and translation (so a
 * {@code getSubimage} reads its parent's buffer at the right place). Everything else (indexed,
 * binary, 565/555, other colour spaces, banked buffers) goes through {@code getRGB}, except gray
 * rasters, whose samples are read without the gamma curve {@code getRGB} would apply.
 */
public final class RasterAdapter {
    /** Descriptor slots. */
    public static final int SLOT_FORMAT = 0, SLOT_WIDTH = 1, SLOT_HEIGHT = 2, SLOT_OFFSET = 3, SLOT_SCANLINE_STRIDE = 4,
            SLOT_PIXEL_STRIDE = 5, SLOT_CHANNELS = 6, SLOT_PREMULTIPLIED = 10, DESCRIPTOR_LENGTH = 11;
    /**
     * Formats: packed ints (the four channel slots hold the bit shifts of R, G, B, A; -1 none),
     * interleaved bands (they hold band offsets), gray (the first holds the band offset).
     */
    public static final int FORMAT_PACKED = 0, FORMAT_INTERLEAVED = 1, FORMAT_GRAY = 2;

    /** The array type of {@link #array}. */
    public enum Kind { INTS, BYTES, SHORTS }

    public final Kind kind;
    public final Object array;
    public final int[] desc;

    private RasterAdapter(Kind kind, Object array, int[] desc) {
        this.kind = kind;
        this.array = array;
        this.desc = desc;
    }

    public static RasterAdapter of(BufferedImage img) {
        RasterAdapter direct = direct(img);
        return direct != null ? direct : fallback(img);
    }

    /** True when the image's pixels are read in place (for tests and diagnostics). */
    public static boolean isDirect(BufferedImage img) {
        return direct(img) != null;
    }

    private static RasterAdapter direct(BufferedImage img) {
        Raster r = img.getRaster();
        SampleModel sm = r.getSampleModel();
        DataBuffer db = r.getDataBuffer();
        ColorModel cm = img.getColorModel();
        if (db.getNumBanks() != 1) {
            return null;
        }
        int w = img.getWidth();
        int h = img.getHeight();
        int x0 = r.getMinX() - r.getSampleModelTranslateX();
        int y0 = r.getMinY() - r.getSampleModelTranslateY();
        boolean srgb = cm.getColorSpace().isCS_sRGB();
        boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        int pre = cm.isAlphaPremultiplied() ? 1 : 0;

        if (sm instanceof SinglePixelPackedSampleModel && db instanceof DataBufferInt && cm instanceof DirectColorModel && srgb) {
            SinglePixelPackedSampleModel sp = (SinglePixelPackedSampleModel) sm;
            int[] masks = sp.getBitMasks();
            if (masks.length < 3 || masks.length > 4) {
                return null;
            }
            int[] shifts = {-1, -1, -1, -1};
            for (int b = 0; b < masks.length; b++) {
                int s = Integer.numberOfTrailingZeros(masks[b]);
                if (masks[b] == 0 || (masks[b] >>> s) != 0xFF) {
                    return null; // not 8 bits per channel (e.g. 565/555)
                }
                shifts[b] = s;
            }
            if (!cm.hasAlpha()) {
                shifts[3] = -1;
            }
            long off = (long) db.getOffset() + (long) y0 * sp.getScanlineStride() + x0;
            return make(Kind.INTS, ((DataBufferInt) db).getData(), FORMAT_PACKED, w, h, off, sp.getScanlineStride(), 1, shifts, pre);
        }
        if (sm instanceof ComponentSampleModel && cm instanceof ComponentColorModel
                && (db instanceof DataBufferByte || db instanceof DataBufferUShort)) {
            ComponentSampleModel cs = (ComponentSampleModel) sm;
            int bits = db instanceof DataBufferByte ? 8 : 16;
            for (int b = 0; b < cs.getNumBands(); b++) {
                if (cs.getSampleSize(b) != bits || cs.getBankIndices()[b] != 0) {
                    return null;
                }
            }
            int[] bo = cs.getBandOffsets();
            int bands = cs.getNumBands();
            int format;
            int[] c = {-1, -1, -1, -1};
            if (gray && bands == 1 && !cm.hasAlpha()) {
                format = FORMAT_GRAY;
                c[0] = bo[0];
            } else if (srgb && (bands == 3 && !cm.hasAlpha() || bands == 4 && cm.hasAlpha())) {
                format = FORMAT_INTERLEAVED;
                System.arraycopy(bo, 0, c, 0, bands);
            } else {
                return null;
            }
            long off = (long) db.getOffset() + (long) y0 * cs.getScanlineStride() + (long) x0 * cs.getPixelStride();
            Object data = bits == 8 ? ((DataBufferByte) db).getData() : ((DataBufferUShort) db).getData();
            return make(bits == 8 ? Kind.BYTES : Kind.SHORTS, data, format, w, h, off, cs.getScanlineStride(),
                    cs.getPixelStride(), c, pre);
        }
        return null;
    }

    private static int[] descriptor(int format, int w, int h, int offset, int scan, int pixelStride, int[] c, int pre) {
        int[] d = new int[DESCRIPTOR_LENGTH];
        d[SLOT_FORMAT] = format;
        d[SLOT_WIDTH] = w;
        d[SLOT_HEIGHT] = h;
        d[SLOT_OFFSET] = offset;
        d[SLOT_SCANLINE_STRIDE] = scan;
        d[SLOT_PIXEL_STRIDE] = pixelStride;
        System.arraycopy(c, 0, d, SLOT_CHANNELS, 4);
        d[SLOT_PREMULTIPLIED] = pre;
        return d;
    }

    private static RasterAdapter make(Kind kind, Object array, int format, int w, int h, long offset, int scan,
            int pixelStride, int[] c, int pre) {
        if (offset < 0 || offset > Integer.MAX_VALUE || scan < 0 || pixelStride < 0) {
            return null;
        }
        return new RasterAdapter(kind, array, descriptor(format, w, h, (int) offset, scan, pixelStride, c, pre));
    }

    /** Any other image: sRGB ARGB through {@code getRGB}, or gray samples read as they are. */
    private static RasterAdapter fallback(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        boolean hasAlpha = cm.hasAlpha();
        int[] argb;
        if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm instanceof ComponentColorModel
                && r.getNumBands() == (hasAlpha ? 2 : 1)) {
            // Gray g means RGB (g, g, g): no linear-to-sRGB curve as getRGB would apply.
            int bands = r.getNumBands();
            int[] samples = r.getPixels(r.getMinX(), r.getMinY(), w, h, (int[]) null);
            int grayMax = (1 << cm.getComponentSize(0)) - 1;
            int alphaMax = hasAlpha ? (1 << cm.getComponentSize(1)) - 1 : 1;
            argb = new int[w * h];
            for (int i = 0; i < argb.length; i++) {
                int g = scale(samples[i * bands], grayMax);
                int a = hasAlpha ? scale(samples[i * bands + 1], alphaMax) : 255;
                if (hasAlpha && cm.isAlphaPremultiplied() && a > 0) {
                    g = Math.min(255, (g * 255 + a / 2) / a);
                }
                argb[i] = a << 24 | g << 16 | g << 8 | g;
            }
        } else {
            argb = img.getRGB(0, 0, w, h, null, 0, w);
        }
        int[] shifts = {16, 8, 0, hasAlpha ? 24 : -1};
        return new RasterAdapter(Kind.INTS, argb, descriptor(FORMAT_PACKED, w, h, 0, w, 1, shifts, 0));
    }

    private static int scale(int v, int max) {
        return max == 255 ? v : (int) ((v * 255L + max / 2) / max);
    }
}
