package io.omniglass.core.bench;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.omniglass.core.CoreService;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.cdc.CdcWakeups;
import io.omniglass.core.runtime.FileTrees;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./omniglass bench cdc --slots N}: CDC for a fleet on the core's Postgres server(s). N tenants (a
 * slot each) served by the core's bounded replication sessions; one tenant commits a large burst
 * of record-lane rows as fast as it can (its WAL is what every other slot must read past), while
 * a probe commits one row at a time in the other tenants, each timed from its commit's return to
 * its arrival from JetStream. Reports the probes' p50/p99 before and during the burst, the
 * burst's own CDC rate, and what the slots cost Postgres (decoded bytes, restart_lsn lag), summed
 * over every registered primary and per server: a slot decodes only its own server's WAL, so with
 * tenants spread over several servers the burst's WAL is read by the slots of its server alone.
 */
final class CdcFleetRun {

    private final int slots;
    private final int replayRows;
    private final int probeIntervalMs;
    private final Map<String, Object> out;

    CdcFleetRun(int slots, int replayRows, int probeIntervalMs, Map<String, Object> out) {
        this.slots = slots;
        this.replayRows = replayRows;
        this.probeIntervalMs = probeIntervalMs;
        this.out = out;
    }

    static final int REPLAY_TXN_ROWS = 1000;
    static final long PROBE_TIMEOUT_MICROS = 120_000_000L;

