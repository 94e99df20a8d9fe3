package io.omniglass.core.bench;

import java.util.HashMap;
import java.util.Map;

/** A benchmark's JetStream: the embedded nats-server, or a given one (a cluster) with its replica count. */
final class BenchNats {

    private BenchNats() {
    }

    static Map<String, String> settings(Map<String, String> base, String natsUrl, int replicas) {
        Map<String, String> env = new HashMap<>(base);
        if (natsUrl != null && !natsUrl.isBlank()) {
            env.put("OMNIGLASS_NATS_URL", natsUrl);
            env.put("OMNIGLASS_NATS_REPLICAS", Integer.toString(replicas));
        } else if (replicas != 1) {
            throw new IllegalArgumentException("--nats-replicas " + replicas + " needs --nats-url (the embedded nats-server is one node)");
        }
        return env;
    }

    /** What the figures were measured on, without the credentials of the URL. */
    static String describe(String natsUrl, int replicas) {
        if (natsUrl == null || natsUrl.isBlank()) {
            return "embedded nats-server (one node, R1), JetStream file storage, sync_interval always";
        }
        int servers = natsUrl.split(",").length;
        return servers + " nats-server(s) given by --nats-url, streams R" + replicas + ", sync_interval as they are configured";
    }
}
