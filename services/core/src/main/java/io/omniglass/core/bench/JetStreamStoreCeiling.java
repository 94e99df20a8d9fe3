package io.omniglass.core.bench;

import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.nats.client.api.MessageInfo;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.impl.Headers;
import io.omniglass.core.tenancy.TenantStreams;

import java.time.Duration;

/**
 * The second ceiling of {@code bench cdc}: JetStream storing the feed's messages with nothing in
 * front of it. The same bodies as the publisher's (a stored change of the tenant's CDC stream,
 * repeated), the same headers ({@code Nats-Msg-Id}, {@code Nats-Expected-Last-Sequence}), the
 * same window of PubAcks in flight on one wildcard inbox, into a stream configured as the CDC
 * stream; no Postgres, no decoding, no encoding. With {@code sync_interval: always} nats-server
 * writes and fsyncs every message it stores, so this, not the slot, is what bounds a publisher
 * that awaits every PubAck. On nats-server 2.12+ the same messages also go out as atomic batches
 * of the publisher's size with the publisher's number of batches in flight: the ceiling of the
 * publisher's batched path.
 */
final class JetStreamStoreCeiling {

    static final String STREAM = "OG_BENCH_STORE_CEILING";
    private static final String SUBJECT = "og-bench.ceiling.audit_log";

    private JetStreamStoreCeiling() {
    }

    /** A stored change of the tenant's feed: the body every ceiling message carries. */
    static byte[] sampleBody(Connection nats, String slug) throws Exception {
        JetStreamManagement jsm = nats.jetStreamManagement();
        String stream = TenantStreams.cdcStream(slug);
        long last = jsm.getStreamInfo(stream).getStreamState().getLastSequence();
        MessageInfo m = jsm.getMessage(stream, last);
        return m.getData();
    }

    /** Publishes {@code messages} copies of {@code body}, every PubAck awaited; returns the nanoseconds it took. */
    static long run(Connection nats, byte[] body, int messages, int window, int replicas) throws Exception {
        create(nats, STREAM, SUBJECT, replicas);
        String inbox = nats.createInbox() + ".";
        Subscription acks = nats.subscribe(inbox + "*");
        try {
            long started = System.nanoTime();
            long deadline = started + Duration.ofMinutes(5).toNanos();
            int sent = 0;
            int acked = 0;
            while (acked < messages) {
                while (sent < messages && sent - acked < window) {
                    Headers h = new Headers();
                    h.put("Nats-Msg-Id", "0/" + Integer.toHexString(sent) + ":0");
                    h.put("Nats-Expected-Last-Sequence", Integer.toString(sent));
                    nats.publish(SUBJECT, inbox + sent, h, body);
                    sent++;
                }
                Message ack = acks.nextMessage(Duration.ofMillis(50));
                while (ack != null) {
                    requireStored(ack, "ceiling publish");
                    acked++;
                    ack = acks.nextMessage(Duration.ofNanos(1));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("ceiling: " + acked + " of " + messages + " PubAcks in 5 minutes");
                }
            }
            return System.nanoTime() - started;
        } finally {
            acks.unsubscribe();
        }
    }

    /**
     * Publishes {@code messages} copies of {@code body} in atomic batches of {@code batch} (the first
     * message of each carrying the expected last sequence, every one its {@code Nats-Msg-Id}, the
     * commit the reply), at most {@code inFlight} batches awaiting their PubAck; returns the nanoseconds.
     */
    static long runBatched(Connection nats, byte[] body, int messages, int batch, int inFlight, int replicas) throws Exception {
        return runBatched(nats, STREAM, SUBJECT, body, messages, batch, inFlight, replicas, BatchHeaders.CEILING);
    }

    /** What each message of a batch carries beside the batch's own headers. */
    enum BatchHeaders {
        /** {@code Nats-Msg-Id} on every message: the ceiling as bench cdc reports it. */
        CEILING,
        /** As the publisher sends them: {@code Nats-Msg-Id} and the Postgres system identifier. */
        PUBLISHER,
        /** No {@code Nats-Msg-Id}: the expected last sequence alone fences the batch. */
        NO_MSG_ID
    }

