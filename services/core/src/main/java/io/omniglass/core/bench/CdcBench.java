package io.omniglass.core.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.omniglass.core.CoreService;
import io.omniglass.core.cdc.CdcSession;
import io.omniglass.core.cdc.CdcStats;
import io.omniglass.core.cdc.RawSlotReader;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * ./omniglass bench cdc: the record lane's publisher on one machine, with its own embedded Postgres
 * and nats-server. (1) the raw pgoutput drain of N pre-committed changes (decode only: the
 * ceiling), (2) the same N changes through the publisher with every PubAck awaited, (3)
 * commit-to-PubAck latency while committing at a fixed rate.
 */
@Command(name = "cdc", mixinStandardHelpOptions = true,
        description = "CDC publisher throughput (PubAck awaited) next to a raw slot drain, and commit-to-PubAck latency at a fixed rate.")
public final class CdcBench implements Callable<Integer> {

    @Option(names = "--json", description = "write the figures to this file")
    Path json;

    @Option(names = "--changes", description = "pre-committed changes for the throughput runs (default ${DEFAULT-VALUE})")
    int changes = 300_000;

    @Option(names = "--rate", description = "changes per second committed in the latency run (default ${DEFAULT-VALUE})")
    int rate = 5_000;

    @Option(names = "--latency-seconds", description = "length of the latency run (default ${DEFAULT-VALUE})")
    int latencySeconds = 20;

    static final int ROWS_PER_TXN = 10;
    static final String RAW_SLOT = "og_cdc_bench_raw";

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("og-bench-cdc-");
        OmniglassConfig cfg = OmniglassConfig.load(Optional.empty(),
                Map.of("OMNIGLASS_DATA_DIR", dir.toString(), "OMNIGLASS_HTTP_PORT", "0"));
        Map<String, Object> out = new LinkedHashMap<>();
        try (CoreService core = new CoreService(List.of()).start(cfg)) {
            Tenant tenant = core.context().provisioner().create("bench", "CDC bench", "bench");
            DataSource db = core.context().tenantDataSource(tenant);
            PgServer server = core.context().tenantDatabases().server(tenant);
            String jdbc = core.context().tenantDatabases().jdbcUrl(tenant);
            CdcSession.Source main = new CdcSession.Source(tenant.slug(), tenant.slotName(), jdbc, server.user(), server.password());
            CdcSession.Source raw = new CdcSession.Source(tenant.slug(), RAW_SLOT, jdbc, server.user(), server.password());
            String natsUrl = core.context().infrastructure().natsUrl();

            // both slots start at the same position, after the provisioning's own rows
            try (java.sql.Connection c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + tenant.slotName() + "')");
                st.execute("SELECT pg_create_logical_replication_slot('" + tenant.slotName() + "', 'pgoutput')");
                st.execute("SELECT pg_create_logical_replication_slot('" + RAW_SLOT + "', 'pgoutput')");
            }
            System.out.printf("committing %,d changes (audit_log inserts, %d per transaction)...%n", changes, ROWS_PER_TXN * 10);
            commitBatch(db, changes, ROWS_PER_TXN * 10);

