package dev.imgsim;

/**
 * An image file is missing, unreadable, empty, truncated, corrupt, or in an unsupported format
 * (supported: JPEG, PNG, BMP, GIF, WebP, TIFF, JPEG XL, HEIC/HEIF, AVIF, and camera RAW files through
 * their embedded JPEG preview: DNG, CR2, NEF, ARW, RAF and other TIFF-based ones; not CR3).
 */
public class ImageDecodeException extends ImageSimilarityException {
    private static final long serialVersionUID = 1L;

    /** @param message which file, and what is wrong with it */
    public ImageDecodeException(String message) {
        super(message);
    }
}
