package dev.imgsim.spring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.imgsim.ImageSimilarity;
import dev.imgsim.ImgsimException;
import dev.imgsim.TextEncoder;
import dev.imgsim.index.ImageIndex;
import dev.imgsim.index.IndexLockedException;
import dev.imgsim.index.TextIndex;
import dev.imgsim.text.TextEmbedder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

/**
 * imgsim's beans from the {@code imgsim.*} properties ({@link ImgsimProperties}): an
 * {@link ImageSimilarity} always (bundled model unless {@code imgsim.model}), an
 * {@link ImageIndex} when {@code imgsim.index.directory} is set, a {@link TextEmbedder} when
 * imgsim-text is on the classpath, a {@link TextIndex} when {@code imgsim.text.index.directory}
 * is set, an {@link ImgsimTemplate} over them, and an Actuator health indicator when Actuator is
 * present. Each is a singleton closed when the context closes, and each steps aside for a bean of
 * the same type the application defines. A property that cannot work stops the start with an
 * {@link ImgsimConfigurationException} naming it.
 */
@AutoConfiguration
@ConditionalOnClass(ImageSimilarity.class)
@EnableConfigurationProperties(ImgsimProperties.class)
public class ImgsimAutoConfiguration {
    /**
     * @param p the properties
     * @return the image model
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public ImageSimilarity imageSimilarity(ImgsimProperties p) {
        ImageSimilarity.Builder b = ImageSimilarity.builder();
        if (p.getModel() != null) {
            if (!Files.isRegularFile(p.getModel())) {
                throw new ImgsimConfigurationException("imgsim.model", "no model file at " + p.getModel().toAbsolutePath(),
                        "point it at an ONNX image model, or remove it to use the model bundled in the jar", null);
            }
            b.model(p.getModel());
        } else {
            b.model(p.getBundledModel());
        }
        if (p.getThreads() > 0) {
            b.intraOpThreads(p.getThreads());
        }
        if (p.getSessionPoolSize() > 0) {
            b.sessionPoolSize(p.getSessionPoolSize());
        }
        if (p.getMaxPixels() > 0) {
            b.maxPixels(p.getMaxPixels());
        }
        try {
            return b.build();
        } catch (ImgsimException | IllegalArgumentException e) {
            String property = p.getModel() != null ? "imgsim.model" : "imgsim.bundled-model";
            throw new ImgsimConfigurationException(property, "the image model cannot be loaded: " + e.getMessage(),
                    "point imgsim.model at a valid ONNX image model (or remove it for the bundled one)", e);
        }
    }

    /**
     * @param p the properties
     * @param sim the image model
     * @return the image index at {@code imgsim.index.directory}
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty("imgsim.index.directory")
    public ImageIndex imageIndex(ImgsimProperties p, ImageSimilarity sim) {
        ImgsimProperties.Index ix = p.getIndex();
        return openIndex("imgsim.index", ix, () -> ix.isReadOnly() ? ImageIndex.openReadOnly(ix.getDirectory(), sim)
                : ImageIndex.open(ix.getDirectory(), sim));
    }

    /**
     * @param sim the image model
     * @param imageIndex the image index, if any
     * @param text the text model, if any
     * @param textIndex the text index, if any
     * @param registry the application's meter registry, if any (without one, meters go nowhere)
     * @return the template
     */
    @Bean
    @ConditionalOnMissingBean
    public ImgsimTemplate imgsimTemplate(ImageSimilarity sim, ObjectProvider<ImageIndex> imageIndex,
            ObjectProvider<TextEncoder> text, ObjectProvider<TextIndex> textIndex, ObjectProvider<MeterRegistry> registry) {
        return new ImgsimTemplate(sim, imageIndex.getIfAvailable(), text.getIfAvailable(), textIndex.getIfAvailable(),
                registry.getIfAvailable(CompositeMeterRegistry::new));
    }

    interface Opener<T> {
        T open();
    }

    /** Opens an index, turning every failure into one message that names the property to fix. */
    static <T> T openIndex(String prefix, ImgsimProperties.Index ix, Opener<T> opener) {
        Path dir = ix.getDirectory();
        String property = prefix + ".directory";
        if (!ix.isReadOnly()) {
            try {
                Files.createDirectories(dir);
            } catch (IOException | SecurityException e) {
                throw new ImgsimConfigurationException(property, "cannot create the index directory "
                        + dir.toAbsolutePath() + " (" + e + ")", "point it at a directory this process may write", e);
            }
            if (!Files.isWritable(dir)) {
                throw new ImgsimConfigurationException(property, "the index directory " + dir.toAbsolutePath()
                        + " is not writable", "point it at a directory this process may write, or set " + prefix
                        + ".read-only=true to only search it", null);
            }
        }
        try {
            return opener.open();
        } catch (IndexLockedException e) {
            throw new ImgsimConfigurationException(property, "the index " + dir.toAbsolutePath()
                    + " is already open for writing (another bean, application or process)",
                    "give this application its own directory, or set " + prefix + ".read-only=true to search the"
                            + " index another process writes", e);
        } catch (ImgsimException | IllegalArgumentException | IllegalStateException e) {
            throw new ImgsimConfigurationException(property, "cannot open the index " + dir.toAbsolutePath() + ": "
                    + e.getMessage(), "point it at an imgsim index made with this model, or at an empty directory", e);
        }
    }

    /** The text model and index, when dev.imgsim:imgsim-text is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.imgsim.text.TextEmbedder")
    @ConditionalOnProperty(name = "imgsim.text.enabled", matchIfMissing = true)
    static class TextConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(TextEncoder.class)
        TextEmbedder textEmbedder(ImgsimProperties p) {
            ImgsimProperties.Text t = p.getText();
            TextEmbedder.Builder b = TextEmbedder.builder();
            if (t.getModel() != null) {
                if (!Files.exists(t.getModel())) {
                    throw new ImgsimConfigurationException("imgsim.text.model", "no text model at "
                            + t.getModel().toAbsolutePath(), "point it at a text model directory or ONNX file, or remove"
                            + " it to use the bundled MiniLM", null);
                }
                b.model(t.getModel());
            }
            if (t.getThreads() > 0) {
                b.intraOpThreads(t.getThreads());
            }
            if (t.getSessionPoolSize() > 0) {
                b.sessionPoolSize(t.getSessionPoolSize());
            }
            try {
                return b.build();
            } catch (ImgsimException | IllegalArgumentException e) {
                throw new ImgsimConfigurationException("imgsim.text.model", "the text model cannot be loaded: "
                        + e.getMessage(), "point it at a valid text model (or remove it for the bundled one)", e);
            }
        }

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        @ConditionalOnProperty("imgsim.text.index.directory")
        TextIndex textIndex(ImgsimProperties p, TextEncoder text) {
            ImgsimProperties.Index ix = p.getText().getIndex();
            return openIndex("imgsim.text.index", ix, () -> ix.isReadOnly() ? TextIndex.openReadOnly(ix.getDirectory(), text)
                    : TextIndex.open(ix.getDirectory(), text));
        }
    }

    /** The health indicator, when Spring Boot Actuator is on the classpath. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "imgsimHealthIndicator")
        ImgsimHealthIndicator imgsimHealthIndicator(ImgsimProperties p, ImageSimilarity sim,
                ObjectProvider<ImageIndex> imageIndex, ObjectProvider<TextIndex> textIndex) {
            return new ImgsimHealthIndicator(sim, imageIndex.getIfAvailable(), textIndex.getIfAvailable(),
                    p.getHealth().getMinFreeDisk().toBytes());
        }
    }
}
