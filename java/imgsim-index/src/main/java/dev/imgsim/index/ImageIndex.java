package dev.imgsim.index;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.imgsim.CopyCalibration;
import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageDecodeException;
import dev.imgsim.ImageSimilarity;

/**
 * A persistent index of image embeddings in a directory, embedded in this process (Apache Lucene:
 * HNSW graphs, float or int8), for "which indexed images look like this one?" and "which are
 * duplicates?".
 *
 * <pre>{@code
 * try (ImageSimilarity sim = ImageSimilarity.create();
 *      ImageIndex index = ImageIndex.open(Paths.get("photos.idx"), sim)) {
 *     IndexReport r = index.addAll(files, null);          // parallel; resumable
 *     List<Hit> top = index.search(Paths.get("query.jpg"), 10);
 *     List<DuplicateGroup> dupes = index.duplicates(0.95);
 * }
 * }</pre>
 *
 * <p>Storage and search are a {@link VectorIndex}'s ({@link #vectors()}); this class adds the
 * model: images in, embeddings and copy fingerprints stored.
 *
 * <p><b>Vectors.</b> Embeddings are L2-normalised and compared by dot product, so a
 * {@link Hit#similarity()} is the cosine similarity, in [-1, 1], computed exactly from the stored
 * float vector. {@link #search(float[], int)} walks the HNSW graph (approximate; see
 * {@link IndexOptions}); {@link #searchExact(float[], int)} and {@link #searchAbove} scan every
 * vector.
 *
 * <p><b>Model.</b> The index records the SHA-256 and dimension of the model that made its vectors;
 * opening it with another model throws {@link ModelMismatchException}.
 *
 * <p><b>Durability.</b> Changes become durable at {@link #commit()}, at {@link #close()} and every
 * {@link IndexOptions#commitEvery()} images during {@link #addAll}. A process killed at any point
 * leaves the index at its last commit, consistent and searchable.
 *
 * <p><b>Concurrency.</b> An instance is thread-safe: searches run while images are added and see
 * them without a commit (near-real-time). One writer per directory: a second {@link #open} of the
 * same directory, in this JVM or another, throws {@link IndexLockedException};
 * {@link #openReadOnly} instances may search beside the writer, in any process, and see its
 * commits. {@link #close()} waits for calls in flight; later calls throw
 * {@link IllegalStateException}.
 */
public final class ImageIndex implements AutoCloseable {
    /** Largest dimension Lucene's vector formats accept. */
    public static final int MAX_DIMENSION = VectorIndex.MAX_DIMENSION;

    private final VectorIndex index;
    private final ImageSimilarity sim;

    private ImageIndex(VectorIndex index, ImageSimilarity sim) {
        this.index = index;
        this.sim = sim;
    }

    /**
     * Opens the index in {@code directory} for reading and writing, creating it (and the directory)
     * if there is none, with {@link IndexOptions#defaults()}.
     *
     * @param directory the index directory: new, empty, or holding an index of the same model
     * @param sim the model that embeds images; the index is bound to it (its SHA-256 and dimension)
     * @return the open index; close it when done
     * @throws ModelMismatchException if the index was built with another model
     * @throws IndexLockedException if another writer holds the directory
     * @throws ImageIndexException if the directory is not an imgsim index, is corrupt, or cannot be written
     */
    public static ImageIndex open(Path directory, ImageSimilarity sim) {
        return open(directory, sim, IndexOptions.defaults());
    }

    /**
     * Like {@link #open(Path, ImageSimilarity)}, with options. A new index takes its storage
     * settings from {@code options}; an existing one keeps those recorded in it.
     *
     * @return the open index; close it when done
     */
    public static ImageIndex open(Path directory, ImageSimilarity sim, IndexOptions options) {
        Objects.requireNonNull(sim, "sim");
        return new ImageIndex(new VectorIndex(directory, KIND, sim.modelSha256(), sim.embeddingSize(), options, false), sim);
    }

