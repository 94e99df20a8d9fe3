package io.omniglass.core.runtime;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

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

    /** Scales {@code stream} (a KV bucket's is {@code KV_<bucket>}) to {@code replicas} when it holds another count. */
    public static void reconcile(JetStreamManagement jsm, String stream, int replicas) throws IOException, JetStreamApiException {
        StreamInfo info = jsm.getStreamInfo(stream);
        reconcile(jsm, info, replicas);
    }

    /** The same for a stream whose info the caller has just read. */
    public static void reconcile(JetStreamManagement jsm, StreamInfo info, int replicas) throws IOException, JetStreamApiException {
        StreamConfiguration current = info.getConfiguration();
        if (current.getReplicas() == replicas) {
            return;
        }
        log.info("stream {}: replicas {} -> {} (OMNIGLASS_NATS_REPLICAS)", current.getName(), current.getReplicas(), replicas);
        jsm.updateStream(StreamConfiguration.builder(current).replicas(replicas).build());
    }
}
