package dev.imgsim.index;

/**
 * The index holds vectors of another model (another SHA-256 or dimension) than the one it was
 * opened with. Vectors of different models are not comparable, so imgsim never mixes them: open
 * the index with the model that built it, or build a new index.
 */
public class ModelMismatchException extends ImageIndexException {
    private static final long serialVersionUID = 1L;

    /** @param message both models, and what to do */
    public ModelMismatchException(String message) {
        super(message);
    }
}
