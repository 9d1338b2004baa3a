package dev.imgsim.index;

/**
 * Another writer, in this JVM or another process, holds the index directory. One writer per
 * directory: close the other one, or open this one with {@link ImageIndex#openReadOnly} to
 * search beside it.
 */
public class IndexLockedException extends ImageIndexException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message which directory is locked, and what to do
     * @param cause Lucene's lock failure
     */
    public IndexLockedException(String message, Throwable cause) {
        super(message, cause);
    }
}
