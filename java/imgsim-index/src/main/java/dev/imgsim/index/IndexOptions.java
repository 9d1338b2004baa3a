package dev.imgsim.index;

/**
 * How an {@link ImageIndex} stores and searches its vectors. Immutable; {@link #defaults()} suits
 * most collections, {@link #builder()} changes what you need.
 *
 * <p>The storage settings ({@link Builder#encoding}, {@link Builder#hnswMaxConnections},
 * {@link Builder#hnswBeamWidth}) are fixed when an index is created and recorded in it; when an
 * existing index is reopened its recorded settings win. The other settings apply to the open
 * instance only.
 */
public final class IndexOptions {
    /** How vectors are held in the HNSW graph. Both keep the full float vectors on disk as well. */
    public enum Encoding {
        /** 32-bit floats (Lucene99HnswVectorsFormat): the most accurate graph. */
        FLOAT32,
        /**
         * Scalar-quantised to int8 for graph search (Lucene99HnswScalarQuantizedVectorsFormat):
         * about a quarter of the memory for the searched vectors; hits are re-scored exactly.
         */
        INT8
    }

    final Encoding encoding;
    final int maxConn;
    final int beamWidth;
    final int searchCandidates;
    final int ingestThreads;
    final int commitEvery;
    final int mergeThreads;
    final int ramBufferMB;
    final boolean copyFeatures;

    private IndexOptions(Builder b) {
        this.encoding = b.encoding;
        this.maxConn = b.maxConn;
        this.beamWidth = b.beamWidth;
        this.searchCandidates = b.searchCandidates;
        this.ingestThreads = b.ingestThreads;
        this.commitEvery = b.commitEvery;
        this.mergeThreads = b.mergeThreads;
        this.ramBufferMB = b.ramBufferMB;
        this.copyFeatures = b.copyFeatures;
    }

    /**
     * @return FLOAT32, HNSW M = 16, beam width 100, 100 search candidates, one ingestion thread per
     *         core, commit every 1,000 images, copy features stored
     */
    public static IndexOptions defaults() {
        return builder().build();
    }

    /** @return a builder starting from {@link #defaults()} */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the vector encoding */
    public Encoding encoding() {
        return encoding;
    }

    /** @return HNSW's maximum connections per node (M) */
    public int hnswMaxConnections() {
        return maxConn;
    }

    /** @return HNSW's beam width while building (ef_construction) */
    public int hnswBeamWidth() {
        return beamWidth;
    }

    /** @return candidates explored per approximate search (ef_search); at least k are */
    public int searchCandidates() {
        return searchCandidates;
    }

    /** @return threads that decode and embed files in {@link ImageIndex#addAll} */
    public int ingestThreads() {
        return ingestThreads;
    }

    /** @return images added between commits in {@link ImageIndex#addAll} */
    public int commitEvery() {
        return commitEvery;
    }

    /** @return threads that build the HNSW graph when segments merge */
    public int mergeThreads() {
        return mergeThreads;
    }

    /** @return memory for buffered additions before they are written as a segment, in MB */
    public int ramBufferMB() {
        return ramBufferMB;
    }

    /** @return whether images added from files or pictures store their copy features ({@link Builder#copyFeatures}) */
    public boolean copyFeatures() {
        return copyFeatures;
    }

    /** Settings for {@link IndexOptions}. */
    public static final class Builder {
        private Encoding encoding = Encoding.FLOAT32;
        private int maxConn = 16;
        private int beamWidth = 100;
        private int searchCandidates = 100;
        private int ingestThreads = Runtime.getRuntime().availableProcessors();
        private int commitEvery = 1000;
        private int mergeThreads = 1;
        private int ramBufferMB = 64;
        private boolean copyFeatures = true;

        private Builder() {}

        /** Vector encoding of a new index (default FLOAT32). */
        public Builder encoding(Encoding encoding) {
            this.encoding = java.util.Objects.requireNonNull(encoding, "encoding");
            return this;
        }

        /** HNSW M of a new index, 2..512 (default 16): more connections, better recall, bigger graph. */
        public Builder hnswMaxConnections(int m) {
            this.maxConn = check("hnswMaxConnections", m, 2, 512);
            return this;
        }

        /** HNSW beam width while building a new index, 2..3200 (default 100): wider, better graph, slower build. */
        public Builder hnswBeamWidth(int beam) {
            this.beamWidth = check("hnswBeamWidth", beam, 2, 3200);
            return this;
        }

        /**
         * Candidates explored per approximate search, 1..10,000 (default 100): more candidates,
         * better recall, slower queries (docs/SEARCH.md has the trade-off).
         */
        public Builder searchCandidates(int n) {
            this.searchCandidates = check("searchCandidates", n, 1, 10_000);
            return this;
        }

        /** Threads decoding and embedding files in {@code addAll}, 1..1024 (default: one per core). */
        public Builder ingestThreads(int n) {
            this.ingestThreads = check("ingestThreads", n, 1, 1024);
            return this;
        }

        /**
         * Images {@code addAll} adds between commits, at least 1 (default 1,000). A process that dies
         * loses at most the images since the last commit; a new {@code addAll} skips the rest.
         */
        public Builder commitEvery(int n) {
            this.commitEvery = check("commitEvery", n, 1, Integer.MAX_VALUE);
            return this;
        }

        /**
         * Threads that rebuild the HNSW graph when segments merge (for example in
         * {@code ImageIndex.optimize()} after a bulk load), 1..1024 (default 1).
         */
        public Builder mergeThreads(int n) {
            this.mergeThreads = check("mergeThreads", n, 1, 1024);
            return this;
        }

        /**
         * Heap for buffered additions, in MB, 16..2047 (default 64). Each flush writes a segment with
         * its own HNSW graph; a bulk load of millions of vectors builds faster with fewer, larger
         * segments (for example 1024, with the heap to match).
         */
        public Builder ramBufferMB(int mb) {
            this.ramBufferMB = check("ramBufferMB", mb, 16, 2047);
            return this;
        }

        /**
         * Whether {@link ImageIndex#addAll}, {@link ImageIndex#add(String, java.nio.file.Path)} and
         * {@link ImageIndex#add(String, java.awt.image.BufferedImage)} store each image's copy
         * features (default true). They cost about as much again as the embedding (the turned
         * view's inference and the fingerprint: docs/QUALITY.md, "What indexing costs, measured
         * again"); an index for "more like this" search only can do without. Images added without
         * them are never copies ({@link ImageIndex#searchCopies}, {@link ImageIndex#copies()}
         * pass them by), and files indexed without them are not analysed again by a later
         * {@code addAll} under this setting; under the default they are (as files indexed before
         * copy detection are).
         */
        public Builder copyFeatures(boolean store) {
            this.copyFeatures = store;
            return this;
        }

        /** @return the options */
        public IndexOptions build() {
            return new IndexOptions(this);
        }

        private static int check(String what, int v, int min, int max) {
            if (v < min || v > max) {
                throw new IllegalArgumentException(what + " must be within " + min + ".." + max + ", got " + v);
            }
            return v;
        }
    }
}
