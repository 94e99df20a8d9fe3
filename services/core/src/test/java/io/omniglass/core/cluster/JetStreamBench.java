package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.api.PublishAck;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.omniglass.core.runtime.FreePort;
import io.omniglass.core.runtime.NatsServerBinary;
import io.omniglass.core.runtime.NatsServerProcess;
import io.omniglass.core.testing.NatsCluster;
import io.omniglass.core.testing.TestFiles;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * By hand, not in the suite (its name does not end in Test):
 * {@code ./mvnw -B -q -pl services/core -am test -Dtest=JetStreamBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * The JetStream side of the sink and the CDC feed, on this machine's loopback: acknowledged
 * publishes of 1 KiB messages, one at a time (a device) and pipelined 1,024 in flight (the CDC
 * publisher), on one node without and with {@code sync_interval: always}, and on a 3-node cluster
 * at R1 and R3. Writes docs/bench/jetstream.json (from the services/core directory: ../../docs).
 */
class JetStreamBench {

    static final int SYNC_MESSAGES = Integer.getInteger("bench.sync", 2000);
    static final int ASYNC_MESSAGES = Integer.getInteger("bench.async", 20000);
    static final byte[] BODY = new byte[1024];

    @Test
    void publishRates() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("when", Instant.now().toString());
        out.put("nats_server", NatsServerBinary.locate(Optional.empty()).path() + " " + NatsServerBinary.locate(Optional.empty()).version());
        out.put("machine", Runtime.getRuntime().availableProcessors() + " cores; load average at start "
                + Files.readString(Paths.get("/proc/loadavg")).trim());
        ArrayNode runs = out.putArray("runs");
        runs.add(singleNode(json, false));
        runs.add(singleNode(json, true));
        try (NatsCluster cluster = NatsCluster.start(3); Connection nc = cluster.connect()) {
            runs.add(measure(json, "3-node cluster, R1, sync_interval always", nc, 1));
            runs.add(measure(json, "3-node cluster, R3, sync_interval always", nc, 3));
        }
        Path file = Paths.get(System.getProperty("bench.out", "../../docs/bench/jetstream.json"));
        Files.writeString(file, json.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
        System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    /** One node; {@code durable}: the runtime's own configuration (sync_interval always), else nats-server's default. */
    private static ObjectNode singleNode(ObjectMapper json, boolean durable) throws Exception {
        Path dir = Files.createTempDirectory("og-bench-js-");
        try {
            if (durable) {
                try (NatsServerProcess server = NatsServerProcess.start(dir.resolve("nats").resolve("jetstream"), Optional.empty());
                     Connection nc = Nats.connect(server.url())) {
                    return measure(json, "1 node, sync_interval always (the embedded runtime)", nc, 1);
                }
            }
            int port = FreePort.pick();
            Path conf = dir.resolve("nats.conf");
            Files.writeString(conf, "listen: 127.0.0.1:" + port + "\njetstream { store_dir: \"" + dir.resolve("js") + "\" }\n");
            Process p = new ProcessBuilder(NatsServerBinary.locate(Optional.empty()).path(), "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
            try {
                Connection nc = null;
                for (int i = 0; i < 100 && nc == null; i++) {
                    try {
                        nc = Nats.connect("nats://127.0.0.1:" + port);
                    } catch (Exception notYet) {
                        Thread.sleep(100);
                    }
                }
                try (Connection c = nc) {
                    return measure(json, "1 node, nats-server's default sync (every 2 min)", c, 1);
                }
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            TestFiles.deleteQuietly(dir);
        }
    }

    private static ObjectNode measure(ObjectMapper json, String label, Connection nc, int replicas) throws Exception {
        String stream = "BENCH_R" + replicas + "_" + System.nanoTime();
        nc.jetStreamManagement().addStream(StreamConfiguration.builder().name(stream).subjects(stream.toLowerCase() + ".>")
                .storageType(StorageType.File).replicas(replicas).build());
        JetStream js = nc.jetStream();
        String subject = stream.toLowerCase() + ".x";
        // one at a time: each publish waits for its PubAck
        Histogram latency = new Histogram(3);
        long t0 = System.nanoTime();
        for (int i = 0; i < SYNC_MESSAGES; i++) {
            long s = System.nanoTime();
            js.publish(subject, BODY);
            latency.recordValue((System.nanoTime() - s) / 1000);
        }
        double syncRate = SYNC_MESSAGES / ((System.nanoTime() - t0) / 1e9);
        // pipelined: 1,024 in flight
        ArrayDeque<CompletableFuture<PublishAck>> window = new ArrayDeque<>();
        long t1 = System.nanoTime();
        for (int i = 0; i < ASYNC_MESSAGES; i++) {
            if (window.size() >= 1024) {
                window.poll().get(30, TimeUnit.SECONDS);
            }
            window.add(js.publishAsync(subject, BODY));
        }
        for (CompletableFuture<PublishAck> f : window) {
            f.get(30, TimeUnit.SECONDS);
        }
        double asyncRate = ASYNC_MESSAGES / ((System.nanoTime() - t1) / 1e9);
        nc.jetStreamManagement().deleteStream(stream);
        ObjectNode r = json.createObjectNode();
        r.put("setup", label);
        r.put("replicas", replicas);
        r.put("one_at_a_time_msgs_per_s", Math.round(syncRate));
        r.put("one_at_a_time_pub_ack_p50_ms", latency.getValueAtPercentile(50) / 1000.0);
        r.put("one_at_a_time_pub_ack_p99_ms", latency.getValueAtPercentile(99) / 1000.0);
        r.put("pipelined_1024_msgs_per_s", Math.round(asyncRate));
        System.out.printf("%s: %.0f msg/s one at a time (p50 %.2f ms, p99 %.2f ms), %.0f msg/s pipelined%n", label, syncRate,
                latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0, asyncRate);
        return r;
    }
}