    void run() throws Exception {
        Path dir = Files.createTempDirectory("og-bench-cdc-fleet-");
        OmniglassConfig cfg = OmniglassConfig.load(Optional.empty(),
                Map.of("OMNIGLASS_DATA_DIR", dir.toString(), "OMNIGLASS_HTTP_PORT", "0"));
        CdcModule cdc = new CdcModule();
        try (CoreService core = new CoreService(List.of(cdc)).start(cfg)) {
            out.put("slots", slots);
            out.put("cdc_sessions", cdc.settings().sessions());
            long t0 = System.nanoTime();
            List<Tenant> tenants = new ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4); // as a script would
            List<java.util.concurrent.Future<Tenant>> created = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                String slug = i == 0 ? "replay" : String.format("t%03d", i);
                created.add(pool.submit(() -> core.context().provisioner().create(slug, "cdc fleet", "bench")));
            }
            for (java.util.concurrent.Future<Tenant> f : created) {
                tenants.add(f.get());
                if (tenants.size() % 25 == 0) {
                    System.out.printf("provisioned %d tenants (%.1f s)%n", tenants.size(), (System.nanoTime() - t0) / 1e9);
                }
            }
            pool.shutdown();
            out.put("provisioning_ms_per_tenant_4_at_a_time", Math.round((System.nanoTime() - t0) / 1e6 / slots));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (cdc.leaderCount() < slots && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            System.out.printf("%d tenants, this core leads %d feeds, %d replication sessions%n", slots, cdc.leaderCount(),
                    cdc.settings().sessions());
            Tenant replay = tenants.get(0);
            List<Tenant> others = tenants.subList(1, tenants.size());
            GatewaySession replayDb = Gateway.forCore(core.context()).system(replay, SystemPurpose.BENCH);
            FleetServers servers = FleetServers.open(core.context());
            out.put("servers", servers.describe());
            out.put("replay_server", replay.server());
            System.out.printf("%d Postgres server(s); the replaying tenant is on %s%n", servers.count(), replay.server());
            // the steady state: provisioning wrote GBs of WAL (each new database is copied through
            // it) that every slot reads once; the sweep's housekeeping drains them
            long quietBy = System.nanoTime() + 600_000_000_000L;
            Map<String, Object> lag = slotLag(servers);
            while (((Number) lag.getOrDefault("confirmed_behind_mb_max", 0.0)).doubleValue() > 64 && System.nanoTime() < quietBy) {
                Thread.sleep(2_000);
                lag = slotLag(servers);
            }
            System.out.printf("slots after provisioning (%.0f s): %s%n", (System.nanoTime() - t0) / 1e9, lag);
            out.put("slots_before_replay", lag);

            Probe probe = new Probe(core, others);
            AtomicLong replayReceived = new AtomicLong();
            AtomicLong replayLastMicros = new AtomicLong();
            try (Connection nats = Nats.connect(core.context().infrastructure().natsUrl())) {
                Dispatcher d = nats.createDispatcher(m -> {
                    long now = nowMicros();
                    String slug = m.getSubject().substring(3, m.getSubject().indexOf(".cdc."));
                    if (slug.equals("replay")) {
                        replayReceived.incrementAndGet();
                        replayLastMicros.set(now);
                    } else {
                        probe.arrived(m.getData(), now);
                    }
                });
                d.subscribe("og.*.cdc.audit_log");
                nats.flush(java.time.Duration.ofSeconds(5));

                System.out.println("quiet fleet: probing for 20 s...");
                Map<String, Map<String, Long>> before = slotCounters(servers);
                probe.runFor(20_000, probeIntervalMs, () -> false);
                out.put("quiet", probe.figures());
                System.out.println("quiet fleet: " + probe.figures());

                probe.reset();
                AtomicBoolean replaying = new AtomicBoolean(true);
                long replayStartMicros = nowMicros();
                long[] committedAtMicros = {0};
                Thread writer = new Thread(() -> {
                    try {
                        commitBurst(replayDb, replay.slug(), replayRows);
                        committedAtMicros[0] = nowMicros();
                    } catch (Exception e) {
                        e.printStackTrace();
                    } finally {
                        replaying.set(false);
                    }
                }, "bench-replay");
                writer.start();
                System.out.printf("replay: %,d audit_log rows in %d-row transactions, probing the other %d tenants...%n",
                        replayRows, REPLAY_TXN_ROWS, others.size());
                List<Map<String, Object>> lagSamples = new ArrayList<>();
                probe.runFor(Long.MAX_VALUE, probeIntervalMs, () -> !replaying.get(), () -> lagSamples.add(slotLag(servers)));
                writer.join();
                double commitSeconds = (committedAtMicros[0] - replayStartMicros) / 1e6;
                System.out.printf("replay committed in %.1f s (%,.0f rows/s); waiting for its CDC...%n",
                        commitSeconds, replayRows / commitSeconds);
                long waitUntil = System.nanoTime() + 600_000_000_000L;
                while (replayReceived.get() < replayRows && System.nanoTime() < waitUntil) {
                    probe.once();
                    Thread.sleep(probeIntervalMs);
                }
                probe.awaitOutstanding(60_000);
                Map<String, Object> during = probe.figures();
                double cdcSeconds = (replayLastMicros.get() - replayStartMicros) / 1e6;
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("rows", replayRows);
                r.put("rows_per_txn", REPLAY_TXN_ROWS);
                r.put("committed_rows_per_s", Math.round(replayRows / commitSeconds));
                r.put("cdc_changes_received", replayReceived.get());
                boolean anyArrived = replayReceived.get() > 0;
                r.put("cdc_rows_per_s", anyArrived ? Math.round(replayReceived.get() / cdcSeconds) : null);
                r.put("cdc_last_change_after_s", anyArrived ? round1(cdcSeconds) : null);
                out.put("replay", r);
                out.put("others_during_replay", during);
                Map<String, Map<String, Long>> after = slotCounters(servers);
                Map<String, Map<String, Long>> byServer = new LinkedHashMap<>();
                Map<String, Object> pg = new LinkedHashMap<>();
                after.forEach((server, counters) -> {
                    Map<String, Long> was = before.getOrDefault(server, Map.of());
                    Map<String, Long> delta = new LinkedHashMap<>();
                    counters.forEach((k, v) -> delta.put(k.equals("wal_lsn") ? "wal_bytes_during_run" : k, v - was.getOrDefault(k, 0L)));
                    byServer.put(server, delta);
                    delta.forEach((k, v) -> {
                        if (!k.equals("wal_bytes_during_run")) {
                            pg.merge(k, v, (a, b) -> (Long) a + (Long) b);
                        }
                    });
                });
                // the replay's WAL: its own server's (the figure's meaning with one server)
                pg.put("wal_bytes_during_run", byServer.getOrDefault(replay.server(), Map.of()).getOrDefault("wal_bytes_during_run", 0L));
                out.put("postgres_slots_delta", pg);
                out.put("postgres_slots_delta_by_server", byServer);
                out.put("slot_lag_samples", lagSamples);
                System.out.println("replay: " + r);
                System.out.println("other tenants during the replay: " + during);
                System.out.println("slots (pg_stat_replication_slots, summed, delta): " + pg);
                System.out.println("slot lag samples (restart_lsn / confirmed_flush_lsn behind the WAL head): " + lagSamples);
            } finally {
                servers.close();
            }
        } finally {
            FileTrees.deleteQuietly(dir);
        }
    }

    private static final String BURST = """
            INSERT INTO audit_log (actor, verb, resource, new, correlation_id)
            SELECT 'replay', 'write', 'component:pump-' || g, jsonb_build_object('setpoint', g, 'unit', 'bar'), 'corr-' || g
            FROM generate_series(1, ?) g""";

    /** As fast as one connection commits, each transaction followed by the wake-up a core writer gives. */
    private static void commitBurst(GatewaySession db, String slug, int rows) throws Exception {
        try (java.sql.Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(BURST)) {
            for (int done = 0; done < rows; done += REPLAY_TXN_ROWS) {
                ps.setInt(1, Math.min(REPLAY_TXN_ROWS, rows - done));
                ps.executeUpdate();
                CdcWakeups.committed(slug);
            }
        }
    }

    /** Per server: decoding work of its slots so far (pg_stat_replication_slots, summed) and its WAL position. */
    private static Map<String, Map<String, Long>> slotCounters(FleetServers servers) {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        servers.onEach(c -> {
            Map<String, Long> m = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT coalesce(sum(total_bytes), 0)::bigint, coalesce(sum(total_txns), 0)::bigint,
                           coalesce(sum(spill_bytes), 0)::bigint, coalesce(sum(spill_txns), 0)::bigint,
                           coalesce(sum(stream_bytes), 0)::bigint,
                           pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint
                    FROM pg_stat_replication_slots WHERE slot_name LIKE 'og\\_cdc\\_%'""");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                m.put("decoded_total_bytes", rs.getLong(1));
                m.put("decoded_total_txns", rs.getLong(2));
                m.put("spill_bytes", rs.getLong(3));
                m.put("spill_txns", rs.getLong(4));
                m.put("stream_bytes", rs.getLong(5));
                m.put("wal_lsn", rs.getLong(6));
            }
            return m;
        }).forEach((server, m) -> out.put(server, m == null ? Map.of() : m));
        return out;
    }

    /**
     * How far behind its server's WAL head each slot's restart and confirmed positions are (MB:
     * median and max over the slots of every server), and the active slots, in all and per server.
     */
    private static Map<String, Object> slotLag(FleetServers servers) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Double> restart = new ArrayList<>();
        List<Double> confirmed = new ArrayList<>();
        Map<String, Integer> active = new LinkedHashMap<>();
        Map<String, Integer> perServer = servers.onEach(c -> {
            int n = 0;
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8,
                           pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::float8, active
                    FROM pg_replication_slots WHERE slot_name LIKE 'og\\_cdc\\_%'""");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double r = rs.getDouble(1);
                    if (!rs.wasNull()) {
                        restart.add(r);
                    }
                    double f = rs.getDouble(2);
                    if (!rs.wasNull()) {
                        confirmed.add(f);
                    }
                    n += rs.getBoolean(3) ? 1 : 0;
                }
            }
            return n;
        });
        perServer.forEach((server, n) -> {
            if (n == null) {
                m.put("error", "server " + server + " did not answer");
            } else {
                active.put(server, n);
            }
        });
        m.put("restart_behind_mb_p50", mb(median(restart)));
        m.put("restart_behind_mb_max", mb(restart.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        m.put("confirmed_behind_mb_p50", mb(median(confirmed)));
        m.put("confirmed_behind_mb_max", mb(confirmed.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
        m.put("active_slots", active.values().stream().mapToInt(Integer::intValue).sum());
        m.put("active_slots_by_server", active);
        return m;
    }

    /** percentile_disc(0.5): the lower middle value; 0 for none. */
    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get((int) Math.ceil(sorted.size() * 0.5) - 1);
    }

    private static double mb(double bytes) {
        return round1(bytes / (1024 * 1024));
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    /** One audit_log row at a time in the other tenants, round robin, each timed to its arrival. */
    private static final class Probe {
        private final CoreService core;
        private final List<Tenant> tenants;
        private final Map<String, Long> outstanding = new ConcurrentHashMap<>();
        private final ObjectMapper json = new ObjectMapper();
        private Histogram latency = new Histogram(PROBE_TIMEOUT_MICROS, 3);
        private long sent;
        private long timedOut;
        private int next;

        Probe(CoreService core, List<Tenant> tenants) {
            this.core = core;
            this.tenants = tenants;
        }

        void reset() {
            synchronized (this) {
                latency = new Histogram(PROBE_TIMEOUT_MICROS, 3);
                sent = 0;
                timedOut = 0;
            }
            outstanding.clear();
        }

        void runFor(long millis, int intervalMs, java.util.function.BooleanSupplier stop) throws Exception {
            runFor(millis, intervalMs, stop, () -> { });
        }

        void runFor(long millis, int intervalMs, java.util.function.BooleanSupplier stop, Runnable every5s) throws Exception {
            long end = millis == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + millis * 1_000_000L;
            long nextSample = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < end && !stop.getAsBoolean()) {
                once();
                if (System.nanoTime() > nextSample) {
                    every5s.run();
                    nextSample += 5_000_000_000L;
                }
                Thread.sleep(intervalMs);
            }
        }

        void once() throws Exception {
            Tenant t = tenants.get(next++ % tenants.size());
            String id = "probe-" + t.slug() + "-" + System.nanoTime();
            try (java.sql.Connection c = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH).connection();
                 PreparedStatement ps = c.prepareStatement(
                         "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('probe', 'write', ?, '{}'::jsonb)")) {
                ps.setString(1, id);
                outstanding.put(id, -1L);
                ps.executeUpdate();
                outstanding.put(id, nowMicros());
            }
            CdcWakeups.committed(t.slug());
            synchronized (this) {
                sent++;
            }
            expire();
        }

        void arrived(byte[] body, long nowMicros) {
            try {
                JsonNode row = json.readTree(body).path("row");
                Long committed = outstanding.remove(row.path("resource").asText());
                if (committed != null) {
                    synchronized (this) {
                        latency.recordValue(Math.min(PROBE_TIMEOUT_MICROS, Math.max(0, committed < 0 ? 0 : nowMicros - committed)));
                    }
                }
            } catch (Exception ignored) {
                // not a probe's row
            }
        }

        private void expire() {
            long now = nowMicros();
            outstanding.entrySet().removeIf(e -> {
                if (e.getValue() > 0 && now - e.getValue() > PROBE_TIMEOUT_MICROS) {
                    synchronized (this) {
                        timedOut++;
                    }
                    return true;
                }
                return false;
            });
        }

        void awaitOutstanding(long millis) throws InterruptedException {
            long end = System.nanoTime() + millis * 1_000_000L;
            while (!outstanding.isEmpty() && System.nanoTime() < end) {
                Thread.sleep(100);
            }
            synchronized (this) {
                timedOut += outstanding.size();
            }
            outstanding.clear();
        }

        synchronized Map<String, Object> figures() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("probes", sent);
            m.put("arrived", latency.getTotalCount());
            m.put("timed_out", timedOut);
            m.put("commit_to_cdc_ms_p50", latency.getValueAtPercentile(50) / 1000);
            m.put("commit_to_cdc_ms_p99", latency.getValueAtPercentile(99) / 1000);
            m.put("commit_to_cdc_ms_max", latency.getMaxValue() / 1000);
            return m;
        }
    }
}
