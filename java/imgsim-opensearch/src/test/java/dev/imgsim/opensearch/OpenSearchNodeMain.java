package dev.imgsim.opensearch;

import java.nio.file.Paths;

import org.opensearch.common.settings.Settings;

/**
 * One OpenSearch node as its own process, for {@link OpenSearchClusterTest}: {@code HOME NAME
 * CLUSTER HTTP_PORT TRANSPORT_PORT SEED_PORTS MANAGERS ROLES} (lists comma-separated). Prints
 * {@code READY <url>} once started and runs until killed; its data stays under HOME, so a node
 * started again on the same HOME rejoins with what it held.
 */
public final class OpenSearchNodeMain {
    private OpenSearchNodeMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: HOME NAME CLUSTER HTTP_PORT TRANSPORT_PORT SEED_PORTS MANAGERS ROLES");
            System.exit(2);
        }
        Settings.Builder s = Settings.builder()
                .put("node.name", args[1])
                .put("cluster.name", args[2])
                .put("http.port", args[3])
                .put("transport.port", args[4])
                .putList("node.roles", args[7].split(","))
                .putList("cluster.initial_cluster_manager_nodes", args[6].split(","));
        java.util.List<String> seeds = new java.util.ArrayList<>();
        for (String p : args[5].split(",")) {
            seeds.add("127.0.0.1:" + p);
        }
        s.putList("discovery.seed_hosts", seeds);
        EmbeddedOpenSearch node = EmbeddedOpenSearch.start(Paths.get(args[0]), s.build());
        System.out.println("READY " + node.url());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
