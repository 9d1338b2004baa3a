package dev.imgsim.index;

/**
 * Hears the progress of a bulk load into a search backend (imgsim-opensearch,
 * imgsim-elasticsearch), after each bulk request (on the loading thread). A load that is
 * run again after a crash reports the documents it found already in the cluster as skipped.
 */
@FunctionalInterface
public interface LoadListener {
    /**
     * @param processed documents handled so far by this load
     * @param written of them, sent and stored
     * @param skipped of them, already in the cluster with the same content (id and checksum)
     */
    void progress(long processed, long written, long skipped);
}
