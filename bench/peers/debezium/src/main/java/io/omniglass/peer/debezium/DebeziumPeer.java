package io.omniglass.peer.debezium;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.PublishAck;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The Debezium embedded engine (pgoutput, in-memory offsets, no Kafka) on an existing slot of a
 * tenant database, as the peer of the core's CDC publisher in {@code bench cdc --peer debezium}.
 * Runs in a JVM of its own, started by the benchmark.
 *
 * <p>Handler {@code publish}: every change goes to JetStream with a {@code Nats-Msg-Id}, and the
 * batch is marked processed only once every PubAck has arrived (what the core's publisher does).
 * On a nats-server with atomic batch publish (2.12+) the handler uses the same JetStream facility
 * as the core's publisher: each of Debezium's batches goes out as atomic batches of up to 1,000
 * changes, one PubAck each, so that the comparison stays "the same JetStream publish";
 * handler {@code noop}: the change is marked processed and nothing else, Debezium's own ceiling.
 *
 * <p>Protocol: settings as arguments, secrets in the environment ({@code PEER_PG_PASSWORD},
 * {@code PEER_NATS_URL}). Standard output carries {@code started VERSION}, then {@code count N} after each
 * batch, and {@code done} once the records are written. The line {@code stop} on standard input
 * ends the engine; the handler time of every change is then written to the record file, one line
 * {@code xid epochMicros} per change in commit order.
 */
public final class DebeziumPeer {

    public static final String STREAM = "OG_BENCH_DEBEZIUM";
    public static final String SUBJECT_PREFIX = "peer.debezium.";

    /** nats-server's default ceiling on the messages of one atomic batch, as the core's publisher. */
    static final int MAX_BATCH = 1000;

    private final String handler;
    private final JetStream js;
    private final Connection nats;
    private final boolean atomic;
    private final String batchIdPrefix = io.nats.client.NUID.nextGlobal() + "-";
    private long batches;
    private long[] xids = new long[1 << 16];
    private long[] micros = new long[1 << 16];
    private int count;

    private DebeziumPeer(String handler, JetStream js, Connection nats, boolean atomic) {
        this.handler = handler;
        this.js = js;
        this.nats = nats;
        this.atomic = atomic;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: DebeziumPeer HOST PORT DATABASE USER SLOT PUBLICATION publish|noop RECORD_FILE"
                    + " (PEER_PG_PASSWORD, PEER_NATS_URL, PEER_POLL_MS in the environment)");
            System.exit(2);
        }
        String handler = args[6];
        if (!handler.equals("publish") && !handler.equals("noop")) {
            throw new IllegalArgumentException("handler must be publish or noop, not " + handler);
        }
        Path recordFile = Path.of(args[7]);
        Properties props = new Properties();
        props.setProperty("name", "omniglass-bench-peer-" + args[4]);
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        props.setProperty("offset.flush.interval.ms", "1000");
        props.setProperty("database.hostname", args[0]);
        props.setProperty("database.port", args[1]);
        props.setProperty("database.dbname", args[2]);
        props.setProperty("database.user", args[3]);
        props.setProperty("database.password", System.getenv().getOrDefault("PEER_PG_PASSWORD", ""));
        props.setProperty("topic.prefix", "bench");
        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("slot.name", args[4]);
        props.setProperty("slot.drop.on.stop", "false");
        props.setProperty("publication.name", args[5]);
        props.setProperty("publication.autocreate.mode", "disabled");
        // the slot was created where the core's was; only the changes after it are streamed
        props.setProperty("snapshot.mode", "no_data");
        // the default 500 ms would put half a second on an idle feed's latency; tuned as a user would
        props.setProperty("poll.interval.ms", System.getenv().getOrDefault("PEER_POLL_MS", "5"));
        // JSON without the schema envelope, as a consumer outside Kafka would read it
        props.setProperty("converter.schemas.enable", "false");
        props.setProperty("key.converter.schemas.enable", "false");
        props.setProperty("value.converter.schemas.enable", "false");

        Connection nats = handler.equals("publish") ? Nats.connect(new Options.Builder()
                .server(System.getenv("PEER_NATS_URL")).maxMessagesInOutgoingQueue(100_000).build()) : null;
        JetStream js = null;
        boolean atomic = false;
        if (nats != null) {
            ensureStream(nats.jetStreamManagement());
            atomic = allowAtomicPublish(nats);
            js = nats.jetStream();
        }
        DebeziumPeer peer = new DebeziumPeer(handler, js, nats, atomic);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "debezium-engine"));
        DebeziumEngine<ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props)
                .notifying(peer::handleBatch)
                .using((success, message, error) -> {
                    if (!success) {
                        System.err.println("peer: engine stopped: " + message);
                        if (error != null) {
                            error.printStackTrace();
                        }
                        System.out.println("failed " + message.replace('\n', ' '));
                        System.out.flush();
                    }
                })
                .build();
        executor.execute(engine);
        System.out.println("started " + debeziumVersion());
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("stop")) {
            // nothing else is said on standard input
        }
        engine.close();
        executor.shutdown();
        executor.awaitTermination(30, TimeUnit.SECONDS);
        if (nats != null) {
            nats.close();
        }
        peer.writeRecords(recordFile);
        System.out.println("done");
        System.out.flush();
        System.exit(0);
    }

    private void handleBatch(List<ChangeEvent<String, String>> records,
                             DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> committer) throws InterruptedException {
        if (handler.equals("publish") && atomic) {
            publishAtomically(records);
            for (ChangeEvent<String, String> r : records) {
                note(r);
                committer.markProcessed(r);
            }
        } else if (handler.equals("publish")) {
            List<CompletableFuture<PublishAck>> acks = new ArrayList<>(records.size());
            for (ChangeEvent<String, String> r : records) {
                String value = r.value();
                if (value == null) {
                    acks.add(null); // a tombstone: nothing to publish
                    continue;
                }
                Headers h = new Headers();
                h.put("Nats-Msg-Id", Long.toString(lsnOf(value))); // a change's own LSN: one per change
                acks.add(js.publishAsync(SUBJECT_PREFIX + r.destination(), h, value.getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < records.size(); i++) {
                CompletableFuture<PublishAck> ack = acks.get(i);
                if (ack != null) {
                    try {
                        ack.get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("PubAck not received", e);
                    }
                }
                note(records.get(i));
                committer.markProcessed(records.get(i));
            }
        } else {
            for (ChangeEvent<String, String> r : records) {
                note(r);
                committer.markProcessed(r);
            }
        }
        committer.markBatchFinished();
        System.out.println("count " + count);
        System.out.flush();
    }

    /** Debezium's batch as atomic batches of up to {@value #MAX_BATCH} changes; returns once every one is stored. */
    private void publishAtomically(List<ChangeEvent<String, String>> records) {
        List<ChangeEvent<String, String>> changes = new ArrayList<>(records.size());
        for (ChangeEvent<String, String> r : records) {
            if (r.value() != null) { // a tombstone: nothing to publish
                changes.add(r);
            }
        }
        List<CompletableFuture<Message>> acks = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int from = 0; from < changes.size(); from += MAX_BATCH) {
            int to = Math.min(changes.size(), from + MAX_BATCH);
            String id = batchIdPrefix + batches++;
            for (int i = from; i < to; i++) {
                String value = changes.get(i).value();
                Headers h = new Headers();
                h.put("Nats-Msg-Id", Long.toString(lsnOf(value))); // a change's own LSN: one per change
                h.put("Nats-Batch-Id", id);
                h.put("Nats-Batch-Sequence", Integer.toString(i - from + 1));
                byte[] body = value.getBytes(StandardCharsets.UTF_8);
                String subject = SUBJECT_PREFIX + changes.get(i).destination();
                if (i < to - 1) {
                    nats.publish(subject, h, body);
                } else {
                    h.put("Nats-Batch-Commit", "1");
                    acks.add(nats.request(NatsMessage.builder().subject(subject).headers(h).data(body).build()));
                    sizes.add(to - from);
                }
            }
        }
        for (int i = 0; i < acks.size(); i++) {
            Message ack;
            try {
                ack = acks.get(i).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("batch PubAck not received", e);
            }
            String text = ack.isStatusMessage() || ack.getData() == null ? String.valueOf(ack.getStatus())
                    : new String(ack.getData(), StandardCharsets.UTF_8);
            if (ack.isStatusMessage() || text.contains("\"error\"") || !text.contains("\"count\":" + sizes.get(i))) {
                throw new IllegalStateException("batch of " + sizes.get(i) + " not stored: " + text);
            }
        }
    }

    /** Turns on {@code allow_atomic} (not modelled by this jnats) on nats-server 2.12+; true when the stream has it. */
    private static boolean allowAtomicPublish(Connection nats) throws Exception {
        if (!nats.getServerInfo().isSameOrNewerThanVersion("2.12.0")) {
            return false;
        }
        JsonValue info = JsonParser.parse(new String(nats.request("$JS.API.STREAM.INFO." + STREAM, null,
                Duration.ofSeconds(10)).getData(), StandardCharsets.UTF_8));
        Map<String, JsonValue> config = new LinkedHashMap<>(info.map.get("config").map);
        config.put("allow_atomic", JsonValue.TRUE);
        String answer = new String(nats.request("$JS.API.STREAM.UPDATE." + STREAM,
                new JsonValue(config).toJson().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10)).getData(),
                StandardCharsets.UTF_8);
        if (answer.contains("\"error\"")) {
            throw new IllegalStateException("cannot allow atomic publish on " + STREAM + ": " + answer);
        }
        return true;
    }

    private void note(ChangeEvent<String, String> r) {
        if (r.value() == null) {
            return;
        }
        if (count == xids.length) {
            xids = java.util.Arrays.copyOf(xids, count * 2);
            micros = java.util.Arrays.copyOf(micros, count * 2);
        }
        xids[count] = numberAfter(r.value(), "\"txId\":");
        micros[count] = nowMicros();
        count++;
    }

    private void writeRecords(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                w.write(Long.toString(xids[i]));
                w.write(' ');
                w.write(Long.toString(micros[i]));
                w.write('\n');
            }
        }
    }

    private static void ensureStream(JetStreamManagement jsm) throws IOException, JetStreamApiException {
        StreamConfiguration sc = StreamConfiguration.builder()
                .name(STREAM)
                .subjects(SUBJECT_PREFIX + ">")
                .storageType(StorageType.File) // as the core's CDC stream
                .retentionPolicy(RetentionPolicy.Limits)
                .maxAge(Duration.ofDays(7))
                .duplicateWindow(Duration.ofMinutes(2))
                .build();
        try {
            jsm.getStreamInfo(STREAM);
            jsm.updateStream(sc);
        } catch (JetStreamApiException notFound) {
            jsm.addStream(sc);
        }
    }

    /** The source block's LSN of the change. */
    private static long lsnOf(String value) {
        return numberAfter(value, "\"lsn\":");
    }

    static long numberAfter(String json, String field) {
        int at = json.lastIndexOf(field); // the source block comes after the row images
        if (at < 0) {
            return -1;
        }
        int i = at + field.length();
        long v = 0;
        while (i < json.length() && Character.isDigit(json.charAt(i))) {
            v = v * 10 + (json.charAt(i++) - '0');
        }
        return v;
    }

    /** From the jar's name (debezium-api-3.6.1.Final.jar): its manifest names no version. */
    private static String debeziumVersion() {
        String jar = Path.of(DebeziumEngine.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .getFileName().toString();
        return jar.replaceFirst("^debezium-api-", "").replaceFirst("\\.jar$", "");
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
