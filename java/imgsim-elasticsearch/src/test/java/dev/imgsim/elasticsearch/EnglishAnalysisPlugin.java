package dev.imgsim.elasticsearch;

import java.util.Collections;
import java.util.Map;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;
import org.elasticsearch.index.analysis.AnalyzerProvider;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The {@code english} analyzer for the test node. Elasticsearch's distribution gets it from its
 * {@code analysis-common} module (Lucene's {@link EnglishAnalyzer} with its default stop words),
 * which is not published to Maven Central; this registers the same Lucene analyzer under the same
 * name, so the text tests run with the analyzer a real cluster has.
 */
public final class EnglishAnalysisPlugin extends Plugin implements AnalysisPlugin {
    @Override
    public Map<String, AnalysisProvider<AnalyzerProvider<? extends Analyzer>>> getAnalyzers() {
        return Collections.singletonMap("english", (indexSettings, environment, name, settings) ->
                new AbstractIndexAnalyzerProvider<EnglishAnalyzer>(name, settings) {
                    private final EnglishAnalyzer analyzer = new EnglishAnalyzer();

                    @Override
                    public EnglishAnalyzer get() {
                        return analyzer;
                    }
                });
    }
}
