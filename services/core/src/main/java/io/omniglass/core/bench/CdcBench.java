package io.omniglass.core.bench;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.runtime.FileTrees;
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

    @Option(names = "--warmup", description = "changes through both readers first, so the JIT has compiled the hot paths (default ${DEFAULT-VALUE})")
    int warmup = 30_000;

    @Option(names = "--rate", description = "changes per second committed in the latency run (default ${DEFAULT-VALUE})")
    int rate = 5_000;

    @Option(names = "--latency-seconds", description = "length of the latency run (default ${DEFAULT-VALUE})")
    int latencySeconds = 20;

    @Option(names = "--txn-rows", description = "rows per transaction in the latency run (default ${DEFAULT-VALUE})")
    int txnRows = 10;

    @Option(names = "--nats-url", description = "a JetStream (cluster) to publish to instead of the embedded nats-server, e.g. the servers of packaging/nats-cluster/local-cluster.sh env")
    String natsUrl;

    @Option(names = "--nats-replicas", description = "replicas of the streams on --nats-url (default ${DEFAULT-VALUE})", defaultValue = "1")
    int natsReplicas;

    @Option(names = "--store-matrix", description = "also measure the batched store ceiling at batches of 100/500/1,000 (1/2/4 in flight, with and without Nats-Msg-Id), 2,000/5,000/10,000 and with a 96-byte body")
    boolean storeMatrix;

    @Option(names = "--peer", description = "also run this peer on the same changes, in the same run: debezium (its own JVM; see docs/peers.md)")
    String peer;

    @Option(names = "--slots", description = "the fleet run instead: this many tenants (a slot each), one of them committing --replay-rows as fast as it can while the others are probed")
    int slots;

    @Option(names = "--replay-rows", description = "rows the replaying tenant commits in the fleet run (default ${DEFAULT-VALUE})")
    int replayRows = 1_000_000;

    @Option(names = "--probe-interval-ms", description = "one probe commit in another tenant every this many ms in the fleet run (default ${DEFAULT-VALUE})")
    int probeIntervalMs = 50;

    static final int BATCH_ROWS = 100;
    static final String RAW_SLOT = "og_cdc_bench_raw";

    @Override
    public Integer call() throws Exception {
        if (slots > 0) {
            return fleet();
        }
        Path dir = Files.createTempDirectory("og-bench-cdc-");
        OmniglassConfig cfg = OmniglassConfig.load(Optional.empty(),
                BenchNats.settings(Map.of("OMNIGLASS_DATA_DIR", dir.toString(), "OMNIGLASS_HTTP_PORT", "0"), natsUrl, natsReplicas));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("nats", BenchNats.describe(natsUrl, natsReplicas));
        double loadBefore = loadAverage();
        if (peer != null && !peer.equals("debezium")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--peer: only debezium is known, not " + peer);
        }
        String peerClasspath = peer == null ? null : DebeziumPeerBench.classpathFromEnvironment();
        Path peerDir = peer == null ? null : Files.createTempDirectory("og-bench-cdc-peer-");
        try (CoreService core = new CoreService(List.of()).start(cfg)) {
            Tenant tenant = core.context().provisioner().create("bench", "CDC bench", "bench");
            GatewaySession db = Gateway.forCore(core.context()).system(tenant, SystemPurpose.BENCH);
            // placement may put the bench tenant on any registered primary, not only the control server
            PgServer server = core.context().provisioner().servers().orElseThrow().connection(tenant.server());
            out.put("postgres_server", tenant.server());
            CdcSession.Source main = CdcSession.Source.of(core.context(), tenant, tenant.slotName());
            CdcSession.Source raw = CdcSession.Source.of(core.context(), tenant, RAW_SLOT);
            String natsUrl = core.context().infrastructure().natsUrl();
            DebeziumPeerBench debezium = peer == null ? null : new DebeziumPeerBench(tenant, server, natsUrl, peerClasspath, peerDir);

            // both slots start at the same position, after the provisioning's own rows
            try (java.sql.Connection c = db.connection(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + tenant.slotName() + "')");
                st.execute("SELECT pg_create_logical_replication_slot('" + tenant.slotName() + "', 'pgoutput')");
                st.execute("SELECT pg_create_logical_replication_slot('" + RAW_SLOT + "', 'pgoutput')");
                if (debezium != null) {
                    debezium.createSlots(st);
                }
            }
            warmUp(db, raw, main, natsUrl);
            System.out.printf("committing %,d changes (audit_log inserts, %d per transaction)...%n", changes, BATCH_ROWS);
            commitBatch(db, changes, BATCH_ROWS);

            long rawNanos = RawSlotReader.drain(raw, changes, Duration.ofMinutes(5));
            double rawPerS = changes / (rawNanos / 1e9);
            System.out.printf("raw drain:  %,.0f changes/s (decode only, no publishing)%n", rawPerS);
            try (java.sql.Connection c = db.connection(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_drop_replication_slot('" + RAW_SLOT + "')");
            }

            double storePerS = storeCeiling(core, natsUrl, tenant, out);

            CdcStats stats = new CdcStats("bench", null);
            AtomicBoolean running = new AtomicBoolean(true);
            LatencyProbe probe = new LatencyProbe();
            Histogram latency = probe.latency;
            AtomicBoolean measuring = probe.measuring;
            Histogram commitDuration = probe.commitDuration;
            Histogram fromCommitTs = probe.fromCommitTs;
            Histogram toReceive = probe.toReceive;
            Histogram receivedToAck = probe.receivedToAck;
            CdcSession.AckListener listener = probe;
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
                long self = ProcessHandle.current().pid();
                long natsPid = core.context().infrastructure().embeddedNatsPid().orElse(-1L);
                // Postgres: every embedded postmaster (and any registered server's on this machine), the tenant's among them
                FleetServers pgServers = FleetServers.open(core.context());
                double[] cpuBefore = {ProcessCpu.seconds(self, false), ProcessCpu.seconds(natsPid, false), pgServers.cpuSeconds().get("total")};
                long started = System.nanoTime();
                publisher.start();
                while (stats.publishedCount() < changes) {
                    if (failed.get() != null) {
                        throw new IllegalStateException("publisher failed: " + failed.get(), failed.get());
                    }
                    Thread.sleep(1);
                }
                double elapsedS = (System.nanoTime() - started) / 1e9;
                double pubPerS = changes / elapsedS;
                double[] cpu = {ProcessCpu.seconds(self, false) - cpuBefore[0], ProcessCpu.seconds(natsPid, false) - cpuBefore[1],
                        pgServers.cpuSeconds().get("total") - cpuBefore[2]};
                pgServers.close();
                // the publisher thread alone (decode, encode, publish); the rest of the core's CPU is
                // NATS client threads, GC and the JIT compiler
                double publisherThreadS = java.lang.management.ManagementFactory.getThreadMXBean()
                        .getThreadCpuTime(publisher.getId()) / 1e9;
                long batches = stats.batchesCommitted();
                System.out.printf("publisher:  %,.0f changes/s (every PubAck awaited; %.0f%% of the raw drain)%s%n",
                        pubPerS, 100 * pubPerS / rawPerS,
                        batches > 0 ? String.format("; %,d atomic batches of %.0f changes on average", batches, changes / (double) batches) : "");
                if (batches > 0) {
                    out.put("publisher_batches", batches);
                    out.put("publisher_mean_batch", Math.round(changes / (double) batches));
                }

                if (ProcessCpu.available()) {
                    System.out.printf("            CPU per 1,000 changes: core %.1f ms, nats-server %.1f ms, Postgres %.1f ms "
                                    + "(%.0f%% of %d CPUs busy with these three for %.1f s)%n",
                            cpu[0] * 1e6 / changes, cpu[1] * 1e6 / changes, cpu[2] * 1e6 / changes,
                            100 * (cpu[0] + cpu[1] + cpu[2]) / elapsedS / Runtime.getRuntime().availableProcessors(),
                            Runtime.getRuntime().availableProcessors(), elapsedS);
                    System.out.printf("            of the core's: the publisher thread %.1f ms%n", publisherThreadS * 1e6 / changes);
                    out.put("cpu_ms_per_1k_changes_core", round2(cpu[0] * 1e6 / changes));
                    out.put("cpu_ms_per_1k_changes_publisher_thread", round2(publisherThreadS * 1e6 / changes));
                    out.put("cpu_ms_per_1k_changes_nats", round2(cpu[1] * 1e6 / changes));
                    out.put("cpu_ms_per_1k_changes_postgres", round2(cpu[2] * 1e6 / changes));
                }
                System.out.printf("latency run: %,d changes/s for %d s...%n", rate, latencySeconds);
                long[] gcBefore = gcCountAndMillis();
                measuring.set(true);
                long committed = commitAtRate(db, rate, txnRows, latencySeconds, probe.commitReturned, commitDuration);
                long target = changes + committed;
                long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (stats.publishedCount() < target && System.nanoTime() < waitUntil) {
                    Thread.sleep(5);
                }
                running.set(false);
                publisher.join(10_000);
                long[] gcAfter = gcCountAndMillis();
                double p50 = latency.getValueAtPercentile(50) / 1000.0;
                double p99 = latency.getValueAtPercentile(99) / 1000.0;
                System.out.printf("latency:    commit-to-PubAck p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms (%,d changes)%n",
                        p50, p99, latency.getValueAtPercentile(99.9) / 1000.0, latency.getMaxValue() / 1000.0,
                        latency.getTotalCount());
                System.out.printf("            of which commit-to-decoded (Postgres to the publisher): p50 %.2f ms, p99 %.2f ms%n",
                        toReceive.getValueAtPercentile(50) / 1000.0, toReceive.getValueAtPercentile(99) / 1000.0);
                System.out.printf("            from the publisher seeing the transaction to the PubAck: p50 %.2f ms, p99 %.2f ms;"
                                + " %d GC pauses of the core's JVM, %d ms in all, during the run%n",
                        receivedToAck.getValueAtPercentile(50) / 1000.0, receivedToAck.getValueAtPercentile(99) / 1000.0,
                        gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1]);
                System.out.printf("            the commit itself (fsync) took p50 %.2f ms, p99 %.2f ms; from the commit timestamp: p50 %.2f ms, p99 %.2f ms%n",
                        commitDuration.getValueAtPercentile(50) / 1000.0, commitDuration.getValueAtPercentile(99) / 1000.0,
                        fromCommitTs.getValueAtPercentile(50) / 1000.0, fromCommitTs.getValueAtPercentile(99) / 1000.0);
                out.put("changes", changes);
                out.put("warmup_changes", warmup);
                out.put("changes_per_s", Math.round(pubPerS));
                out.put("raw_drain_per_s", Math.round(rawPerS));
                if (storePerS > 0) {
                    out.put("ratio_changes_per_s_vs_jetstream_store", round2(pubPerS / storePerS));
                }
                out.put("p50_ms", round2(p50));
                out.put("p99_ms", round2(p99));
                out.put("p999_ms", round2(latency.getValueAtPercentile(99.9) / 1000.0));
                out.put("max_ms", round2(latency.getMaxValue() / 1000.0));
                out.put("decoded_p50_ms", round2(toReceive.getValueAtPercentile(50) / 1000.0));
                out.put("decoded_p99_ms", round2(toReceive.getValueAtPercentile(99) / 1000.0));
                out.put("received_to_ack_p50_ms", round2(receivedToAck.getValueAtPercentile(50) / 1000.0));
                out.put("received_to_ack_p99_ms", round2(receivedToAck.getValueAtPercentile(99) / 1000.0));
                out.put("gc_pauses_latency_run", gcAfter[0] - gcBefore[0]);
                out.put("gc_pause_ms_latency_run", gcAfter[1] - gcBefore[1]);
                out.put("commit_p50_ms", round2(commitDuration.getValueAtPercentile(50) / 1000.0));
                out.put("commit_p99_ms", round2(commitDuration.getValueAtPercentile(99) / 1000.0));
                out.put("from_commit_ts_p50_ms", round2(fromCommitTs.getValueAtPercentile(50) / 1000.0));
                out.put("from_commit_ts_p99_ms", round2(fromCommitTs.getValueAtPercentile(99) / 1000.0));
                out.put("latency_rate_per_s", rate);
                out.put("latency_seconds", latencySeconds);
                out.put("latency_samples", latency.getTotalCount());
                out.put("rows_per_transaction_latency_run", txnRows);
                out.put("cpus", Runtime.getRuntime().availableProcessors());
                // the machine's 1-minute load average around the run: on a shared box it explains most variance
                out.put("load_avg_1m_before", loadBefore);
                out.put("load_avg_1m_after", loadAverage());
                if (debezium != null) {
                    long peerCommitted = runPeer(debezium, db, committed, pubPerS, rawPerS, p99, out);
                    out.put("load_avg_1m_after_peer", loadAverage());
                    Map<String, Object> again = latencyAgain(main, nats, db, peerCommitted);
                    out.put("publisher_after_peer", again);
                    out.put("load_avg_1m_after_publisher_again", loadAverage());
                    double p99Again = ((Number) again.get("p99_ms")).doubleValue();
                    double dbzP99 = ((Number) ((Map<?, ?>) out.get("peer_debezium_publish")).get("p99_ms")).doubleValue();
                    out.put("ratio_p99_after_peer_vs_debezium_publish", round2(p99Again / dbzP99));
                }
                System.out.printf("load average (1 min): %.2f before, %.2f after, on %d CPUs%n",
                        loadBefore, loadAverage(), Runtime.getRuntime().availableProcessors());
                JetStreamStoreCeiling.remove(nats);
                if (storeMatrix) {
                    JetStreamStoreCeiling.removeMatrix(nats, STORE_MATRIX_POINTS);
                }
            }
        } finally {
            FileTrees.deleteQuietly(dir);
        }
        if (peerDir != null) {
            FileTrees.deleteQuietly(peerDir); // kept when the run failed: the peer's log is there
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /**
     * The peer after the core's publisher has stopped, so neither competes for the CPUs: first with
     * the publishing handler, then the no-op one, each draining the same changes and then running its
     * own latency run at the same rate.
     */
    private long runPeer(DebeziumPeerBench debezium, GatewaySession db, long ourLatencyCommitted, double pubPerS, double rawPerS,
                         double p99, Map<String, Object> out) throws Exception {
        long backlog = warmup + (long) changes + ourLatencyCommitted;
        DebeziumPeerBench.Result publish = debezium.run("publish", db, backlog, warmup, changes, rate, txnRows, latencySeconds);
        DebeziumPeerBench.Result noop = debezium.run("noop", db, backlog + publish.committed(), warmup, changes, rate, txnRows,
                latencySeconds);
        out.put("peer", "debezium " + debezium.version());
        out.put("peer_debezium_publish", publish.figures());
        out.put("peer_debezium_noop", noop.figures());
        double dbzPerS = ((Number) publish.figures().get("changes_per_s")).doubleValue();
        double dbzP99 = ((Number) publish.figures().get("p99_ms")).doubleValue();
        out.put("ratio_changes_per_s_vs_debezium_publish", round2(pubPerS / dbzPerS));
        out.put("ratio_changes_per_s_vs_raw_drain", round2(pubPerS / rawPerS));
        out.put("ratio_p99_vs_debezium_publish", round2(p99 / dbzP99));
        System.out.printf("side by side: Omniglass %,.0f changes/s = %.2fx Debezium (JetStream, PubAck awaited), %.2fx the raw drain;"
                        + " p99 %.2f ms vs Debezium's %.2f ms%n",
                pubPerS, pubPerS / dbzPerS, pubPerS / rawPerS, p99, dbzP99);
        return publish.committed() + noop.committed();
    }

    /**
     * The publisher's latency run once more, after Debezium's: the readers run one after the
     * other, and on a shared machine the disk under JetStream's fsyncs changes from minute to
     * minute, so the peer's figure is bracketed by two of ours. A new session first publishes what
     * the peer's runs committed meanwhile.
     */
    private Map<String, Object> latencyAgain(CdcSession.Source main, Connection nats, GatewaySession db, long backlog) throws Exception {
        CdcStats stats = new CdcStats("bench-again", null);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        LatencyProbe probe = new LatencyProbe();
        Thread publisher = new Thread(() -> {
            try (CdcSession session = new CdcSession(main, nats, running::get, stats, probe, CdcSession.Settings.defaults(), null)) {
                session.run();
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "bench-cdc-publisher-again");
        publisher.start();
        try {
            System.out.printf("publisher again: %,d changes the peer's runs committed, then %,d changes/s for %d s...%n",
                    backlog, rate, latencySeconds);
            long waitUntil = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (stats.publishedCount() < backlog && failed.get() == null && System.nanoTime() < waitUntil) {
                Thread.sleep(5);
            }
            if (failed.get() != null || stats.publishedCount() < backlog) {
                throw new IllegalStateException("publisher again: " + stats.publishedCount() + " of " + backlog
                        + " changes published", failed.get());
            }
            long[] gcBefore = gcCountAndMillis();
            probe.measuring.set(true);
            long committed = commitAtRate(db, rate, txnRows, latencySeconds, probe.commitReturned, probe.commitDuration);
            waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (stats.publishedCount() < backlog + committed && failed.get() == null && System.nanoTime() < waitUntil) {
                Thread.sleep(5);
            }
            long[] gcAfter = gcCountAndMillis();
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("p50_ms", round2(probe.latency.getValueAtPercentile(50) / 1000.0));
            figures.put("p99_ms", round2(probe.latency.getValueAtPercentile(99) / 1000.0));
            figures.put("p999_ms", round2(probe.latency.getValueAtPercentile(99.9) / 1000.0));
            figures.put("max_ms", round2(probe.latency.getMaxValue() / 1000.0));
            figures.put("decoded_p50_ms", round2(probe.toReceive.getValueAtPercentile(50) / 1000.0));
            figures.put("decoded_p99_ms", round2(probe.toReceive.getValueAtPercentile(99) / 1000.0));
            figures.put("received_to_ack_p50_ms", round2(probe.receivedToAck.getValueAtPercentile(50) / 1000.0));
            figures.put("received_to_ack_p99_ms", round2(probe.receivedToAck.getValueAtPercentile(99) / 1000.0));
            figures.put("gc_pauses_latency_run", gcAfter[0] - gcBefore[0]);
            figures.put("gc_pause_ms_latency_run", gcAfter[1] - gcBefore[1]);
            figures.put("latency_samples", probe.latency.getTotalCount());
            figures.put("latency_committed", committed);
            figures.put("commit_p50_ms", round2(probe.commitDuration.getValueAtPercentile(50) / 1000.0));
            figures.put("commit_p99_ms", round2(probe.commitDuration.getValueAtPercentile(99) / 1000.0));
            System.out.printf("publisher again: commit-to-PubAck p50 %.2f ms, p99 %.2f ms (%,d changes); publisher to PubAck p99 %.2f ms%n",
                    probe.latency.getValueAtPercentile(50) / 1000.0, probe.latency.getValueAtPercentile(99) / 1000.0,
                    probe.latency.getTotalCount(), probe.receivedToAck.getValueAtPercentile(99) / 1000.0);
            return figures;
        } finally {
            running.set(false);
            publisher.join(15_000);
        }
    }

    /**
     * Batches in flight in the batched ceiling: two, as in the earlier sessions' figures (the store
     * matrix shows 1, 2 and 4 within each other's noise: nats-server stores a stream's batches in turn).
     */
    private static final int CEILING_BATCHES_IN_FLIGHT = 2;

    /** The store matrix's points (each a stream of its own): 3 batch sizes × 3 in flight, and 3 header variants. */
    private static final int STORE_MATRIX_POINTS = 16;
    private static final int SMALL_BODY_BYTES = 96;

    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    /**
     * JetStream storing as many copies of a stored change as the throughput run publishes, with the
     * publisher's headers and window and nothing else: the store's own ceiling, in the same run.
     */
    private double storeCeiling(CoreService core, String natsUrl, Tenant tenant, Map<String, Object> out) throws Exception {
        try (Connection nats = Nats.connect(new Options.Builder().server(natsUrl).noReconnect()
                .reconnectBufferSize(0).maxMessagesInOutgoingQueue(100_000).build())) {
            if (nats.jetStreamManagement().getStreamInfo(io.omniglass.core.tenancy.TenantStreams.cdcStream(tenant.slug()))
                    .getStreamState().getMsgCount() == 0) {
                System.out.println("JetStream store ceiling: skipped (no warm-up change to copy)");
                return 0;
            }
            byte[] body = JetStreamStoreCeiling.sampleBody(nats, tenant.slug());
            long natsPid = core.context().infrastructure().embeddedNatsPid().orElse(-1L);
            double natsCpuBefore = ProcessCpu.seconds(natsPid, false);
            long nanos = JetStreamStoreCeiling.run(nats, body, changes, CdcSession.Settings.defaults().maxInFlight(), natsReplicas);
            double natsCpu = ProcessCpu.seconds(natsPid, false) - natsCpuBefore;
            double perS = changes / (nanos / 1e9);
            System.out.printf("JetStream store ceiling: %,.0f messages/s (%d-byte bodies, PubAck awaited, no Postgres%s)%n",
                    perS, body.length, natsPid > 0 ? String.format("; nats-server %.1f ms CPU per 1,000", natsCpu * 1e6 / changes) : "");
            out.put("jetstream_store_per_s", Math.round(perS));
            out.put("jetstream_store_body_bytes", body.length);
            if (natsPid > 0) {
                out.put("cpu_ms_per_1k_jetstream_store_nats", round2(natsCpu * 1e6 / changes));
            }
            out.put("nats_server_version", nats.getServerInfo().getVersion());
            if (!nats.getServerInfo().isSameOrNewerThanVersion("2.12.0")) {
                return perS;
            }
            // the publisher's own path on this server: atomic batches of its size, as many in flight
            double cpuBefore = ProcessCpu.seconds(natsPid, false);
            long batchedNanos = JetStreamStoreCeiling.runBatched(nats, body, changes, CdcSession.MAX_BATCH,
                    CEILING_BATCHES_IN_FLIGHT, natsReplicas);
            double batchedCpu = ProcessCpu.seconds(natsPid, false) - cpuBefore;
            double batchedPerS = changes / (batchedNanos / 1e9);
            System.out.printf("JetStream store ceiling, atomic batches of %d: %,.0f messages/s%s%n", CdcSession.MAX_BATCH,
                    batchedPerS, natsPid > 0 ? String.format(" (nats-server %.1f ms CPU per 1,000)", batchedCpu * 1e6 / changes) : "");
            out.put("jetstream_store_batched_per_s", Math.round(batchedPerS));
            out.put("jetstream_store_batch_size", CdcSession.MAX_BATCH);
            if (natsPid > 0) {
                out.put("cpu_ms_per_1k_jetstream_store_batched_nats", round2(batchedCpu * 1e6 / changes));
            }
            if (storeMatrix) {
                out.put("store_matrix", storeMatrix(nats, body, natsPid)); // its streams are removed with the ceiling's, at the end
            }
            return batchedPerS;
        }
    }

    /**
     * The batched store ceiling at other batch sizes, batches in flight and headers: where the
     * durable store's limit lies (nats-server CPU per message, and its CPU against the wall clock:
     * a store that waits on fsync leaves its CPU idle).
     */
    private List<Map<String, Object>> storeMatrix(Connection nats, byte[] body, long natsPid) throws Exception {
        List<Map<String, Object>> points = new java.util.ArrayList<>();
        List<Object[]> plan = new java.util.ArrayList<>();
        for (int batch : new int[]{100, 500, 1000}) {
            for (int inFlight : new int[]{1, 2, 4}) {
                plan.add(new Object[]{batch, inFlight, JetStreamStoreCeiling.BatchHeaders.CEILING});
            }
        }
        plan.add(new Object[]{1000, 2, JetStreamStoreCeiling.BatchHeaders.NO_MSG_ID});
        plan.add(new Object[]{1000, 2, JetStreamStoreCeiling.BatchHeaders.PUBLISHER});
        plan.add(new Object[]{1000, 4, JetStreamStoreCeiling.BatchHeaders.NO_MSG_ID});
        // beyond nats-server's default batch ceiling (the embedded server allows 10,000), and a
        // body of a quarter of the feed's: what nats-server's CPU per message depends on
        plan.add(new Object[]{2000, 2, JetStreamStoreCeiling.BatchHeaders.CEILING});
        plan.add(new Object[]{5000, 2, JetStreamStoreCeiling.BatchHeaders.CEILING});
        plan.add(new Object[]{10000, 1, JetStreamStoreCeiling.BatchHeaders.CEILING});
        plan.add(new Object[]{1000, 2, JetStreamStoreCeiling.BatchHeaders.CEILING, SMALL_BODY_BYTES});
        if (plan.size() != STORE_MATRIX_POINTS) {
            throw new IllegalStateException("the store matrix has " + plan.size() + " points, STORE_MATRIX_POINTS says " + STORE_MATRIX_POINTS);
        }
        for (int i = 0; i < plan.size(); i++) {
            int batch = (int) plan.get(i)[0];
            int inFlight = (int) plan.get(i)[1];
            JetStreamStoreCeiling.BatchHeaders headers = (JetStreamStoreCeiling.BatchHeaders) plan.get(i)[2];
            byte[] pointBody = plan.get(i).length > 3 ? java.util.Arrays.copyOf(body, Math.min(body.length, (int) plan.get(i)[3])) : body;
            long[] disk = DiskFlushes.read();
            double cpuBefore = ProcessCpu.seconds(natsPid, false);
            long nanos = JetStreamStoreCeiling.runMatrixPoint(nats, i, pointBody, changes, batch, inFlight, natsReplicas, headers);
            double cpu = ProcessCpu.seconds(natsPid, false) - cpuBefore;
            long[] diskAfter = DiskFlushes.read();
            double seconds = nanos / 1e9;
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("batch", batch);
            point.put("batches_in_flight", inFlight);
            point.put("headers", headers.name().toLowerCase());
            point.put("body_bytes", pointBody.length);
            point.put("messages_per_s", Math.round(changes / seconds));
            point.put("batches_per_s", Math.round(changes / (double) batch / seconds));
            if (natsPid > 0) {
                point.put("cpu_ms_per_1k_nats", round2(cpu * 1e6 / changes));
                point.put("nats_cpu_of_wall", round2(cpu / seconds));
            }
            if (disk != null && diskAfter != null) {
                // the whole disk's: other processes' flushes count too
                point.put("disk_flushes_per_s", Math.round((diskAfter[0] - disk[0]) / seconds));
                point.put("disk_writes_per_s", Math.round((diskAfter[1] - disk[1]) / seconds));
            }
            point.put("load_avg_1m", loadAverage());
            System.out.printf("store matrix: batches of %5d, %d in flight, headers %-9s body %4d B %,8d messages/s%s%n", batch,
                    inFlight, headers.name().toLowerCase(), pointBody.length, Math.round(changes / seconds),
                    natsPid > 0 ? String.format(" (nats-server %.1f ms CPU per 1,000, %.0f%% of a core)", cpu * 1e6 / changes, 100 * cpu / seconds) : "");
            points.add(point);
        }
        return points;
    }

    /** Both readers take the same warm-up changes first; the measured runs then start from the same position. */
    private void warmUp(GatewaySession db, CdcSession.Source raw, CdcSession.Source main, String natsUrl) throws Exception {
        if (warmup <= 0) {
            return;
        }
        System.out.printf("warm-up: %,d changes through the raw reader and the publisher...%n", warmup);
        commitBatch(db, warmup, BATCH_ROWS);
        RawSlotReader.drain(raw, warmup, Duration.ofMinutes(5));
        CdcStats stats = new CdcStats("bench-warmup", null);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        try (Connection nats = Nats.connect(new Options.Builder().server(natsUrl).noReconnect()
                .reconnectBufferSize(0).maxMessagesInOutgoingQueue(100_000).build())) {
            Thread t = new Thread(() -> {
                try (CdcSession session = new CdcSession(main, nats, running::get, stats, null, CdcSession.Settings.defaults(), null)) {
                    session.run();
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, "bench-cdc-warmup");
            t.start();
            while (stats.publishedCount() < warmup && failed.get() == null) {
                Thread.sleep(5);
            }
            running.set(false);
            t.join(10_000);
        }
        if (failed.get() != null) {
            throw new IllegalStateException("warm-up failed: " + failed.get(), failed.get());
        }
    }

    private int fleet() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("load_avg_1m_before", loadAverage());
        new CdcFleetRun(slots, replayRows, probeIntervalMs, out).run();
        out.put("load_avg_1m_after", loadAverage());
        out.put("cpus", Runtime.getRuntime().availableProcessors());
        System.out.printf("load average (1 min): %s before, %.2f after%n", out.get("load_avg_1m_before"), loadAverage());
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** Collections and the milliseconds they took, over every collector of this JVM. */
    private static long[] gcCountAndMillis() {
        long count = 0;
        long millis = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            millis += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private static double loadAverage() {
        return round2(java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static final String INSERT = """
            INSERT INTO audit_log (actor, verb, resource, new, correlation_id)
            SELECT 'bench', 'write', 'component:pump-' || g, jsonb_build_object('setpoint', g, 'unit', 'bar'), 'corr-' || g
            FROM generate_series(1, ?) g""";

    private static void commitBatch(GatewaySession db, int total, int perTxn) throws Exception {
        try (java.sql.Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(INSERT)) {
            c.setAutoCommit(true);
            for (int done = 0; done < total; done += perTxn) {
                ps.setInt(1, Math.min(perTxn, total - done));
                ps.executeUpdate();
            }
        }
    }

    /**
     * Commits {@code rowsPerTxn}-row transactions paced to {@code rate} changes/s, noting when each
     * commit returned (by transaction id); returns the changes committed.
     */
    static long commitAtRate(GatewaySession db, int rate, int rowsPerTxn, int seconds, java.util.Map<Long, Long> commitReturned,
                                     Histogram commitDuration) throws Exception {
        long committed = 0;
        long txnIntervalNanos = 1_000_000_000L * rowsPerTxn / rate;
        try (java.sql.Connection c = db.connection();
             PreparedStatement xid = c.prepareStatement("SELECT pg_current_xact_id()::text::bigint");
             PreparedStatement ps = c.prepareStatement(INSERT)) {
            c.setAutoCommit(false);
            ps.setInt(1, rowsPerTxn);
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
                long txid;
                try (java.sql.ResultSet rs = xid.executeQuery()) {
                    rs.next();
                    txid = rs.getLong(1);
                }
                ps.executeUpdate();
                commitReturned.put(txid & 0xFFFFFFFFL, -1L); // ours, commit under way
                long before = System.nanoTime();
                c.commit();
                commitDuration.recordValue((System.nanoTime() - before) / 1000);
                commitReturned.put(txid & 0xFFFFFFFFL, nowMicros()); // pgoutput carries the 32-bit xid
                committed += rowsPerTxn;
                next += txnIntervalNanos;
            }
        }
        return committed;
    }

}