            long rawNanos = RawSlotReader.drain(raw, changes, Duration.ofMinutes(5));
            double rawPerS = changes / (rawNanos / 1e9);
            System.out.printf("raw drain:  %,.0f changes/s (decode only, no publishing)%n", rawPerS);
            try (java.sql.Connection c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + RAW_SLOT + "')");
            }

            CdcStats stats = new CdcStats("bench", null);
            AtomicBoolean running = new AtomicBoolean(true);
            Histogram latency = new Histogram(60_000_000L, 3);
            AtomicBoolean measuring = new AtomicBoolean(false);
            CdcSession.AckListener listener = commitTsMicros -> {
                if (measuring.get()) {
                    long nowMicros = System.currentTimeMillis() * 1000L + (System.nanoTime() / 1000L) % 1000L;
                    long commitUnixMicros = commitTsMicros + 946_684_800_000_000L;
                    synchronized (latency) {
                        latency.recordValue(Math.max(0, nowMicros - commitUnixMicros));
                    }
                }
            };
            AtomicReference<Throwable> failed = new AtomicReference<>();
            try (Connection nats = Nats.connect(new Options.Builder().server(natsUrl).noReconnect()
                    .reconnectBufferSize(0).maxMessagesInOutgoingQueue(100_000).build())) {
                CdcSession session = new CdcSession(main, nats, running::get, stats, listener, CdcSession.Settings.defaults(), null);
                Thread publisher = new Thread(() -> {
                    try {
                        session.run();
                    } catch (Throwable t) {
                        failed.set(t);
                    } finally {
                        session.close();
                    }
                }, "bench-cdc-publisher");
                long started = System.nanoTime();
                publisher.start();
                while (stats.publishedCount() < changes) {
                    if (failed.get() != null) {
                        throw new IllegalStateException("publisher failed", failed.get());
                    }
                    Thread.sleep(1);
                }
                double pubPerS = changes / ((System.nanoTime() - started) / 1e9);
                System.out.printf("publisher:  %,.0f changes/s (every PubAck awaited; %.0f%% of the raw drain)%n",
                        pubPerS, 100 * pubPerS / rawPerS);

                System.out.printf("latency run: %,d changes/s for %d s...%n", rate, latencySeconds);
                measuring.set(true);
                long committed = commitAtRate(db, rate, latencySeconds);
                long target = changes + committed;
                long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (stats.publishedCount() < target && System.nanoTime() < waitUntil) {
                    Thread.sleep(5);
                }
                running.set(false);
                publisher.join(10_000);
                double p50 = latency.getValueAtPercentile(50) / 1000.0;
                double p99 = latency.getValueAtPercentile(99) / 1000.0;
                System.out.printf("latency:    commit-to-PubAck p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%,d changes)%n",
                        p50, p99, latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0,
                        latency.getTotalCount());
                out.put("changes", changes);
                out.put("changes_per_s", Math.round(pubPerS));
                out.put("raw_drain_per_s", Math.round(rawPerS));
                out.put("p50_ms", round2(p50));
                out.put("p99_ms", round2(p99));
                out.put("p999_ms", round2(latency.getValueAtPercentile(99.9) / 1000.0));
                out.put("max_ms", round2(latency.getMaxValue() / 1000.0));
                out.put("latency_rate_per_s", rate);
                out.put("latency_seconds", latencySeconds);
                out.put("latency_samples", latency.getTotalCount());
                out.put("rows_per_transaction_latency_run", ROWS_PER_TXN);
                out.put("cpus", Runtime.getRuntime().availableProcessors());
            }
        } finally {
            deleteQuietly(dir);
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static final String INSERT = """
            INSERT INTO audit_log (actor, verb, resource, new, correlation_id)
            SELECT 'bench', 'write', 'component:pump-' || g, jsonb_build_object('setpoint', g, 'unit', 'bar'), 'corr-' || g
            FROM generate_series(1, ?) g""";

    private static void commitBatch(DataSource db, int total, int perTxn) throws Exception {
        try (java.sql.Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            c.setAutoCommit(true);
            for (int done = 0; done < total; done += perTxn) {
                ps.setInt(1, Math.min(perTxn, total - done));
                ps.executeUpdate();
            }
        }
    }

    /** Commits ROWS_PER_TXN-row transactions paced to {@code rate} changes/s; returns the changes committed. */
    private static long commitAtRate(DataSource db, int rate, int seconds) throws Exception {
        long committed = 0;
        long txnIntervalNanos = 1_000_000_000L * ROWS_PER_TXN / rate;
        try (java.sql.Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            c.setAutoCommit(true);
            ps.setInt(1, ROWS_PER_TXN);
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            long next = start;
            while (next < end) {
                long now = System.nanoTime();
                if (now < next) {
                    long wait = next - now;
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    continue;
                }
                ps.executeUpdate();
                committed += ROWS_PER_TXN;
                next += txnIntervalNanos;
            }
        }
        return committed;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp dir
        }
    }
}
