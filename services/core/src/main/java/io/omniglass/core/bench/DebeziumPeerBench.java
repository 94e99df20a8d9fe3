package io.omniglass.core.bench;

import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;
import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Debezium peer of {@code bench cdc}: the Debezium embedded engine in a JVM of its own (the
 * module bench/peers/debezium, class path from {@code OMNIGLASS_PEER_DEBEZIUM_CP}), once with a
 * handler that publishes to JetStream and awaits every PubAck, once with a no-op handler. Each has
 * its own slot, created where the core's publisher's was, so each reads the same committed changes:
 * the warm-up, the throughput batch, and then a latency run at the same rate as the core's.
 */
final class DebeziumPeerBench {

    static final String PUBLISH_SLOT = "og_cdc_bench_debezium";
    static final String NOOP_SLOT = "og_cdc_bench_debezium_noop";

    private final Tenant tenant;
    private final PgServer server;
    private final String natsUrl;
    private final String classpath;
    private final Path workDir;
    private volatile String version = "?";

    DebeziumPeerBench(Tenant tenant, PgServer server, String natsUrl, String classpath, Path workDir) {
        this.tenant = tenant;
        this.server = server;
        this.natsUrl = natsUrl;
        this.classpath = classpath;
        this.workDir = workDir;
    }

    static String classpathFromEnvironment() {
        String cp = io.omniglass.core.runtime.OmniglassConfig.processEnvironment("OMNIGLASS_PEER_DEBEZIUM_CP").orElse(null);
        if (cp == null) {
            throw new IllegalStateException("the Debezium peer's class path is not set: run it as ./omniglass bench cdc --peer debezium"
                    + " (the launcher builds bench/peers/debezium and sets OMNIGLASS_PEER_DEBEZIUM_CP)");
        }
        return cp;
    }

    /** The peer's slots, at the position the core's publisher starts from. */
    void createSlots(Statement st) throws Exception {
        for (String slot : List.of(PUBLISH_SLOT, NOOP_SLOT)) {
            st.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        }
    }