    /**
     * Opens an existing index to search only. Any number of read-only instances, in any process,
     * may search beside one writer; each search sees the writer's latest commit.
     *
     * @param directory the index directory
     * @param sim the model that built the index (used to embed query images)
     * @return the open index; {@code add}, {@code remove} and {@code commit} throw {@link IllegalStateException}
     * @throws ModelMismatchException if the index was built with another model
     * @throws ImageIndexException if there is no index there, or it is corrupt
     */
    public static ImageIndex openReadOnly(Path directory, ImageSimilarity sim) {
        Objects.requireNonNull(sim, "sim");
        return new ImageIndex(new VectorIndex(directory, KIND, sim.modelSha256(), sim.embeddingSize(),
                IndexOptions.defaults(), true), sim);
    }

    /**
     * Opens (or creates) an index of vectors made elsewhere, with no model to embed images: the
     * image-taking methods throw {@link IllegalStateException}. {@code model} names the vector
     * space as {@link #open} records it ({@link ImageSimilarity#modelSha256()}), so such an index
     * can later be opened with the model that made its vectors.
     *
     * @deprecated use {@link VectorIndex#open}, the store without images
     */
    @Deprecated
    public static ImageIndex openVectors(Path directory, String model, int dimension, IndexOptions options) {
        return new ImageIndex(new VectorIndex(directory, KIND, model, dimension, options, false), null);
    }

    /**
     * Opens an existing index of vectors made elsewhere to search only.
     *
     * @deprecated use {@link VectorIndex#openReadOnly}
     */
    @Deprecated
    public static ImageIndex openVectorsReadOnly(Path directory, String model, int dimension) {
        return new ImageIndex(new VectorIndex(directory, KIND, model, dimension, IndexOptions.defaults(), true), null);
    }

    private static final String KIND = "ImageIndex";

    // ---- adding ----

