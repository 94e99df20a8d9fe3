package io.omniglass.core.runtime;

import io.nats.client.Connection;
import io.nats.client.support.JsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;

/**
 * {@code OMNIGLASS_NATS_REPLICAS}: how many JetStream servers hold each stream and KV bucket the
 * core creates (1 on the embedded server; 3 on a production cluster, so losing a node loses
 * nothing). Consumers inherit their stream's count. A stream made under another setting is scaled
 * to this one when the core meets it (a stream update of num_replicas; the server moves the data).
 */
public final class StreamReplicas {

    private static final Logger log = LoggerFactory.getLogger(StreamReplicas.class);
    public static final int MAX = 5;

    private StreamReplicas() {
    }

    /**
     * Scales {@code stream} (a KV bucket's is {@code KV_<bucket>}) to {@code replicas} when it holds
     * another count, keeping every other field of its configuration as the server holds it.
     */
    public static void reconcile(Connection nats, String stream, int replicas) throws IOException {
        Map<String, JsonValue> current = StreamConfigs.read(nats, stream);
        JsonValue held = current.get("num_replicas");
        int count = held == null || held.number == null ? 1 : held.number.intValue(); // absent: one replica
        if (count == replicas) {
            return;
        }
        log.info("stream {}: replicas {} -> {} (OMNIGLASS_NATS_REPLICAS)", stream, count, replicas);
        StreamConfigs.update(nats, stream, Map.of("num_replicas", new JsonValue(replicas)));
    }
}
