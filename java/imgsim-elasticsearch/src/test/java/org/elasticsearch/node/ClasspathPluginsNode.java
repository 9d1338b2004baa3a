package org.elasticsearch.node;

import java.util.Collection;
import java.util.Map;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * An Elasticsearch {@link Node} whose plugins are classes on the classpath: what the test
 * framework's {@code MockNode} does (same package, for the package-private construction), without
 * its random port range from {@code ESTestCase}, whose static initialiser refuses to run as root.
 * Nothing else is mocked: the node's services are the server's own.
 */
public final class ClasspathPluginsNode extends Node {
    /**
     * @param settings the node's settings ({@code path.home} at least)
     * @param plugins plugin classes to load (e.g. the Netty4 HTTP transport)
     */
    public ClasspathPluginsNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
        super(construction(settings, plugins));
    }

    private static NodeConstruction construction(Settings settings, Collection<Class<? extends Plugin>> plugins) {
        // the server's logging facade, as Elasticsearch's launcher (and ESTestCase) set it up
        LogConfigurator.configureESLogging();
        return NodeConstruction.prepareConstruction(
                InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "imgsim-test"), null,
                new NodeServiceProvider() {
                    @Override
                    PluginsService newPluginService(Environment environment, PluginsLoader loader) {
                        return new MockPluginsService(environment.settings(), environment, plugins);
                    }
                }, true);
    }
}
