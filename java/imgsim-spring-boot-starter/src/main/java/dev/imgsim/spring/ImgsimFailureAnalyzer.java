package dev.imgsim.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Spring Boot's start-up report for an {@link ImgsimConfigurationException}: the property and the fix. */
public class ImgsimFailureAnalyzer extends AbstractFailureAnalyzer<ImgsimConfigurationException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ImgsimConfigurationException cause) {
        return new FailureAnalysis("imgsim could not start: " + cause.getMessage(),
                "Fix the property '" + cause.property() + "': " + cause.action(), cause);
    }
}
