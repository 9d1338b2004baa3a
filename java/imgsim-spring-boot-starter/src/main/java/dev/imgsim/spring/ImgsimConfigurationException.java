package dev.imgsim.spring;

import dev.imgsim.ImgsimException;

/**
 * The application cannot start because an {@code imgsim.*} property points at something unusable
 * (a missing model file, an unwritable or locked index directory). {@link #property()} names the
 * property to fix; {@link ImgsimFailureAnalyzer} turns it into Spring Boot's start-up report.
 */
public class ImgsimConfigurationException extends ImgsimException {
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String action;

    /**
     * @param property the property to fix, e.g. {@code imgsim.index.directory}
     * @param message what is wrong with its value
     * @param action what to do about it
     * @param cause the underlying failure, or null
     */
    public ImgsimConfigurationException(String property, String message, String action, Throwable cause) {
        super(property + ": " + message, cause);
        this.property = property;
        this.action = action;
    }

    /** @return the property to fix */
    public String property() {
        return property;
    }

    /** @return what to do about it */
    public String action() {
        return action;
    }
}