    /** One point of {@code bench cdc --store-matrix}: a stream of its own, deleted by {@link #removeMatrix}. */
    static long runMatrixPoint(Connection nats, int point, byte[] body, int messages, int batch, int inFlight, int replicas,
                               BatchHeaders headers) throws Exception {
        // a fresh stream per point rather than deleting one between points: a deletion's trim
        // stalled the next fsync on this disk (see remove)
        return runBatched(nats, STREAM + "_M" + point, "og-bench.matrix" + point + ".audit_log", body, messages, batch,
                inFlight, replicas, headers);
    }

    static void removeMatrix(Connection nats, int points) throws Exception {
        for (int i = 0; i < points; i++) {
            try {
                nats.jetStreamManagement().deleteStream(STREAM + "_M" + i);
            } catch (io.nats.client.JetStreamApiException absent) {
                // the point did not run
            }
        }
    }

    private static long runBatched(Connection nats, String stream, String subject, byte[] body, int messages, int batch,
                                   int inFlight, int replicas, BatchHeaders headers) throws Exception {
        create(nats, stream, subject, replicas);
        io.omniglass.core.tenancy.TenantStreams.allowAtomicPublish(nats, stream);
        String inbox = nats.createInbox() + ".";
        String batchPrefix = io.nats.client.NUID.nextGlobal() + "-";
        Subscription acks = nats.subscribe(inbox + "*");
        try {
            long started = System.nanoTime();
            long deadline = started + Duration.ofMinutes(5).toNanos();
            int sent = 0;
            int acked = 0;
            int batches = 0;
            while (acked < messages) {
                while (sent < messages && batches < inFlight) {
                    int n = Math.min(batch, messages - sent);
                    for (int i = 0; i < n; i++) {
                        Headers h = new Headers();
                        if (headers != BatchHeaders.NO_MSG_ID) {
                            h.put("Nats-Msg-Id", "0/" + Integer.toHexString(sent + i) + ":0");
                        }
                        if (headers == BatchHeaders.PUBLISHER) {
                            h.put("Og-Pg-System", "7443019184735652873");
                        }
                        h.put("Nats-Batch-Id", batchPrefix + sent);
                        h.put("Nats-Batch-Sequence", Integer.toString(i + 1));
                        if (i == 0) {
                            h.put("Nats-Expected-Last-Sequence", Integer.toString(sent));
                        }
                        if (i == n - 1) {
                            h.put("Nats-Batch-Commit", "1");
                        }
                        nats.publish(subject, i == n - 1 ? inbox + (sent + n) : null, h, body);
                    }
                    sent += n;
                    batches++;
                }
                Message ack = acks.nextMessage(Duration.ofMillis(50));
                while (ack != null) {
                    requireStored(ack, "ceiling batch");
                    acked = Math.max(acked, Integer.parseInt(ack.getSubject().substring(inbox.length())));
                    batches--;
                    ack = acks.getPendingMessageCount() == 0 ? null : acks.nextMessage(Duration.ofNanos(1));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("batched ceiling: " + acked + " of " + messages + " stored in 5 minutes");
                }
            }
            return System.nanoTime() - started;
        } finally {
            acks.unsubscribe();
        }
    }

    private static void create(Connection nats, String stream, String subject, int replicas) throws Exception {
        JetStreamManagement jsm = nats.jetStreamManagement();
        try {
            jsm.deleteStream(stream);
        } catch (io.nats.client.JetStreamApiException absent) {
            // first run
        }
        jsm.addStream(StreamConfiguration.builder()
                .name(stream)
                .subjects(subject)
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .duplicateWindow(TenantStreams.DUPLICATE_WINDOW)
                .replicas(replicas)
                .build());
    }

    /**
     * Only once every reader is done: deleting the stream's files right before a run stalled the
     * next fsync for over ten seconds on this machine (ext4 mounted with {@code discard}: the freed
     * blocks are trimmed at the next journal commit), and the publisher's PubAcks with it.
     */
    static void remove(Connection nats) throws Exception {
        try {
            nats.jetStreamManagement().deleteStream(STREAM);
        } catch (io.nats.client.JetStreamApiException absent) {
            // the ceiling did not run
        }
    }

    /** A PubAck that is a status or names an error ends the measurement: the ceiling is of stored messages. */
    private static void requireStored(Message ack, String what) {
        byte[] data = ack.getData();
        if (ack.isStatusMessage() || data == null || new String(data, java.nio.charset.StandardCharsets.UTF_8).contains("\"error\"")) {
            throw new IllegalStateException(what + " not acknowledged: "
                    + (data == null ? ack.getStatus() : new String(data, java.nio.charset.StandardCharsets.UTF_8)));
        }
    }
}