    /**
     * Runs one handler: drains the backlog (warm-up, throughput batch, and whatever was committed
     * since), then a latency run at {@code rate}. {@code backlog} is the changes committed after the
     * slots were made; returns the figures and the changes this run committed.
     */
    Result run(String handler, io.omniglass.core.gateway.GatewaySession db, long backlog, int warmup, int changes, int rate, int txnRows,
               int latencySeconds) throws Exception {
        String slot = handler.equals("publish") ? PUBLISH_SLOT : NOOP_SLOT;
        Path records = workDir.resolve("debezium-" + handler + ".records");
        Path log = workDir.resolve("debezium-" + handler + ".log");
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx512m", "-cp", classpath, "io.omniglass.peer.debezium.DebeziumPeer",
                server.host(), Integer.toString(server.port()), tenant.databaseName(), server.user(), slot, Tenant.publicationName(),
                handler, records.toString());
        pb.environment().put("PEER_PG_PASSWORD", server.password());
        pb.environment().put("PEER_NATS_URL", natsUrl);
        pb.redirectError(log.toFile());
        long started = System.nanoTime();
        Process p = pb.start();
        AtomicLong count = new AtomicLong();
        AtomicReference<String> failed = new AtomicReference<>();
        Thread reader = new Thread(() -> readProgress(p, count, failed), "bench-debezium-" + handler + "-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            await(count, backlog, failed, Duration.ofMinutes(10), p, log);
            double drainS = (System.nanoTime() - started) / 1e9;
            System.out.printf("debezium %s: drained %,d changes in %.1f s from the JVM's start; latency run: %,d changes/s for %d s...%n",
                    handler, backlog, drainS, rate, latencySeconds);
            Map<Long, Long> commitReturned = new ConcurrentHashMap<>();
            Histogram commitDuration = new Histogram(60_000_000L, 3);
            long committed = CdcBench.commitAtRate(db, rate, txnRows, latencySeconds, commitReturned, commitDuration);
            await(count, backlog + committed, failed, Duration.ofSeconds(60), p, log);
            try (OutputStream stdin = p.getOutputStream()) {
                stdin.write("stop\n".getBytes(StandardCharsets.UTF_8));
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the Debezium peer did not stop; its log: " + log);
            }
            reader.join(5_000);
            return figures(handler, records, warmup, changes, commitReturned, committed, commitDuration);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    record Result(Map<String, Object> figures, long committed) {
    }

    private static Result figures(String handler, Path records, int warmup, int changes, Map<Long, Long> commitReturned,
                                  long committed, Histogram commitDuration) throws IOException {
        List<String> lines = Files.readAllLines(records);
        long[] micros = new long[lines.size()];
        Histogram latency = new Histogram(60_000_000L, 3);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int space = line.indexOf(' ');
            long xid = Long.parseLong(line, 0, space, 10);
            micros[i] = Long.parseLong(line, space + 1, line.length(), 10);
            Long returned = commitReturned.get(xid & 0xFFFFFFFFL);
            if (returned != null) {
                latency.recordValue(returned < 0 ? 0 : Math.max(0, micros[i] - returned));
            }
        }
        if (micros.length < warmup + changes) {
            throw new IllegalStateException("the Debezium peer handled " + micros.length + " changes, fewer than the "
                    + (warmup + changes) + " committed before its run");
        }
        // the same changes as the core's throughput run: from the warm-up's last to the batch's last
        long from = warmup > 0 ? micros[warmup - 1] : micros[0];
        double perS = changes / ((micros[warmup + changes - 1] - from) / 1e6);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("changes_per_s", Math.round(perS));
        out.put("p50_ms", round2(latency.getValueAtPercentile(50) / 1000.0));
        out.put("p99_ms", round2(latency.getValueAtPercentile(99) / 1000.0));
        out.put("p999_ms", round2(latency.getValueAtPercentile(99.9) / 1000.0));
        out.put("max_ms", round2(latency.getMaxValue() / 1000.0));
        out.put("latency_samples", latency.getTotalCount());
        out.put("latency_committed", committed);
        // the writer's commits wait for Postgres' WAL fsync: how busy the shared disk was meanwhile
        out.put("commit_p50_ms", round2(commitDuration.getValueAtPercentile(50) / 1000.0));
        out.put("commit_p99_ms", round2(commitDuration.getValueAtPercentile(99) / 1000.0));
        String what = handler.equals("publish") ? "commit-to-PubAck" : "commit-to-handler";
        System.out.printf("debezium %s: %,.0f changes/s; %s p50 %.2f ms, p99 %.2f ms, max %.2f ms (%,d changes)%n",
                handler, perS, what, latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                latency.getMaxValue() / 1000.0, latency.getTotalCount());
        return new Result(out, committed);
    }

    String version() {
        return version;
    }

    private void readProgress(Process p, AtomicLong count, AtomicReference<String> failed) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("started ")) {
                    version = line.substring(8);
                } else if (line.startsWith("count ")) {
                    count.set(Long.parseLong(line.substring(6)));
                } else if (line.startsWith("failed")) {
                    failed.set(line);
                }
                synchronized (count) {
                    count.notifyAll();
                }
            }
        } catch (IOException e) {
            failed.compareAndSet(null, "peer output: " + e);
        } finally {
            synchronized (count) {
                count.notifyAll();
            }
        }
    }

    private static void await(AtomicLong count, long target, AtomicReference<String> failed, Duration timeout, Process p, Path log)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (count) {
            while (count.get() < target) {
                if (failed.get() != null || !p.isAlive()) {
                    throw new IllegalStateException("the Debezium peer stopped (" + failed.get() + ") after "
                            + count.get() + " of " + target + " changes; its log: " + log);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("the Debezium peer handled " + count.get() + " of " + target
                            + " changes in " + timeout.toSeconds() + " s; its log: " + log);
                }
                count.wait(Math.max(1, Math.min(1000, left / 1_000_000)));
            }
        }
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
