package dev.imgsim;

/**
 * The ONNX model is missing, unreadable, corrupt, or not an image-embedding model (its input
 * must be a float tensor {@code [N, 3, H, W]} and its output a float tensor {@code [N, D]}), or
 * its preprocessing metadata is unusable.
 */
public class ModelLoadException extends ImageSimilarityException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong with the model */
    public ModelLoadException(String message) {
        super(message);
    }
}
