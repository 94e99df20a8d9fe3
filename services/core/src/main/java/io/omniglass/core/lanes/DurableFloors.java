package io.omniglass.core.lanes;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Memory-stored durable consumers on file-stored streams, and the floor they start again from.
 * <p>
 * With {@code sync_interval: always} a file-stored consumer writes its whole state (an O_SYNC
 * write of {@code o.dat.tmp}, a rename, a directory fsync) after deliveries and acks, up to
 * several times a second per consumer: at 180 live tenants (og-sink and og-rules on each data
 * lane) that was as many synchronous writes as the stream's own stored messages. A consumer's
 * position is not what keeps a datapoint: the stream keeps every message (limits retention), and
 * a message is acked only after it is committed, so a position that is older than the truth only
 * redelivers (the sink and the rules are idempotent). So the data lane's consumers keep their
 * state in memory, and their <em>floor</em> (the consumer's ack floor: every message at or below
 * it acked, by whichever instance) is written to the file-stored KV bucket {@value #BUCKET}
 * at most once per {@link #CHECKPOINT_EVERY} per consumer, and only after acks. A consumer that
 * the server does not have (it restarted: memory consumers are not kept) is made again from its
 * floor + 1, so a restart redelivers at most the last checkpoint period, not the stream. A floor
 * is only used for the stream it was taken from (the stream's creation time is kept with it):
 * a tenant deleted and made again starts from its stream's first message.
 */
public final class DurableFloors implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DurableFloors.class);
    public static final String BUCKET = "og_consumer_floors";
    /** How long after an ack a consumer's floor is written (acks meanwhile share the write). */
    static final Duration CHECKPOINT_EVERY = Duration.ofSeconds(10);

    private final ScheduledThreadPoolExecutor executor;
    private final Map<String, Boolean> scheduled = new ConcurrentHashMap<>();
    private final Map<String, Long> written = new ConcurrentHashMap<>();
    /** A stream's creation time (epoch ms), as the last {@link #ensure} read it: kept with its floors. */
    private final Map<String, Long> created = new ConcurrentHashMap<>();
    /** A stream's replicas, as the last {@link #ensure} read them: the bucket is made with as many. */
    private final Map<String, Integer> replicas = new ConcurrentHashMap<>();
    private final Duration every;
    private volatile KeyValue bucket;

    DurableFloors(Duration every) {
        this.every = every;
        executor = new ScheduledThreadPoolExecutor(1, io.omniglass.core.runtime.DaemonThreads.named("og-consumer-floors"));
        executor.setRemoveOnCancelPolicy(true);
    }

    static String key(String stream, String durable) {
        return stream + "." + durable;
    }

    /**
     * Makes the durable {@code wanted} on {@code stream} if the server does not have it: memory-stored,
     * delivering from the floor + 1 when a floor of this stream is known (else as {@code wanted} says).
     * An existing durable keeps its storage and start; its ack wait, max ack pending and max deliver
     * are brought to {@code wanted}'s.
     */
    public void ensure(Connection nats, String stream, ConsumerConfiguration wanted) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        String durable = wanted.getDurable();
        ConsumerInfo existing = null;
        try {
            existing = jsm.getConsumerInfo(stream, durable);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10014 && e.getErrorCode() != 404) { // consumer not found
                throw e;
            }
        }
        if (existing != null) {
            remember(stream, jsm.getStreamInfo(stream));
            ConsumerConfiguration c = existing.getConsumerConfiguration();
            if (!Objects.equals(c.getAckWait(), wanted.getAckWait()) || c.getMaxAckPending() != wanted.getMaxAckPending()
                    || c.getMaxDeliver() != wanted.getMaxDeliver()) {
                jsm.addOrUpdateConsumer(stream, ConsumerConfiguration.builder(c).ackWait(wanted.getAckWait())
                        .maxAckPending(wanted.getMaxAckPending()).maxDeliver(wanted.getMaxDeliver()).build());
            }
            return;
        }
        StreamInfo si = jsm.getStreamInfo(stream);
        remember(stream, si);
        long floor = floor(nats, stream, durable, si);
        ConsumerConfiguration.Builder b = ConsumerConfiguration.builder(wanted).memStorage(true);
        if (floor > 0) {
            b.deliverPolicy(DeliverPolicy.ByStartSequence).startSequence(floor + 1);
        }
        try {
            jsm.addOrUpdateConsumer(stream, b.build());
        } catch (JetStreamApiException raced) {
            jsm.getConsumerInfo(stream, durable); // made by another instance meanwhile; anything else is real
            return;
        }
        if (floor > 0) {
            written.put(key(stream, durable), floor);
            log.info("consumer {}/{} made again from its floor: delivering from stream sequence {}", stream, durable, floor + 1);
        }
    }

    /** The floor kept for this stream (0: none, or it was taken from an earlier stream of that name). */
    private long floor(Connection nats, String stream, String durable, StreamInfo si) throws IOException {
        try {
            KeyValueEntry e = bucket(nats, si.getConfiguration().getReplicas()).get(key(stream, durable));
            if (e == null || e.getValue() == null) {
                return 0;
            }
            String[] v = new String(e.getValue(), StandardCharsets.UTF_8).split(" ");
            if (v.length != 2 || Long.parseLong(v[1]) != createdMillis(si)) {
                return 0; // another stream of that name: its sequences are not this one's
            }
            return Long.parseLong(v[0]);
        } catch (JetStreamApiException | NumberFormatException e) {
            log.warn("consumer {}/{}: no floor to start from ({}); it delivers the stream from its start", stream, durable, e.toString());
            return 0;
        }
    }

    /**
     * Acks of {@code durable} were sent: its floor is written within {@link #CHECKPOINT_EVERY}
     * (one consumer info request and one KV put, shared by every ack meanwhile; nothing when idle).
     */
    public void acked(Connection nats, String stream, String durable) {
        String key = key(stream, durable);
        if (scheduled.putIfAbsent(key, Boolean.TRUE) == null) {
            try {
                executor.schedule(() -> checkpoint(nats, stream, durable, key), every.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RuntimeException closing) {
                scheduled.remove(key);
            }
        }
    }

    private void checkpoint(Connection nats, String stream, String durable, String key) {
        scheduled.remove(key);
        try {
            JetStreamManagement jsm = nats.jetStreamManagement();
            ConsumerInfo ci = jsm.getConsumerInfo(stream, durable);
            long floor = ci.getAckFloor() == null ? 0 : ci.getAckFloor().getStreamSequence();
            if (floor <= 0 || floor <= written.getOrDefault(key, 0L)) {
                return;
            }
            Long streamCreated = created.get(stream);
            if (streamCreated == null) {
                return; // not made through ensure on this instance
            }
            bucket(nats, replicas.getOrDefault(stream, 1)).put(key, (floor + " " + streamCreated).getBytes(StandardCharsets.UTF_8));
            written.put(key, floor);
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            // the next ack schedules another; meanwhile a restart redelivers a little more
            log.debug("consumer {}/{}: floor not written ({})", stream, durable, e.toString());
        }
    }

    private void remember(String stream, StreamInfo si) {
        created.put(stream, createdMillis(si));
        replicas.put(stream, Math.max(1, si.getConfiguration().getReplicas()));
    }

    private static long createdMillis(StreamInfo si) {
        return si.getCreateTime() == null ? 0 : si.getCreateTime().toInstant().toEpochMilli();
    }

    private KeyValue bucket(Connection nats, int replicas) throws IOException, JetStreamApiException {
        KeyValue kv = bucket;
        if (kv != null) {
            return kv;
        }
        synchronized (this) {
            if (bucket == null) {
                KeyValueManagement kvm = nats.keyValueManagement();
                try {
                    kvm.getStatus(BUCKET);
                } catch (JetStreamApiException missing) {
                    try {
                        kvm.create(KeyValueConfiguration.builder().name(BUCKET).maxHistoryPerKey(1)
                                .storageType(StorageType.File).replicas(Math.max(1, replicas)).build());
                    } catch (JetStreamApiException raced) {
                        kvm.getStatus(BUCKET); // made by another instance meanwhile; anything else is real
                    }
                }
                bucket = nats.keyValue(BUCKET);
            }
            return bucket;
        }
    }

    /** Runs {@code work} on this class's thread (blocking JetStream requests off the lanes' timer). */
    void execute(Runnable work) {
        try {
            executor.execute(work);
        } catch (RuntimeException closing) {
            // shutting down
        }
    }

    /** Runs {@code work} on this class's thread in {@code ms} milliseconds. */
    void schedule(Runnable work, long ms) {
        try {
            executor.schedule(work, ms, TimeUnit.MILLISECONDS);
        } catch (RuntimeException closing) {
            // shutting down
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