    /**
     * Embeds an image file (EXIF orientation applied) and adds it under {@code id}, replacing any
     * image already indexed under that id.
     *
     * @throws dev.imgsim.ImageDecodeException if the file cannot be decoded
     * @throws IllegalStateException if the index is closed, read-only, or has no model
     */
    public void add(String id, Path image) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        index.write(() -> {
            long[] stamp;
            try {
                stamp = Ingestion.stamp(image);
            } catch (IOException e) {
                throw new ImageDecodeException("image file " + image + " cannot be read: " + IndexErrors.describe(e));
            }
            if (!index.options().copyFeatures) {
                index.put(id, embedder().embed(image), Collections.emptyMap(), stamp);
                return null;
            }
            CopyFeatures f = embedder().analyze(image);
            index.put(id, f.embedding(), Collections.emptyMap(), stamp, Copies.fields(f));
            return null;
        });
    }

    /** Embeds an image and adds it under {@code id}, replacing any image indexed under that id. */
    public void add(String id, BufferedImage image) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        index.write(() -> {
            if (!index.options().copyFeatures) {
                index.put(id, embedder().embed(image), Collections.emptyMap(), null);
                return null;
            }
            CopyFeatures f = embedder().analyze(image);
            index.put(id, f.embedding(), Collections.emptyMap(), null, Copies.fields(f));
            return null;
        });
    }

    /**
     * Adds an image already analysed ({@link ImageSimilarity#analyze}: an upload in memory, an
     * image analysed on another thread) under {@code id}, with its copy fingerprint, so it is a
     * copy candidate like an image added from a file; replaces any image indexed under that id.
     *
     * @param id the id
     * @param features the image's features, from a model with this index's dimension
     * @param fields stored with it and returned by search; may be empty
     * @throws IllegalArgumentException if the features have another dimension
     */
    public void add(String id, CopyFeatures features, Map<String, String> fields) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(fields, "fields");
        if (features.embedding().length != index.dimension()) {
            throw new IllegalArgumentException("features have " + features.embedding().length + " values, the index holds"
                    + " vectors of " + index.dimension());
        }
        index.write(() -> {
            index.put(id, features.embedding(), fields, null, Copies.fields(features));
            return null;
        });
    }

    /**
     * The size and modification time of each indexed file when it was indexed ({@link #addAll},
     * {@link #add(String, Path)}), by id; images added from memory or as vectors have none.
     *
     * @return id to stamp, for every indexed file
     */
    public Map<String, FileStamp> fileStamps() {
        Map<String, FileStamp> out = new java.util.HashMap<>();
        Ingestion.fileStamps(index, false).forEach((id, s) -> out.put(id, new FileStamp(s[0], s[1])));
        return out;
    }

    /** See {@link VectorIndex#add}: an embedding made elsewhere (never a copy candidate). */
    public void add(String id, float[] embedding, Map<String, String> fields) {
        index.add(id, embedding, fields);
    }

    /**
     * Embeds and adds image files, in parallel: {@link IndexOptions#ingestThreads()} threads
     * decode (natively, at reduced scale where the format allows) and run the model, so all cores
     * are busy. The id of each file is its {@link Path#toString()}. Files already indexed under that
     * id with the same size and modification time are skipped, so an interrupted call can simply
     * be repeated. Unreadable, empty or non-image files are reported in the result and the others
     * go on. Commits every {@link IndexOptions#commitEvery()} images and at the end. Each file's
     * copy features are stored with its embedding unless {@link IndexOptions#copyFeatures()} is
     * off (then about twice as fast, and the images are never copies).
     *
     * @param files the files, in any order
     * @param listener hears progress from the ingestion threads (serialised); may be null
     * @return what was added, skipped and failed
     * @throws ImageIndexException if the index cannot be written (full disk, failed writer)
     * @throws IllegalStateException if the index is closed, read-only, or has no model
     */
    public IndexReport addAll(List<Path> files, ProgressListener listener) {
        Objects.requireNonNull(files, "files");
        List<Path> list = new ArrayList<>(files);
        for (int i = 0; i < list.size(); i++) {
            Objects.requireNonNull(list.get(i), "files[" + i + "]");
        }
        return index.write(() -> new Ingestion(index, embedder(), list, listener).run());
    }

    // ---- searching ----

    /** Embeds the image file and returns its {@code k} nearest indexed images; see {@link #search(float[], int)}. */
    public List<Hit> search(Path image, int k) {
        Objects.requireNonNull(image, "image");
        return search(embedder().embed(image), k);
    }

    /** Embeds the image and returns its {@code k} nearest indexed images; see {@link #search(float[], int)}. */
    public List<Hit> search(BufferedImage image, int k) {
        Objects.requireNonNull(image, "image");
        return search(embedder().embed(image), k);
    }

    /** See {@link VectorIndex#search(float[], int)}: approximate, re-scored exactly. */
    public List<Hit> search(float[] embedding, int k) {
        return index.search(embedding, k);
    }

    /** See {@link VectorIndex#search(float[], int, int)}. */
    public List<Hit> search(float[] embedding, int k, int candidates) {
        return index.search(embedding, k, candidates);
    }

    /** See {@link VectorIndex#searchExact}: an exact scan. */
    public List<Hit> searchExact(float[] embedding, int k) {
        return index.searchExact(embedding, k);
    }

    /** See {@link VectorIndex#searchAbove}: every image at or above {@code minSimilarity}. */
    public List<Hit> searchAbove(float[] embedding, double minSimilarity) {
        return index.searchAbove(embedding, minSimilarity);
    }

    /** Embeds the image file; then {@link #searchAbove(float[], double)}. */
    public List<Hit> searchAbove(Path image, double minSimilarity) {
        Objects.requireNonNull(image, "image");
        return searchAbove(embedder().embed(image), minSimilarity);
    }

    /** See {@link VectorIndex#duplicates}: groups of look-alikes by cosine; {@link #copies()} for verified copies. */
    public List<DuplicateGroup> duplicates(double minSimilarity) {
        return index.duplicates(minSimilarity);
    }

    /** See {@link VectorIndex#duplicatesExact}. */
    public List<DuplicateGroup> duplicatesExact(double minSimilarity) {
        return index.duplicatesExact(minSimilarity);
    }

    // ---- copies ----

    /**
     * Is the image a copy of something indexed? Analyses the file and returns the indexed images
     * it may copy, verified: copies first (most confident first, the confidence weighing how far
     * each stands out from the other candidates, {@link CopyCalibration#withSearchContext}; turned, mirrored, cropped,
     * padded or screenshotted copies included), then look-alikes by embedding similarity plus
     * confidence (a near miss, whose evidence fell just short of a copy, before a look-alike that
     * is merely as similar). The
     * candidates are the graph neighbours of the image, of its 90-degree turn and, for a picture on
     * a canvas (a screenshot), of the picture inside it, each found exploring
     * {@link IndexOptions#searchCandidates()} graph candidates as {@link #search(Path, int)} does, and
     * the 10 images nearest by the grey thumbnail of its content (document pages and figures that
     * the embedding crowds together; images indexed by an earlier version have no thumbnail) and
     * those of the thumbnail turned by 180 and 270 degrees that are as close as a turned copy is
     * (a page turned upside down, which the views do not bring near), and for a picture on a
     * canvas the 10 nearest by its inner picture's thumbnail, and the 30 images sharing the most
     * words of its local features (an inverted file of descriptor bits: a crop of a page, a page
     * inside a screenshot, a copy turned by a few degrees, which neither embedding nor thumbnail
     * brings near; images indexed by an earlier version have no words); each is
     * verified on its stored fingerprint (images added as bare vectors are never copies) with its
     * local features, whatever its embedding similarity ({@link CopyCalibration#verifyAgainst}),
     * the most similar and the first 2 by words also searched for parts (a crop, a picture on a canvas).
     * The words are sought once per index segment: on a large index, {@link #optimize()} keeps
     * this search fast.
     *
     * @param k how many, at least 1
     * @throws dev.imgsim.ImageDecodeException if the file cannot be decoded
     */
    public List<CopyHit> searchCopies(Path image, int k) {
        Objects.requireNonNull(image, "image");
        return searchCopies(embedder().analyze(image), k, CopyCalibration.defaults());
    }

    /** {@link #searchCopies(Path, int)} for an image in memory. */
    public List<CopyHit> searchCopies(BufferedImage image, int k) {
        Objects.requireNonNull(image, "image");
        return searchCopies(embedder().analyze(image), k, CopyCalibration.defaults());
    }

    /** {@link #searchCopies(Path, int)} for analysed features, under a calibration of your own. */
    public List<CopyHit> searchCopies(CopyFeatures query, int k, CopyCalibration calibration) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(calibration, "calibration");
        VectorIndex.checkK(k);
        if (query.embedding().length != index.dimension()) {
            throw new IllegalArgumentException("features have " + query.embedding().length + " values, the index holds vectors of "
                    + index.dimension());
        }
        return index.read(s -> Copies.search(s, query, k, calibration, index.options().searchCandidates));
    }

    /**
     * Groups of copies in the index: every image's graph neighbours (its own, its 90-degree
     * turn's, its inner picture's, its grey thumbnail's and its inner picture's thumbnail's, and,
     * where as close as a turned copy, its thumbnail's turned by 180 degrees; not the words of its
     * local features, which a copy search adds) verified on the stored fingerprints, screened
     * ({@link CopyCalibration#verifyAllScreened}: local features and parts only where the
     * embeddings are at least 0.6 similar); a
     * near miss aligned as a part (a crop, a caption) that stands out from the other candidate
     * pairs of both its images is a copy too ({@link CopyCalibration#withCollectionContext}); the copy pairs join groups most confident
     * first, two groups only where at least as many of the pairs verified between them are copies
     * as are not (an image that is a copy of two look-alikes does not chain them). Unlike
     * {@link #duplicates(double)}, a group means "the same picture, maybe edited", not "looks
     * alike": what {@code imgsim dupes} reports by default. Uses {@link IndexOptions#ingestThreads()} threads.
     *
     * @return the groups, most confident first
     */
    public List<CopyGroup> copies() {
        return copies(CopyCalibration.defaults());
    }

    /** {@link #copies()} under a calibration of your own. */
    public List<CopyGroup> copies(CopyCalibration calibration) {
        Objects.requireNonNull(calibration, "calibration");
        // the graph's beam stays at the neighbours kept: each pair is found from either side, and a
        // wider beam (100) found 2 more of 1,000 planted copies at 10,000 images for 10 % more time
        return index.read(s -> Copies.groups(s, index.options().ingestThreads, calibration, Copies.NEIGHBOURS));
    }

    /** @return the stored copy features of {@code id}, if the index holds it with them */
    public Optional<CopyFeatures> copyFeatures(String id) {
        Objects.requireNonNull(id, "id");
        return index.read(s -> {
            int doc = VectorIndex.docOf(s, id);
            return doc < 0 ? Optional.empty() : Optional.ofNullable(Copies.features(s, doc));
        });
    }

    /** @return the stored (L2-normalised) embedding of {@code id}, if the index holds it */
    public Optional<float[]> embedding(String id) {
        return index.embedding(id);
    }

    /** Receives the entries of {@link #forEach}; the same as {@link VectorIndex.EntryConsumer}. */
    @FunctionalInterface
    public interface EntryConsumer extends VectorIndex.EntryConsumer {
    }

    /** See {@link VectorIndex#forEach}: every entry, for exporting the vectors elsewhere. */
    public long forEach(VectorIndex.EntryConsumer consumer) {
        return index.forEach(consumer);
    }

    // ---- maintenance: see VectorIndex ----

    /** Removes the image indexed under {@code id}, if any; @return whether the index held it */
    public boolean remove(String id) {
        return index.remove(id);
    }

    /** Makes every change so far durable: a crash after this returns loses none of them. */
    public void commit() {
        index.commit();
    }

    /** Merges the index into one segment (faster searches after a bulk load); commits. */
    public void optimize() {
        index.optimize();
    }

    /** @return how many images the index holds, uncommitted additions and removals included */
    public long size() {
        return index.size();
    }

    /** @return the index directory, absolute */
    public Path directory() {
        return index.directory();
    }

    /** @return the model identity recorded in the index (for imgsim models, the model file's SHA-256) */
    public String model() {
        return index.model();
    }

    /** @return the dimension of the indexed vectors */
    public int dimension() {
        return index.dimension();
    }

    /** @return the options in effect (storage settings as recorded in the index) */
    public IndexOptions options() {
        return index.options();
    }

    /** @return whether this instance only searches */
    public boolean isReadOnly() {
        return index.isReadOnly();
    }

    /** @return the vector store under this index (search by vector, export, maintenance) */
    public VectorIndex vectors() {
        return index;
    }

    /**
     * Commits (for a writer) and closes the index. Waits for calls in flight; calls after it throw
     * {@link IllegalStateException}. Calling it again does nothing. Does not close the
     * {@link ImageSimilarity}.
     *
     * @throws ImageIndexException if the final commit fails (the index stays at its last commit)
     */
    @Override
    public void close() {
        index.close();
    }

    @Override
    public String toString() {
        return index.toString();
    }

    private ImageSimilarity embedder() {
        if (sim == null) {
            throw new IllegalStateException("this ImageIndex (" + index.directory() + ") was opened without a model"
                    + " (openVectors): add and search embeddings, or open it with ImageIndex.open(directory, sim)");
        }
        return sim;
    }
}
