package dev.imgsim.spring;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.imgsim.CopyFeatures;
import dev.imgsim.ImageDecodeException;
import dev.imgsim.ImageSimilarity;
import dev.imgsim.TextEncoder;
import dev.imgsim.index.CopyHit;
import dev.imgsim.index.Hit;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.TextIndex;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The auto-configured entry point for a service: embeds, searches and adds images and texts
 * through the application's imgsim beans and records each call in Micrometer.
 *
 * <p>Meters (tags {@code kind} = {@code image} or {@code text}, {@code model} = the first 12 hex
 * digits of the model's SHA-256):
 * <ul>
 * <li>timers {@code imgsim.embed}, {@code imgsim.search}, {@code imgsim.add};</li>
 * <li>counter {@code imgsim.decode.failures}: uploads that were not a decodable image;</li>
 * <li>gauges {@code imgsim.index.size} (documents in each configured index) and
 * {@code imgsim.inference.active} (inference calls running now, against
 * {@code imgsim.session-pool-size}).</li>
 * </ul>
 *
 * <p>Thread-safe: the models and indexes are, and so are the meters. Methods that need an index
 * throw {@link IllegalStateException} naming the property that configures it when it is absent.
 */
public class ImgsimTemplate {
    private final ImageSimilarity images;
    private final ImageIndex imageIndex;
    private final TextEncoder text;
    private final TextIndex textIndex;
    private final Meters image;
    private final Meters texts;
    private final Counter decodeFailures;

    /** The meters of one kind (image or text). */
    private static final class Meters {
        final Timer embed;
        final Timer search;
        final Timer add;
        final AtomicInteger active = new AtomicInteger();

        Meters(MeterRegistry registry, String kind, String model) {
            embed = Timer.builder("imgsim.embed").description("Time to embed one " + kind).tags("kind", kind, "model", model)
                    .register(registry);
            search = Timer.builder("imgsim.search").description("Time of one " + kind + " search, embedding included")
                    .tags("kind", kind, "model", model).register(registry);
            add = Timer.builder("imgsim.add").description("Time to embed and add one " + kind + " to its index")
                    .tags("kind", kind, "model", model).register(registry);
            Gauge.builder("imgsim.inference.active", active, AtomicInteger::get)
                    .description("Inference calls running now").tags("kind", kind, "model", model).register(registry);
        }
    }

    /**
     * @param images the image model
     * @param imageIndex the image index, or null
     * @param text the text model, or null
     * @param textIndex the text index, or null
     * @param registry where the meters go
     */
    public ImgsimTemplate(ImageSimilarity images, ImageIndex imageIndex, TextEncoder text, TextIndex textIndex,
            MeterRegistry registry) {
        this.images = Objects.requireNonNull(images, "images");
        this.imageIndex = imageIndex;
        this.text = text;
        this.textIndex = textIndex;
        Objects.requireNonNull(registry, "registry");
        String imageModel = shortSha(images.modelSha256());
        this.image = new Meters(registry, "image", imageModel);
        this.texts = text == null ? null : new Meters(registry, "text", shortSha(text.modelSha256()));
        this.decodeFailures = Counter.builder("imgsim.decode.failures").description("Images that could not be decoded")
                .tags("kind", "image", "model", imageModel).register(registry);
        if (imageIndex != null) {
            Gauge.builder("imgsim.index.size", imageIndex, ImgsimTemplate::sizeOf).description("Documents in the index")
                    .tags("kind", "image").register(registry);
        }
        if (textIndex != null) {
            Gauge.builder("imgsim.index.size", textIndex, t -> sizeOf(t::size)).description("Documents in the index")
                    .tags("kind", "text").register(registry);
        }
    }

    private static String shortSha(String sha) {
        return sha == null ? "unknown" : sha.substring(0, Math.min(12, sha.length()));
    }

    private static double sizeOf(ImageIndex index) {
        return sizeOf(index::size);
    }

    private static double sizeOf(Supplier<Long> size) {
        try {
            return size.get();
        } catch (RuntimeException closedOrBroken) {
            return Double.NaN; // a gauge must not throw: the health indicator says what is wrong
        }
    }

    /** @return the image model */
    public ImageSimilarity images() {
        return images;
    }

    /** @return the image index, when {@code imgsim.index.directory} is set */
    public Optional<ImageIndex> imageIndex() {
        return Optional.ofNullable(imageIndex);
    }

    /** @return the text model, when imgsim-text is on the classpath */
    public Optional<TextEncoder> text() {
        return Optional.ofNullable(text);
    }

    /** @return the text index, when {@code imgsim.text.index.directory} is set */
    public Optional<TextIndex> textIndex() {
        return Optional.ofNullable(textIndex);
    }

    private <T> T timed(Meters m, Timer timer, Supplier<T> call) {
        m.active.incrementAndGet();
        try {
            return timer.record(call);
        } catch (ImageDecodeException e) {
            decodeFailures.increment();
            throw e;
        } finally {
            m.active.decrementAndGet();
        }
    }

    /**
     * @param encoded the bytes of an image file (JPEG, PNG, WebP, TIFF, JPEG XL, ...)
     * @param name a name for error messages (e.g. the upload's file name)
     * @return its embedding
     * @throws ImageDecodeException if the bytes are not a decodable image (counted)
     */
    public float[] embed(byte[] encoded, String name) {
        return timed(image, image.embed, () -> images.embed(encoded, name));
    }

    /**
     * @param file an image file
     * @return its embedding
     */
    public float[] embed(Path file) {
        return timed(image, image.embed, () -> images.embed(file));
    }

    /**
     * The {@code k} indexed images nearest to an uploaded image ("more like this").
     *
     * @param encoded the bytes of an image file
     * @param name a name for error messages
     * @param k how many
     * @return the hits, most similar first
     */
    public List<Hit> search(byte[] encoded, String name, int k) {
        ImageIndex index = requireImageIndex();
        return timed(image, image.search, () -> index.search(images.embed(encoded, name), k));
    }

    /**
     * Is the uploaded image a copy (edited, turned, cropped, screenshotted) of an indexed one?
     *
     * @param encoded the bytes of an image file
     * @param name a name for error messages
     * @param k how many candidates
     * @return verified copies first, then look-alikes
     */
    public List<CopyHit> searchCopies(byte[] encoded, String name, int k) {
        ImageIndex index = requireImageIndex();
        return timed(image, image.search, () -> index.searchCopies(images.analyze(encoded, name),
                k, dev.imgsim.CopyCalibration.defaults()));
    }

    /**
     * Analyses an uploaded image and adds it (embedding and copy fingerprint) under {@code id}.
     *
     * @param id the id
     * @param encoded the bytes of an image file
     * @param name a name for error messages
     * @param fields stored with it; may be empty
     */
    public void add(String id, byte[] encoded, String name, Map<String, String> fields) {
        ImageIndex index = requireImageIndex();
        timed(image, image.add, () -> {
            CopyFeatures f = images.analyze(encoded, name);
            index.add(id, f, fields == null ? Collections.emptyMap() : fields);
            return null;
        });
    }

    /**
     * @param s a text
     * @return its embedding
     */
    public float[] embedText(String s) {
        TextEncoder t = requireText();
        return timed(texts, texts.embed, () -> t.embed(s));
    }

    /**
     * The {@code k} best texts for a query (hybrid: meaning and words).
     *
     * @param query the query
     * @param k how many
     * @return the hits, best first
     */
    public List<Hit> searchText(String query, int k) {
        requireText();
        TextIndex index = requireTextIndex();
        return timed(texts, texts.search, () -> index.search(query, k));
    }

    /**
     * Embeds a text and adds it under {@code id}.
     *
     * @param id the id
     * @param document the text
     */
    public void addText(String id, String document) {
        requireText();
        TextIndex index = requireTextIndex();
        timed(texts, texts.add, () -> {
            index.add(id, document);
            return null;
        });
    }

    private ImageIndex requireImageIndex() {
        if (imageIndex == null) {
            throw new IllegalStateException("no image index: set imgsim.index.directory");
        }
        return imageIndex;
    }

    private TextEncoder requireText() {
        if (text == null) {
            throw new IllegalStateException("no text model: add dev.imgsim:imgsim-text (and keep imgsim.text.enabled true)");
        }
        return text;
    }

    private TextIndex requireTextIndex() {
        if (textIndex == null) {
            throw new IllegalStateException("no text index: set imgsim.text.index.directory");
        }
        return textIndex;
    }
}
