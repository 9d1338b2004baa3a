package dev.imgsim.spring;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

import dev.imgsim.ImageSimilarity;

/**
 * The {@code imgsim.*} properties. Every one has a working default: with none set, the
 * application gets the bundled image model and no index.
 */
@ConfigurationProperties(prefix = "imgsim")
public class ImgsimProperties {
    /** ONNX file of the image model; unset for the model bundled in the jar (no network, no file). */
    private Path model;
    /** Which bundled image model when no file is given: DEFAULT (FP32) or INT8 (smaller, faster on VNNI CPUs). */
    private ImageSimilarity.BundledModel bundledModel = ImageSimilarity.BundledModel.DEFAULT;
    /** ONNX Runtime threads per inference; 0 for the library's choice. */
    private int threads;
    /** Inference sessions that run side by side (concurrent requests); 0 for the library's choice. */
    private int sessionPoolSize;
    /** Largest image accepted, in pixels, before decoding; 0 for the library's default. */
    private long maxPixels;
    private final Index index = new Index();
    private final Text text = new Text();
    private final Health health = new Health();

    /** An index directory and how it is opened. */
    public static class Index {
        /** Directory of the index; unset for no index bean. Created if missing. */
        private Path directory;
        /** Open for searching only: several processes may read one index, only one may write. */
        private boolean readOnly;

        public Path getDirectory() {
            return directory;
        }

        public void setDirectory(Path directory) {
            this.directory = directory;
        }

        public boolean isReadOnly() {
            return readOnly;
        }

        public void setReadOnly(boolean readOnly) {
            this.readOnly = readOnly;
        }
    }

    /** The text model and its index (when dev.imgsim:imgsim-text is on the classpath). */
    public static class Text {
        /** Whether to create the TextEmbedder bean when imgsim-text is present. */
        private boolean enabled = true;
        /** Directory or ONNX file of a text model; unset for the bundled INT8 MiniLM. */
        private Path model;
        /** ONNX Runtime threads per text inference; 0 for the library's choice. */
        private int threads;
        /** Text inference sessions that run side by side; 0 for the library's choice. */
        private int sessionPoolSize;
        private final Index index = new Index();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Path getModel() {
            return model;
        }

        public void setModel(Path model) {
            this.model = model;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }

        public int getSessionPoolSize() {
            return sessionPoolSize;
        }

        public void setSessionPoolSize(int sessionPoolSize) {
            this.sessionPoolSize = sessionPoolSize;
        }

        public Index getIndex() {
            return index;
        }
    }

    /** What the health indicator checks. */
    public static class Health {
        /** Free space below which an index directory's disk is reported DOWN. */
        private DataSize minFreeDisk = DataSize.ofMegabytes(100);

        public DataSize getMinFreeDisk() {
            return minFreeDisk;
        }

        public void setMinFreeDisk(DataSize minFreeDisk) {
            this.minFreeDisk = minFreeDisk;
        }
    }

    public Path getModel() {
        return model;
    }

    public void setModel(Path model) {
        this.model = model;
    }

    public ImageSimilarity.BundledModel getBundledModel() {
        return bundledModel;
    }

    public void setBundledModel(ImageSimilarity.BundledModel bundledModel) {
        this.bundledModel = bundledModel;
    }

    public int getThreads() {
        return threads;
    }

    public void setThreads(int threads) {
        this.threads = threads;
    }

    public int getSessionPoolSize() {
        return sessionPoolSize;
    }

    public void setSessionPoolSize(int sessionPoolSize) {
        this.sessionPoolSize = sessionPoolSize;
    }

    public long getMaxPixels() {
        return maxPixels;
    }

    public void setMaxPixels(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    public Index getIndex() {
        return index;
    }

    public Text getText() {
        return text;
    }

    public Health getHealth() {
        return health;
    }
}
