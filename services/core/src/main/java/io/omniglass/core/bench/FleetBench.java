package io.omniglass.core.bench;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreService;
import io.omniglass.core.Modules;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.runtime.FileTrees;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import org.HdrHistogram.Histogram;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The fleet scenario on the embedded Postgres server(s) and nats-server: N tenants with a small plant and
 * rules, publishing together at an aggregate rate spread unevenly; the idle cost of the fleet;
 * then one tenant replays a backlog as fast as it can publish while the live tenants' latencies
 * (publish to current value, datapoint to alarm, commit to CDC delivery) are measured; the
 * replay's rate against raw COPY of the same rows in the same run; rows lost and doubled counted
 * in the databases; threads, heap, Postgres backends and walsenders, CPU per process. Postgres'
 * figures are summed over every registered primary the tenants live on, and given per server
 * ({@link FleetServers}).
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "The fleet: N live tenants, an idle-cost measurement, one tenant replaying a backlog meanwhile.")
public final class FleetBench implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures here as JSON")
    Path json;
    @Option(names = "--tenants", defaultValue = "180", description = "live tenants (default ${DEFAULT-VALUE})")
    int tenants;
    @Option(names = "--replay-rows", defaultValue = "23000000", description = "datapoints the replaying tenant publishes (default ${DEFAULT-VALUE})")
    long replayRows;
    @Option(names = "--replay-days", defaultValue = "90",
            description = "span of the backlog, days back from now (default ${DEFAULT-VALUE}: the tenant's retention; "
                    + "the days' partitions are made on demand)")
    int replayDays;
    @Option(names = "--fleet-tenants", defaultValue = "200",
            description = "tenants provisioned in all: the live ones, the replaying one, the raw-COPY reference and quiet ones "
                    + "up to this count; provisioning and the idle cost are measured at this size (default ${DEFAULT-VALUE})")
    int fleetTenants;
    /*
     * Each probe is a datapoint timed to its current value, then an alarm raised and cleared (two
     * record-lane commits and two CDC changes). Until the sixth session the probes were 4 workers
     * back to back with 50 ms pauses: at 20 tenants ~80 alarm transitions/s, each commit waking its
     * tenant's logical slot to pass the replay's WAL. Now an explicit open-loop rate.
     */
    @Option(names = "--probe-rate", defaultValue = "8",
            description = "probes per second, aggregate, round robin over the live tenants, during the replay; each is a datapoint "
                    + "to its current value and an alarm raised and cleared; a tenant whose previous probe is still running "
                    + "is passed over, counted (default ${DEFAULT-VALUE})")
    double probeRate;
    @Option(names = "--copy-rows", defaultValue = "0",
            description = "rows of the raw COPY baseline (default: as many as the replay); the same rows and span, into a scratch "
                    + "table dropped before the replay, so the disk never holds both")
    long copyRows;
    @Option(names = "--replay-series", defaultValue = "1000", description = "series of the replaying tenant (default ${DEFAULT-VALUE})")
    int replaySeries;
    /*
     * JetStream with sync_interval: always fsyncs every message it stores, so a replay's rows/s is
     * its messages/s (what the disk's fsyncs allow) times the datapoints in each: a bulk replayer
     * sends big messages. 200 datapoints a message gave 2,944 published rows/s at load 22.
     */
    @Option(names = "--replay-per-message", defaultValue = "1000",
            description = "datapoints in each replay message (default ${DEFAULT-VALUE}; ~190 bytes each, under the 8 MB max payload)")
    int replayPerMessage;
    @Option(names = "--rate", defaultValue = "544", description = "aggregate live datapoints/s over the tenants (default ${DEFAULT-VALUE})")
    int rate;
    @Option(names = "--idle-seconds", defaultValue = "60", description = "how long the idle fleet is measured (default ${DEFAULT-VALUE})")
    int idleSeconds;
    @Option(names = "--warmup-seconds", defaultValue = "20", description = "live load before the replay starts (default ${DEFAULT-VALUE})")
    int warmupSeconds;
    @Option(names = "--label", defaultValue = "", description = "a note stored with the figures (e.g. 'reduced run')")
    String label;
    @Option(names = "--keep", description = "keep the bench's data dir")
    boolean keep;
    /*
     * Tenants go on the registered primary with the fewest tenants, so servers registered before the
     * first tenant share the fleet evenly: the bench's way to run a fleet over external servers.
     */
    @Option(names = "--add-server", paramLabel = "NAME=JDBC_URL",
            description = "register this Postgres server (jdbc:postgresql://HOST:PORT/?user=U&password=P; wal_level=logical, a user "
                    + "that may create databases) before any tenant is made; repeat for several. Tenants are placed over all the "
                    + "registered primaries, fewest tenants first")
    Map<String, String> addServers = new LinkedHashMap<>();
    @Option(names = "--jfr", paramLabel = "FILE",
            description = "record the replay (from its first publish to its last row stored) with the JDK Flight Recorder's profile settings into FILE")
    Path jfr;

    private static final int COMPONENTS = 5;

    private final Map<String, Object> result = new LinkedHashMap<>();
    private final Random random = new Random(42);
    private final AtomicBoolean measuring = new AtomicBoolean();
    private final Histogram toCurrentValue = histogram();
    private final Histogram toAlarm = histogram();
    private final Histogram commitToCdc = histogram();
    private final Histogram commitToCdcLive = histogram();
    private final AtomicBoolean measuringLive = new AtomicBoolean();
    private Map<String, Long> replayCountsStart = Map.of();
    private long replayStartNanos;
    private final Histogram toStored = histogram();
    private final AtomicLong probesStarted = new AtomicLong();
    private final AtomicLong probesPassedOver = new AtomicLong();
    private final AtomicLong probeTimeouts = new AtomicLong();
    private final AtomicLong probeErrors = new AtomicLong();
    private final AtomicLong outputStalls = new AtomicLong();
    private final AtomicLong publishRetries = new AtomicLong();
    private final AtomicLong liveUnacknowledged = new AtomicLong();
    private final Map<String, CompletableFuture<Long>> alarmWaits = new ConcurrentHashMap<>();
    private CoreService core;
    private FleetServers servers;
    private List<Tenant> live;
    private AtomicLongArray livePublished;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("omniglass-bench-fleet-");
        try {
            Map<String, String> env = new HashMap<>();
            env.put("OMNIGLASS_DATA_DIR", dir.toString());
            env.put("OMNIGLASS_HTTP_PORT", "0");
            checkDisk(dir);
            core = new CoreService(Modules.all()).start(OmniglassConfig.loadWith(env));
            try {
                run();
            } catch (Exception | Error e) {
                // the phases done so far stay in the JSON, with what stopped the run
                result.put("failed", e.toString());
                checkpoint("failed");
                throw e;
            } finally {
                if (servers != null) {
                    servers.close();
                }
                core.close();
            }
            checkpoint("done");
            if (json != null) {
                System.out.println("written to " + json.toAbsolutePath());
            }
            return 0;
        } finally {
            if (!keep) {
                FileTrees.deleteQuietly(dir);
            }
        }
    }

    private void run() throws Exception {
        result.put("label", label.isBlank() ? "full run" : label);
        result.put("when", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        result.put("machine", Map.of("cpus", Runtime.getRuntime().availableProcessors(),
                "max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024)));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("tenants", tenants);
        params.put("aggregate_rate_per_s", rate);
        params.put("replay_rows", replayRows);
        params.put("replay_days", replayDays);
        params.put("replay_series", replaySeries);
        params.put("fleet_tenants", Math.max(fleetTenants, tenants + 2));
        params.put("probe_rate_per_s", probeRate);
        params.put("cdc_sessions", core.context().config().tuning().cdcSessions());
        result.put("parameters", params);
        result.put("load_average_at_start", loadAverage());
        checkpoint("started");

        registerServers();
        // the two big plants (1,000 series each) first and apart: the provisioning figure is the fleet's small plants
        Tenant replay = tenant("replay", replayPlant());
        // the raw-COPY reference on the replaying tenant's server: "replay ÷ raw COPY" compares one Postgres with itself
        Tenant copyRef = tenant("copyref", replayPlant(), Optional.of(replay.server()));
        provision();
        // after provisioning: servers the core starts or registers as the fleet grows are measured too
        servers = FleetServers.open(core.context());
        result.put("servers", servers.describe());
        System.out.printf("%d Postgres server(s): %s%n", servers.count(), serverSummary());
        checkpoint("provisioned");
        idle();
        checkpoint("idle");
        result.put("raw_copy", rawCopy(copyRef));
        checkpoint("raw copy");

        // three connections: the live load's output queue, the CDC subscription's pending messages and the
        // probes never wait behind one another
        String url = core.context().infrastructure().natsUrl();
        try (Connection nats = connect(url); Connection cdcFeed = connect(url); Connection probing = connect(url)) {
            Dispatcher cdc = cdcFeed.createDispatcher(this::onCdc);
            cdc.setPendingLimits(-1, -1);
            for (Tenant t : live) {
                cdc.subscribe(TenantStreams.cdcSubject(t.slug(), "alarm"));
            }
            LiveLoad load = new LiveLoad(nats);
            Thread loadThread = new Thread(load, "bench-live-load");
            Probes probeRun = new Probes(probing);
            Thread probeThread = new Thread(probeRun, "bench-probes");
            loadThread.start();
            System.out.printf("live load: %d datapoints/s over %d tenants; warming up %d s%n", rate, tenants, warmupSeconds);
            // the second half of the warm-up is the live load alone: its CDC figures apart from the replay's
            Thread.sleep(warmupSeconds * 500L);
            Map<String, Long> liveStart = cdcCounts();
            Map<String, Long> sessions0 = servers.sessions();
            double liveCore0 = ProcessCpu.seconds(ProcessHandle.current().pid(), false);
            Map<String, Double> livePg0 = servers.cpuSeconds();
            long liveStartNanos = System.nanoTime();
            measuringLive.set(true);
            Thread.sleep(warmupSeconds * 500L);
            measuringLive.set(false);
            Map<String, Long> liveEnd = cdcCounts();
            double liveSeconds = (System.nanoTime() - liveStartNanos) / 1e9;
            double liveCore1 = ProcessCpu.seconds(ProcessHandle.current().pid(), false);
            Map<String, Double> livePg1 = servers.cpuSeconds();
            Map<String, Long> sessions1 = servers.sessions();
            Map<String, Object> liveOnly = new LinkedHashMap<>();
            // every Postgres session opened on every server (pg_stat_database.sessions: pooled, replication, the bench's own)
            Map<String, Object> newSessions = new LinkedHashMap<>();
            sessions1.forEach((server, n) -> newSessions.put(server, round((n - sessions0.getOrDefault(server, 0L)) / liveSeconds)));
            long opened = sessions1.values().stream().mapToLong(Long::longValue).sum()
                    - sessions0.values().stream().mapToLong(Long::longValue).sum();
            liveOnly.put("postgres_new_sessions_per_s", round(opened / liveSeconds));
            liveOnly.put("postgres_new_sessions_per_s_by_server", newSessions);
            liveOnly.put("core_cpu_percent_of_one_core", round(100 * (liveCore1 - liveCore0) / liveSeconds));
            Map<String, Object> livePg = FleetServers.cpuPercent(livePg0, livePg1, liveSeconds);
            liveOnly.put("postgres_cpu_percent_of_one_core", livePg.get("total"));
            liveOnly.put("postgres_cpu_percent_by_server", livePg);
            liveOnly.put("postgres_backends_at_end", resources());
            Map<String, List<Map<String, Object>>> byApplication = servers.backendsByApplication(liveSeconds);
            liveOnly.put("postgres_backends_by_application_at_end", FleetServers.merge(byApplication, List.of("open", "opened_in_window")));
            liveOnly.put("postgres_backends_by_application_by_server_at_end", byApplication);
            liveOnly.put("commit_to_cdc_delivery_ms", percentiles(commitToCdcLive));
            liveOnly.put("cdc_rates", perSecond(liveStart, liveEnd, liveSeconds));
            liveOnly.put("cdc_sessions_so_far", cdcTimers());
            liveOnly.put("load_average", loadAverage());
            liveOnly.put("note", "the second half of the warm-up: the live load alone, before the replay");
            result.put("live_load_only", liveOnly);
            System.out.printf("live load only: commit->CDC p50 %s p99 %s ms; %s%n", p(commitToCdcLive, 50), p(commitToCdcLive, 99),
                    liveOnly.get("cdc_rates"));
            System.out.printf("live load only: %s new Postgres sessions/s; core %s%%, Postgres %s%% of a core%n",
                    liveOnly.get("postgres_new_sessions_per_s"), liveOnly.get("core_cpu_percent_of_one_core"),
                    liveOnly.get("postgres_cpu_percent_of_one_core"));
            replayCountsStart = cdcCounts();
            replayStartNanos = System.nanoTime();
            measuring.set(true);
            probeThread.start();
            Map<String, Object> replayFigures;
            try {
                replayFigures = replay(replay);
            } finally {
                measuring.set(false);
                load.running.set(false);
                loadThread.join();
                probeThread.join();
                probeRun.finish();
            }
            result.put("replay", replayFigures);
            Map<String, Object> during = new LinkedHashMap<>();
            during.put("probes", Map.of("rate_per_s", probeRate, "started", probesStarted.get(),
                    "passed_over_while_the_tenants_previous_probe_ran", probesPassedOver.get()));
            during.put("publish_to_current_value_ms", percentiles(toCurrentValue));
            during.put("publish_to_jetstream_puback_ms", percentiles(toStored));
            during.put("datapoint_to_alarm_ms", percentiles(toAlarm));
            during.put("commit_to_cdc_delivery_ms", percentiles(commitToCdc));
            during.put("probe_timeouts", probeTimeouts.get());
            during.put("probe_errors", probeErrors.get());
            during.put("cdc_sessions", cdcTimers());
            during.put("cdc_rates", perSecond(replayCountsStart, cdcCounts(), (System.nanoTime() - replayStartNanos) / 1e9));
            during.put("stages", stageTimers(replay));
            during.put("live_load_output_queue_stalls", outputStalls.get());
            during.put("note", "other tenants, while the replay ran; commit-to-CDC is measured at a subscriber "
                    + "(commit_ts of the alarm change to its delivery), so it bounds commit-to-PubAck from above");
            result.put("live_tenants_during_replay", during);
            System.out.printf("during the replay, other tenants: publish->current value p50 %s p99 %s ms; datapoint->alarm p50 %s p99 %s ms; "
                            + "commit->CDC p50 %s p99 %s ms (%d probe timeouts)%n",
                    p(toCurrentValue, 50), p(toCurrentValue, 99), p(toAlarm, 50), p(toAlarm, 99),
                    p(commitToCdc, 50), p(commitToCdc, 99), probeTimeouts.get());
            System.out.printf("  samples: current value %d, alarm %d, CDC %d; %d probes started, %d passed over (busy), %d probe errors; "
                            + "publish->PubAck p50 %s p99 %s ms%n", toCurrentValue.getTotalCount(),
                    toAlarm.getTotalCount(), commitToCdc.getTotalCount(), probesStarted.get(), probesPassedOver.get(), probeErrors.get(),
                    p(toStored, 50), p(toStored, 99));
            checkpoint("replayed");
            result.put("live_rows", liveRows(load));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> copy = (Map<String, Object>) result.get("raw_copy");
        double replayRate = (double) replayFigures().get("rows_per_s");
        double ratio = replayRate / (double) copy.get("rows_per_s");
        result.put("replay_vs_copy", round(ratio));
        System.out.printf("replay %.0f rows/s vs raw COPY %.0f rows/s: %.2fx%n", replayRate, (double) copy.get("rows_per_s"), ratio);
        result.put("load_average_at_end", loadAverage());
        result.put("targets", targets());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> replayFigures() {
        return (Map<String, Object>) result.get("replay");
    }

    /** The run's JSON as it stands, rewritten after every phase: a run that fails late keeps the earlier figures. */
    private void checkpoint(String phase) throws Exception {
        if (json == null) {
            return;
        }
        result.put("phase", phase);
        result.put("complete", "done".equals(phase));
        SinkBench.writeJson(result, json);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return String.valueOf(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    // ------------------------------------------------------------------ disk and targets

    /** Bytes a datapoint of the replay takes in the JetStream stream (its JSON, about 161 bytes, and its share of a message). */
    private static final long STREAM_BYTES_PER_ROW = 190;
    /** A metric_datapoint row in Postgres: heap tuple and primary-key entry. */
    private static final long TABLE_BYTES_PER_ROW = 160;
    /** WAL a replayed row writes (229 bytes measured on the quiet machine); the slots may hold all of it until they confirm. */
    private static final long WAL_BYTES_PER_ROW = 230;
    /** Postgres' sort of the keys when the distinct rows are counted. */
    private static final long COUNT_TEMP_BYTES_PER_ROW = 40;
    /** A tenant database with its migrations, streams and small plant. */
    private static final long TENANT_BYTES = 20L << 20;

    /**
     * What the run will write under its data dir, estimated from the parameters, against the free
     * space there: a full-size run needs about 26 GB, and one that fills the disk fails late and
     * leaves nothing, so it is refused before anything starts.
     */
    private void checkDisk(Path dir) throws Exception {
        long copy = copyRows > 0 ? Math.min(copyRows, replayRows) : replayRows;
        Map<String, Object> d = new LinkedHashMap<>();
        long stream = replayRows * STREAM_BYTES_PER_ROW;
        long table = replayRows * TABLE_BYTES_PER_ROW;
        long scratch = copy * TABLE_BYTES_PER_ROW;
        long wal = (replayRows + copy) * WAL_BYTES_PER_ROW;
        long temp = replayRows * COUNT_TEMP_BYTES_PER_ROW;
        long tenantsBytes = (long) Math.max(fleetTenants, tenants + 2) * TENANT_BYTES;
        // the scratch table is dropped before the replay: the peak holds the larger of the two, not both
        long need = (long) ((stream + Math.max(table, scratch) + wal + temp + tenantsBytes) * 1.1);
        long free = Files.getFileStore(dir).getUsableSpace();
        d.put("data_dir", dir.toString());
        d.put("jetstream_replay_stream_gb", gb(stream));
        d.put("postgres_replay_rows_gb", gb(table));
        d.put("raw_copy_scratch_table_gb", gb(scratch));
        d.put("wal_gb_at_most", gb(wal));
        d.put("count_temp_gb", gb(temp));
        d.put("tenant_databases_gb", gb(tenantsBytes));
        d.put("estimated_need_gb", gb(need));
        d.put("free_gb", gb(free));
        d.put("how", "estimated from the parameters (bytes a row: stream " + STREAM_BYTES_PER_ROW + ", table " + TABLE_BYTES_PER_ROW
                + ", WAL " + WAL_BYTES_PER_ROW + "), the larger of the scratch table and the replay's rows (the scratch table "
                + "is dropped before the replay), plus 10 %");
        result.put("disk", d);
        System.out.printf("disk: this run needs about %.1f GB under %s (stream %.1f, rows %.1f, WAL up to %.1f, tenants %.1f); %.1f GB free%n",
                gb(need), dir, gb(stream), gb(table), gb(wal), gb(tenantsBytes), gb(free));
        if (free < need) {
            result.put("failed", "not enough disk");
            checkpoint("refused");
            throw new IllegalStateException(String.format("not enough disk under %s: the run needs about %.1f GB, %.1f GB are free "
                    + "(point java.io.tmpdir at a larger disk, or pass a smaller --replay-rows)", dir, gb(need), gb(free)));
        }
    }

    private static double gb(long bytes) {
        return round(bytes / 1e9);
    }

    /** Each of the targets, the value measured and whether it was met. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> targets() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> idle = (Map<String, Object>) result.get("idle");
        Map<String, Object> prov = (Map<String, Object>) result.get("provisioning");
        Map<String, Object> during = (Map<String, Object>) result.get("live_tenants_during_replay");
        Map<String, Object> replayed = replayFigures();
        Map<String, Object> liveRows = (Map<String, Object>) result.get("live_rows");
        int idleTenants = ((Number) idle.get("tenants")).intValue();
        target(out, "idle_core_cpu_percent_of_one_core (" + idleTenants + " tenants)", "<= 5", idle.get("core_cpu_percent_of_one_core"), v -> v <= 5);
        target(out, "idle_jvm_threads", "<= 150", idle.get("jvm_threads"), v -> v <= 150);
        target(out, "idle_postgres_client_backends", "<= 50", idle.get("postgres_client_backends"), v -> v <= 50);
        target(out, "provisioning_mean_ms (" + prov.get("tenants") + " tenants)", "< 2000", prov.get("mean_ms"), v -> v < 2000);
        target(out, "provisioning_last_10_mean_ms", "< 2000", prov.get("last_10_mean_ms"), v -> v < 2000);
        target(out, "replay_vs_raw_copy", ">= 0.7", result.get("replay_vs_copy"), v -> v >= 0.7);
        for (String k : List.of("publish_to_current_value_ms", "datapoint_to_alarm_ms", "commit_to_cdc_delivery_ms")) {
            Map<String, Object> h = (Map<String, Object>) during.get(k);
            target(out, k.replace("_ms", "_p99_ms") + " (" + h.get("samples") + " samples)", "< 2000", h.get("p99"), v -> v < 2000);
        }
        target(out, "replay_rows_lost", "0", replayed.get("rows_lost"), v -> v == 0);
        target(out, "replay_rows_doubled", "0", replayed.get("rows_doubled"), v -> v == 0);
        target(out, "live_rows_lost", "0", liveRows.get("lost"), v -> v == 0);
        target(out, "live_rows_doubled", "0", liveRows.get("doubled"), v -> v == 0);
        System.out.println("targets:");
        out.forEach((k, v) -> {
            Map<String, Object> m = (Map<String, Object>) v;
            System.out.printf("  %-60s %12s  target %-7s %s%n", k, m.get("value"), m.get("target"), Boolean.TRUE.equals(m.get("met")) ? "met" : "MISSED");
        });
        return out;
    }

    private static void target(Map<String, Object> out, String name, String target, Object value,
                               java.util.function.DoublePredicate met) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target);
        m.put("value", value);
        m.put("met", value instanceof Number n && met.test(n.doubleValue()));
        out.put(name, m);
    }

    // ------------------------------------------------------------------ provisioning and idle cost

    private void provision() {
        live = new ArrayList<>();
        Histogram ms = new Histogram(3_600_000L, 3);
        long lastTenMicros = 0;
        // the live tenants, then quiet ones (same small plant, never any traffic) up to the fleet's size
        int quiet = Math.max(0, fleetTenants - tenants - 2);
        int count = tenants + quiet;
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            Tenant t = tenant(i < tenants ? String.format("f%03d", i) : String.format("q%03d", i - tenants), livePlant());
            if (i < tenants) {
                live.add(t);
            }
            long took = (System.nanoTime() - t0) / 1_000_000;
            ms.recordValue(Math.max(1, took));
            if (i >= count - 10) {
                lastTenMicros += took;
            }
            if ((i + 3) % 25 == 0) {
                System.out.printf("  %d tenants provisioned (last: %d ms; load %s)%n", i + 3, took, loadAverage());
            }
        }
        livePublished = new AtomicLongArray(tenants);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tenants", count + 2);
        r.put("timed", count);
        r.put("mean_ms", round(ms.getMean()));
        r.put("p50_ms", ms.getValueAtPercentile(50));
        r.put("p99_ms", ms.getValueAtPercentile(99));
        r.put("max_ms", ms.getMaxValue());
        r.put("last_10_mean_ms", round(lastTenMicros / (double) Math.max(1, Math.min(10, count))));
        r.put("load_average_after", loadAverage());
        r.put("includes", "database, migrations, boot phase, streams, plant import (7 components, 2 rules); timed one after "
                + "another after the replaying and reference tenants (1,000 series each, not timed)");
        result.put("provisioning", r);
        System.out.printf("provisioning: %d tenants, mean %.0f ms a tenant, p99 %d ms, the last ten %.0f ms%n", count + 2, ms.getMean(),
                ms.getValueAtPercentile(99), lastTenMicros / (double) Math.max(1, Math.min(10, count)));
    }

    private int provisionedCount() {
        return tenants + 2 + Math.max(0, fleetTenants - tenants - 2);
    }

    private Tenant tenant(String slug, String plant) {
        return tenant(slug, plant, Optional.empty());
    }

    /** A tenant on {@code server}, or where placement puts it (the registered primary with the fewest tenants). */
    private Tenant tenant(String slug, String plant, Optional<String> server) {
        Tenant t = core.context().provisioner().create(slug, slug, server, "bench");
        PlantImporter.importPlant(Gateway.forCore(core.context()).system(t, SystemPurpose.PLANT_IMPORT),
                PlantDescription.parseTree(plant), "bench");
        return t;
    }

    private static String livePlant() {
        StringBuilder p = new StringBuilder("{\"name\": \"fleet\", \"locations\": [{\"name\": \"site\"}], \"components\": [");
        for (int c = 1; c <= COMPONENTS; c++) {
            p.append("{\"name\": \"pump-").append(c).append("\", \"type\": \"pump\", \"location\": \"site\"},");
        }
        p.append("{\"name\": \"probe\", \"type\": \"meter\", \"location\": \"site\"},");
        p.append("{\"name\": \"alarmprobe\", \"type\": \"meter\", \"location\": \"site\"}],");
        p.append("\"rules\": {\"event_rules\": [")
                .append("{\"name\": \"flow-high\", \"selector\": \"component:pump-*\", \"key\": \"flow\", ")
                .append("\"condition\": {\"type\": \"high\", \"threshold\": 80, \"deadband\": 5}, \"severity\": \"warning\", \"message\": \"{owner}: flow high\"},")
                .append("{\"name\": \"probe-high\", \"selector\": \"component:alarmprobe\", \"key\": \"flow\", ")
                .append("\"condition\": {\"type\": \"high\", \"threshold\": 80, \"deadband\": 5}, \"severity\": \"warning\", \"message\": \"{owner}: probe\"}")
                .append("]}}");
        return p.toString();
    }

    private String replayPlant() {
        StringBuilder p = new StringBuilder("{\"name\": \"replay\", \"locations\": [{\"name\": \"site\"}], \"components\": [");
        for (int i = 0; i < replaySeries; i++) {
            p.append(i == 0 ? "" : ",").append("{\"name\": \"").append(meter(i)).append("\", \"type\": \"meter\", \"location\": \"site\"}");
        }
        // the replaying tenant is an ordinary one: a rule over every series it replays (its values cross 80)
        return p.append("], \"rules\": {\"event_rules\": [{\"name\": \"meter-high\", \"selector\": \"component:meter-*\", ")
                .append("\"key\": \"flow\", \"condition\": {\"type\": \"high\", \"threshold\": 80, \"deadband\": 5}, ")
                .append("\"severity\": \"warning\", \"message\": \"{owner}: flow high\"}]}}").toString();
    }

    private String[] meters;

    /** The replaying tenant's component names, made once: a String.format per published datapoint was 6 % of the JVM's samples. */
    private String meter(int i) {
        if (meters == null || meters.length != replaySeries) {
            String[] m = new String[replaySeries];
            for (int k = 0; k < replaySeries; k++) {
                m[k] = String.format("meter-%05d", k);
            }
            meters = m;
        }
        return meters[i];
    }

    private void idle() throws Exception {
        Thread.sleep(10_000); // provisioning's own work settles first
        long self = ProcessHandle.current().pid();
        long nats = core.context().infrastructure().embeddedNatsPid().orElse(-1L);
        double c0 = ProcessCpu.seconds(self, false);
        Map<String, Double> p0 = servers.cpuSeconds();
        double n0 = ProcessCpu.seconds(nats, false);
        long t0 = System.nanoTime();
        System.out.printf("idle: %d tenants on %d Postgres server(s), no traffic, %d s ...%n", provisionedCount(), servers.count(), idleSeconds);
        Thread.sleep(idleSeconds * 1000L);
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> p1 = servers.cpuSeconds();
        double c1 = ProcessCpu.seconds(self, false);
        double n1 = ProcessCpu.seconds(nats, false);
        Map<String, Object> r = new LinkedHashMap<>(resources());
        Map<String, List<Map<String, Object>>> holders = servers.backendHolders();
        List<Map<String, Object>> merged = FleetServers.merge(holders, List.of("backends", "databases"));
        r.put("client_backends_by_holder", merged.subList(0, Math.min(20, merged.size())));
        r.put("client_backends_by_holder_by_server", holders);
        for (Map<String, Object> m : merged) {
            System.out.printf("  %4d backends in %d %s database(s), %s, last: %s%n", m.get("backends"), m.get("databases"),
                    m.get("database"), m.get("state"), m.get("last_query"));
        }
        r.put("tenants", provisionedCount());
        r.put("seconds", round(secs));
        r.put("load_average", loadAverage());
        r.put("core_cpu_percent_of_one_core", round(100 * (c1 - c0) / secs));
        Map<String, Object> pg = FleetServers.cpuPercent(p0, p1, secs);
        r.put("postgres_cpu_percent_of_one_core", pg.get("total"));
        r.put("postgres_cpu_percent_by_server", pg);
        r.put("nats_cpu_percent_of_one_core", round(100 * (n1 - n0) / secs));
        result.put("idle", r);
        System.out.printf("idle: core %.1f%% of a core, Postgres %.1f%% (%d server(s)), nats %.1f%%; %s JVM threads, %s Postgres client backends, "
                        + "%s walsenders%n",
                r.get("core_cpu_percent_of_one_core"), r.get("postgres_cpu_percent_of_one_core"), servers.count(),
                r.get("nats_cpu_percent_of_one_core"), r.get("jvm_threads"), r.get("postgres_client_backends"), r.get("walsenders"));
    }

    /**
     * Threads and heap of the core's JVM; client backends and walsenders summed over every
     * registered primary, and per server under {@code postgres_backends_by_server}.
     */
    private Map<String, Object> resources() {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("jvm_threads", ManagementFactory.getThreadMXBean().getThreadCount());
        r.put("heap_used_mb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024));
        Map<String, Map<String, Long>> byServer = servers.backends();
        Map<String, Long> sum = FleetServers.sum(byServer);
        r.put("postgres_client_backends", sum.get("client_backends"));
        r.put("walsenders", sum.get("walsenders"));
        r.put(BY_SERVER, byServer);
        return r;
    }

    /** Where {@link #resources()} puts the per-server counts (the only entry of it that is not a number). */
    private static final String BY_SERVER = "postgres_backends_by_server";

    /** Each server's name and tenants, for the printed summary. */
    private String serverSummary() {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> d : servers.describe()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(d.get("name")).append(" (").append(d.get("tenants")).append(" tenants")
                    .append(Boolean.TRUE.equals(d.get("embedded")) ? ", embedded" : "")
                    .append(d.containsKey("error") ? ", not answering: " + d.get("error") : "").append(')');
        }
        return sb.toString();
    }

    /** Servers named with --add-server, registered before any tenant so placement spreads the fleet over them. */
    private void registerServers() {
        if (addServers.isEmpty()) {
            return;
        }
        var registry = core.context().provisioner().servers()
                .orElseThrow(() -> new IllegalStateException("--add-server: this core has no server registry"));
        addServers.forEach((name, url) -> {
            registry.add(name, url, null, null, null, io.omniglass.core.gateway.AuditActor.named("bench"));
            System.out.printf("server %s registered%n", name);
        });
    }

    // ------------------------------------------------------------------ live load and probes

    /** The live tenants' datapoints: weights 1/(i+1)^0.8, so a few tenants are busy and most are quiet. */
    private final class LiveLoad implements Runnable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final Connection nats;
        final double[] cumulative;

        final JetStream js;

        LiveLoad(Connection nats) {
            this.nats = nats;
            try {
                // a PubAck may take seconds on a machine this loaded: jnats' 2 s default counted stored datapoints as unacknowledged
                this.js = nats.jetStream(io.nats.client.JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(60)).build());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            double[] w = new double[tenants];
            double sum = 0;
            for (int i = 0; i < tenants; i++) {
                w[i] = 1 / Math.pow(i + 1, 0.8);
                sum += w[i];
            }
            cumulative = new double[tenants];
            double acc = 0;
            for (int i = 0; i < tenants; i++) {
                acc += w[i] / sum;
                cumulative[i] = acc;
            }
        }

        @Override
        public void run() {
            Random r = new Random(7);
            long intervalNanos = 1_000_000_000L / Math.max(1, rate);
            long next = System.nanoTime();
            // each (tenant, pump) gets strictly increasing microseconds: two datapoints of a series at the
            // same microsecond (a catch-up burst after a stall) are one datapoint, stored once, and were
            // counted as lost
            long[][] lastMicros = new long[tenants][COMPONENTS + 1];
            while (running.get()) {
                double u = r.nextDouble();
                int t = 0;
                while (t < tenants - 1 && cumulative[t] < u) {
                    t++;
                }
                int c = 1 + r.nextInt(COMPONENTS);
                Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
                long micros = ChronoUnit.MICROS.between(Instant.EPOCH, now);
                if (micros <= lastMicros[t][c]) {
                    micros = lastMicros[t][c] + 1;
                    now = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
                }
                lastMicros[t][c] = micros;
                // a slow wave per owner crosses the rule's threshold: alarms raise and clear
                double phase = (now.toEpochMilli() / 1000.0 + t * 7 + c * 3) / 40.0 * 2 * Math.PI;
                double value = Math.round((50 + 45 * Math.sin(phase)) * 10) / 10.0;
                byte[] body = datapoint("pump-" + c, now, value).getBytes(StandardCharsets.UTF_8);
                while (running.get()) {
                    try {
                        // counted once JetStream acknowledged it: a core-NATS publish that the server did not
                        // store (it never answers for one) would otherwise count as lost by the sink
                        int tenant = t;
                        js.publishAsync(TenantStreams.dataSubject(live.get(t).slug(), "metric"), body)
                                .whenComplete((ack, e) -> {
                                    if (e == null) {
                                        livePublished.incrementAndGet(tenant);
                                    } else if (liveUnacknowledged.incrementAndGet() <= 3) {
                                        System.err.println("live publish not acknowledged: " + e);
                                    }
                                });
                        break;
                    } catch (IllegalStateException outputQueueFull) {
                        // the connection's output queue (5,000 messages) is full on a machine this loaded: wait, then send it
                        outputStalls.incrementAndGet();
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
                    }
                }
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
        }
    }

    private static String datapoint(String component, Instant ts, double value) {
        return "{\"owner\":\"component:" + component + "\",\"key\":\"flow\",\"ts\":\"" + ts.truncatedTo(ChronoUnit.MICROS)
                + "\",\"value\":" + value + ",\"source\":\"bench\",\"source_rule\":\"bench-gen\",\"source_rule_version\":1}";
    }

    /**
     * The probes: {@link #probeRate} a second, open loop, round robin over the live tenants, each on
     * a thread of a pool as large as the fleet (so a slow probe delays no other); a tenant whose
     * previous probe is still running is passed over and counted, never queued behind it. A probe
     * is a datapoint timed to its JetStream PubAck and to its current value, then a datapoint that
     * raises an alarm (timed to the alarm row's commit, seen on the CDC feed) and one that clears it.
     * Slow samples are kept: a probe waits {@value #PROBE_WAIT_S} s before it counts as timed out.
     */
    private final class Probes implements Runnable {
        final Connection nats;
        final JetStream js;
        final java.util.concurrent.ExecutorService pool;
        final Set<String> running = ConcurrentHashMap.newKeySet();

        Probes(Connection nats) throws java.io.IOException {
            this.nats = nats;
            this.js = nats.jetStream(io.nats.client.JetStreamOptions.builder().requestTimeout(Duration.ofSeconds(PROBE_WAIT_S)).build());
            AtomicLong n = new AtomicLong();
            this.pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, live.size()), r -> {
                Thread th = new Thread(r, "bench-probe-" + n.getAndIncrement());
                th.setDaemon(true);
                return th;
            });
        }

        @Override
        public void run() {
            long interval = (long) (1e9 / Math.max(0.01, probeRate));
            long next = System.nanoTime();
            int i = 0;
            while (measuring.get()) {
                Tenant t = live.get(i++ % live.size());
                if (running.add(t.slug())) {
                    probesStarted.incrementAndGet();
                    pool.execute(() -> {
                        try {
                            probe(t);
                        } finally {
                            running.remove(t.slug());
                        }
                    });
                } else {
                    probesPassedOver.incrementAndGet();
                }
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
        }

        /** Lets the probes in flight end (each bounded by its waits), then stops the pool. */
        void finish() throws InterruptedException {
            pool.shutdown();
            if (!pool.awaitTermination(3L * PROBE_WAIT_S, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        }

        private void probe(Tenant t) {
            try {
                Instant ts = Instant.now().truncatedTo(ChronoUnit.MICROS);
                long sent = System.nanoTime();
                CompletableFuture<io.nats.client.api.PublishAck> stored = js.publishAsync(
                        TenantStreams.dataSubject(t.slug(), "metric"), datapoint("probe", ts, 1).getBytes(StandardCharsets.UTF_8));
                stored.thenRun(() -> toStored.recordValue(Math.max(1, (System.nanoTime() - sent) / 1_000_000)));
                if (awaitCurrentValue(t, ts)) {
                    toCurrentValue.recordValue(Math.max(1, (System.nanoTime() - sent) / 1_000_000));
                } else {
                    probeTimeouts.incrementAndGet();
                }
                CompletableFuture<Long> raised = new CompletableFuture<>();
                alarmWaits.put(t.slug(), raised);
                long sentMillis = System.currentTimeMillis();
                nats.publish(TenantStreams.dataSubject(t.slug(), "metric"),
                        datapoint("alarmprobe", Instant.now(), 100).getBytes(StandardCharsets.UTF_8));
                try {
                    long committedMillis = raised.get(PROBE_WAIT_S, TimeUnit.SECONDS);
                    toAlarm.recordValue(Math.max(1, committedMillis - sentMillis));
                } catch (java.util.concurrent.TimeoutException e) {
                    probeTimeouts.incrementAndGet();
                }
                alarmWaits.remove(t.slug());
                nats.publish(TenantStreams.dataSubject(t.slug(), "metric"),
                        datapoint("alarmprobe", Instant.now(), 0).getBytes(StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (probeErrors.incrementAndGet() <= 3) {
                    System.err.println("probe on " + t.slug() + " failed: " + e);
                }
                alarmWaits.remove(t.slug());
            }
        }
    }

    /** How long a probe waits for its current value, and for its alarm, before it counts as timed out. */
    private static final int PROBE_WAIT_S = 30;

    /*
     * A connection per look, never held across the wait: a probe waits up to PROBE_WAIT_S and many
     * are in flight at once (one per tenant), so holding one would take the system pool's budget
     * from the sink itself (a 180-tenant run's lane workers all waited for a permit behind ~180
     * waiting probes). The looks space out as the wait grows (20 ms, then a tenth of the time
     * waited, at most 200 ms), so a slow sample is over by at most a tenth of itself.
     */
    private boolean awaitCurrentValue(Tenant t, Instant ts) throws Exception {
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(PROBE_WAIT_S);
        java.time.OffsetDateTime want = ts.atOffset(java.time.ZoneOffset.UTC);
        while (System.nanoTime() < deadline) {
            try (java.sql.Connection c = ds.connection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT l.ts FROM series_latest l JOIN series s ON s.id = l.series_id WHERE s.component_id = 'probe'");
                 ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    java.time.OffsetDateTime at = rs.getObject(1, java.time.OffsetDateTime.class);
                    if (at != null && !at.isBefore(want)) {
                        return true;
                    }
                }
            }
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            Thread.sleep(Math.min(200, Math.max(20, waitedMillis / 10)));
        }
        return false;
    }

    /** Alarm changes of the live tenants: commit-to-delivery for all, and the alarm probes' raise time. */
    private void onCdc(io.nats.client.Message m) {
        try {
            JsonNode body = OmniglassClient.JSON.readTree(m.getData());
            long committed = Instant.parse(body.get("commit_ts").asText()).toEpochMilli();
            long now = System.currentTimeMillis();
            if (measuring.get()) {
                commitToCdc.recordValue(Math.max(1, now - committed));
            }
            if (measuringLive.get()) {
                commitToCdcLive.recordValue(Math.max(1, now - committed));
            }
            JsonNode row = body.get("row");
            // generated columns (alarm.owner) are not in the pgoutput stream before Postgres 18
            if (row != null && "alarmprobe".equals(row.path("component_id").asText()) && "active".equals(row.path("state").asText())) {
                String slug = m.getSubject().split("\\.")[1];
                CompletableFuture<Long> f = alarmWaits.get(slug);
                if (f != null) {
                    f.complete(committed);
                }
            }
        } catch (Exception ignored) {
            // not a change message
        }
    }

    // ------------------------------------------------------------------ the replay

    private Map<String, Object> replay(Tenant t) throws Exception {
        long self = ProcessHandle.current().pid();
        long natsPid = core.context().infrastructure().embeddedNatsPid().orElse(-1L);
        double c0 = ProcessCpu.seconds(self, false);
        Map<String, Double> p0 = servers.cpuSeconds();
        double n0 = ProcessCpu.seconds(natsPid, false);
        // the replaying tenant's WAL is its server's: the other servers' slots never decode it
        String walServer = t.server();
        long wal0 = servers.walPosition(walServer);
        jdk.jfr.Recording recording = jfr == null ? null : new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
        Map<String, Long> peaks = new ConcurrentHashMap<>();
        Map<String, Map<String, Long>> peaksByServer = new ConcurrentHashMap<>();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                try {
                    Map<String, Object> now = resources();
                    @SuppressWarnings("unchecked")
                    Map<String, Map<String, Long>> byServer = (Map<String, Map<String, Long>>) now.remove(BY_SERVER);
                    now.forEach((k, v) -> peaks.merge(k, ((Number) v).longValue(), Math::max));
                    byServer.forEach((server, counts) -> counts.forEach((k, v) ->
                            peaksByServer.computeIfAbsent(server, x -> new ConcurrentHashMap<>()).merge(k, v, Math::max)));
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception ignored) {
                    // next sample
                }
            }
        }, "bench-sampler");
        sampler.start();
        // an hour inside the accepted window: rows exactly replayDays back would age out of a 90-day retention
        // while they wait in the stream, and be dead-lettered (that was the 1,000 "lost" rows of an earlier run)
        Instant from = Instant.now().minus(Duration.ofDays(replayDays)).plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        long spanMicros = Duration.ofDays(replayDays).minusHours(2).toNanos() / 1000;
        long perSeries = Math.max(1, replayRows / replaySeries);
        long stepMicros = Math.max(1, spanMicros / perSeries);
        long current = liveCurrentValues(t);
        System.out.printf("replay: %,d datapoints over %d days into tenant %s, as fast as it can publish ...%n", replayRows, replayDays, t.slug());
        ThreadCpu.Snapshot threads0 = ThreadCpu.take();
        if (recording != null) {
            recording.start();
        }
        long start = System.nanoTime();
        long published;
        try (Connection nc = connect(core.context().infrastructure().natsUrl())) {
            JetStream js = nc.jetStream();
            Deque<InFlight> inflight = new ArrayDeque<>();
            String subject = TenantStreams.dataSubject(t.slug(), "metric");
            long msg = 0;
            for (long i = 0; i < replayRows; i += replayPerMessage, msg++) {
                StringBuilder sb = new StringBuilder(replayPerMessage * 190).append('[');
                long to = Math.min(replayRows, i + replayPerMessage);
                for (long j = i; j < to; j++) {
                    if (j > i) {
                        sb.append(',');
                    }
                    Instant ts = from.plus((j / replaySeries) * stepMicros, ChronoUnit.MICROS);
                    sb.append(datapoint(meter((int) (j % replaySeries)), ts, (j % 1000) / 10.0));
                }
                sb.append(']');
                InFlight f = new InFlight("replay-" + msg, sb.toString().getBytes(StandardCharsets.UTF_8));
                f.send(js, subject);
                inflight.add(f);
                // 64 messages of ~190 kB in flight: a bounded few MB of the core's heap, whatever the replay's size
                while (inflight.size() > 64) {
                    inflight.poll().await(js, subject);
                }
                if (msg % 50 == 0) {
                    progress(t, start, Math.min(replayRows, i + replayPerMessage), -1);
                }
            }
            for (InFlight f : inflight) {
                f.await(js, subject);
            }
            published = System.nanoTime();
        }
        System.out.printf("  published in %.1f s; waiting for the sink ...%n", (published - start) / 1e9);
        Counter written = core.context().metrics().find("og.sink.rows.written").tag("tenant", t.slug()).counter();
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(240);
        long stored = 0;
        long progressAt = System.nanoTime();
        long deadLettered = 0;
        while (System.nanoTime() < deadline) {
            long now = written != null ? (long) written.count() : count(ds, "SELECT count(*) FROM metric_datapoint");
            long dead = deadLetters(t);
            if (now > stored || dead > deadLettered) {
                stored = now;
                deadLettered = dead;
                progressAt = System.nanoTime();
            }
            if (stored - current + deadLettered >= replayRows || System.nanoTime() - progressAt > TimeUnit.SECONDS.toNanos(120)) {
                break; // all in, or stuck (what is missing is counted as lost below)
            }
            progress(t, start, replayRows, stored - current);
            Thread.sleep(written != null ? 20 : 1000);
        }
        // the replay ended at its last row stored, not when a stall gave up waiting
        long end = progressAt;
        ThreadCpu.Snapshot threads1 = ThreadCpu.take();
        // read at the replay's end: read after the counting below, the core's figure took in the live
        // load's work during the count and was divided by the replay's seconds (119 % in an earlier run)
        double c1 = threads1.processSeconds();
        Map<String, Double> p1 = servers.cpuSeconds();
        double n1 = ProcessCpu.seconds(natsPid, false);
        if (recording != null) {
            recording.stop();
            recording.dump(jfr);
            recording.close();
            System.out.println("  flight recording of the replay: " + jfr.toAbsolutePath());
        }
        sampling.set(false);
        sampler.join();
        double secs = (end - start) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        BothTiers tiers = countBothTiers(t);
        // the series' current values (published before the replay) are not the replay's rows
        long rows = tiers.hot() + tiers.cold() - current;
        long distinct = tiers.distinct() - current;
        r.put("rows_published", replayRows);
        r.put("rows_stored", rows);
        r.put("rows_hot", tiers.hot() - current);
        r.put("live_series_before_the_replay", current);
        r.put("rows_cold", tiers.cold());
        r.put("cold_files", tiers.files());
        long dead = deadLetters(t);
        r.put("rows_dead_lettered", dead);
        r.put("rows_lost", Math.max(0, replayRows - distinct - dead));
        r.put("rows_doubled", rows - distinct);
        r.put("seconds", round(secs));
        r.put("publish_seconds", round((published - start) / 1e9));
        r.put("publish_retries", publishRetries.get());
        r.put("datapoints_per_message", replayPerMessage);
        r.put("rows_per_s", round(rows / secs));
        r.put("span", replayDays + " days back (beyond a week the days' partitions are made on demand)");
        // every other tenant's slot on the server decodes this WAL: the CDC cost of the replay
        long walBytes = servers.walPosition(walServer) - wal0;
        r.put("wal_bytes", walBytes);
        r.put("wal_server", walServer);
        r.put("wal_bytes_per_row", rows == 0 ? 0 : round((double) walBytes / rows));
        r.put("counted", "hot rows in Postgres plus cold rows in the Parquet files the manifest (cold_file) names; "
                + "doubled = rows - distinct (series_id, ts) over both tiers");
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("core_percent_of_one_core", round(100 * (c1 - c0) / secs));
        Map<String, Object> pgCpu = FleetServers.cpuPercent(p0, p1, secs);
        cpu.put("postgres_percent_of_one_core", pgCpu.get("total"));
        cpu.put("postgres_percent_by_server", pgCpu);
        cpu.put("nats_percent_of_one_core", round(100 * (n1 - n0) / secs));
        // the bench's publisher (main), live load (bench-live-load) and probes (bench-probes) run in the core's JVM
        cpu.put("core_jvm_by_thread_group_percent_of_one_core",
                ThreadCpu.percentByGroup(threads0, threads1));
        r.put("cpu_during_replay", cpu);
        Map<String, Object> rules = new LinkedHashMap<>();
        for (String name : List.of("og_rules_messages_skipped", "og_rules_datapoints_evaluated", "og_rules_alarm_transitions")) {
            Counter c = core.context().metrics().find(name).tag("tenant", t.slug()).counter();
            rules.put(name, c == null ? 0 : (long) c.count());
        }
        rules.put("note", "the replaying tenant's rules: messages left undecoded (nothing in them newer than what was decided), "
                + "datapoints matched to a rule (decided or ignored as not newer), alarm transitions");
        r.put("rules_of_the_replaying_tenant", rules);
        Map<String, Object> peaksOut = new LinkedHashMap<>(peaks);
        peaksOut.put(BY_SERVER, new java.util.TreeMap<>(peaksByServer));
        r.put("peaks_during_replay", peaksOut);
        System.out.printf("replay: %,d rows (%,d hot, %,d cold in %d files; %d dead-lettered) in %.1f s = %,.0f rows/s (lost %d, doubled %d); "
                        + "CPU core %s%%, Postgres %s%%, nats %s%%; peaks %s%n",
                rows, tiers.hot(), tiers.cold(), tiers.files(), dead, secs, rows / secs, r.get("rows_lost"), r.get("rows_doubled"),
                cpu.get("core_percent_of_one_core"), cpu.get("postgres_percent_of_one_core"), cpu.get("nats_percent_of_one_core"), peaks);
        return r;
    }

    private long lastProgressNanos;

    /**
     * The replay's progress in the JSON at most every 30 s (a run stopped or failed during a long
     * replay still says how far it got and how fast): rows published, rows the sink wrote (from
     * its counter; -1 while publishing, not read then), seconds, load.
     */
    private void progress(Tenant t, long start, long published, long stored) throws Exception {
        long now = System.nanoTime();
        if (now - lastProgressNanos < TimeUnit.SECONDS.toNanos(30)) {
            return;
        }
        lastProgressNanos = now;
        if (stored < 0) {
            Counter written = core.context().metrics().find("og.sink.rows.written").tag("tenant", t.slug()).counter();
            stored = written == null ? -1 : (long) written.count() - replaySeries;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        double secs = (now - start) / 1e9;
        p.put("seconds", round(secs));
        p.put("rows_published", published);
        p.put("rows_written_by_the_sink", stored);
        p.put("rows_per_s_so_far", stored < 0 ? null : round(stored / secs));
        p.put("probe_samples", Map.of("current_value", toCurrentValue.getTotalCount(), "alarm", toAlarm.getTotalCount(),
                "cdc", commitToCdc.getTotalCount(), "probes_started", probesStarted.get()));
        p.put("load_average", loadAverage());
        result.put("replay_progress", p);
        checkpoint("replaying");
        System.out.printf("  replay: %.0f s, %,d published, %,d written (%s rows/s so far); load %s%n", secs, published, stored,
                p.get("rows_per_s_so_far"), loadAverage());
    }

    /**
     * The replaying tenant is live, as in the documents' scenario (a webhook replays its backlog
     * while the plant keeps reporting): every series gets a current value now, and the replay
     * starts once the rules decided it, so the whole backlog is older than every current value.
     * Returns the rows this stored.
     */
    private long liveCurrentValues(Tenant t) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < replaySeries; i++) {
            sb.append(i == 0 ? "" : ",").append(datapoint(meter(i), now, 50.0));
        }
        try (Connection nc = connect(core.context().infrastructure().natsUrl())) {
            nc.jetStream().publish(TenantStreams.dataSubject(t.slug(), "metric"), sb.append(']').toString().getBytes(StandardCharsets.UTF_8),
                    PublishOptions.builder().messageId("replay-current").build());
        }
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (count(ds, "SELECT count(*) FROM event_rule_state WHERE last_ts = '" + now + "'::timestamptz") < replaySeries
                || count(ds, "SELECT count(*) FROM metric_datapoint WHERE ts = '" + now + "'::timestamptz") < replaySeries) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the replaying tenant's current values were not decided within 5 minutes");
            }
            Thread.sleep(200);
        }
        return replaySeries;
    }

    /*
     * The bench's own connections wait for a busy server: at 180 live tenants a loaded nats-server
     * answered a new connection's handshake after jnats' default 2 s (the fleet run of the sixth
     * session ended there, at the replay's start), which is the bench failing, not the core.
     */
    private static Connection connect(String url) throws java.io.IOException, InterruptedException {
        return Nats.connect(new io.nats.client.Options.Builder().server(url)
                .connectionTimeout(Duration.ofSeconds(30)).maxReconnects(-1).build());
    }

    /**
     * The CDC session pool's counters so far (core-wide): drains by kind, replication connections
     * opened, and what became of the sessions left reusable (parked, evicted, closed idle, declined).
     */
    private Map<String, Long> cdcCounts() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (var t : core.context().metrics().find("og_cdc_drain").timers()) {
            out.put(t.getId().getTag("kind") + "_drains", t.count());
        }
        for (var c : core.context().metrics().find("og_cdc_session_reused").counters()) {
            out.put("reused", (long) c.count());
        }
        for (var c : core.context().metrics().find("og_cdc_session_opened").counters()) {
            out.put("sessions_opened", (long) c.count());
        }
        for (var c : core.context().metrics().find("og_cdc_session_park").counters()) {
            out.put("park_" + c.getId().getTag("outcome"), (long) c.count());
        }
        for (var c : core.context().metrics().find("og_cdc_stream_end").counters()) {
            out.put("stream_end_" + c.getId().getTag("how"), (long) c.count());
        }
        for (var c : core.context().metrics().find("og_cdc_drain_end").counters()) {
            out.put("commit_drain_end_" + c.getId().getTag("how"), (long) c.count());
        }
        for (var c : core.context().metrics().find("og_cdc_drain_caught_up").counters()) {
            out.put("commit_drain_caught_up_by_" + c.getId().getTag("by"), (long) c.count());
        }
        return out;
    }

    /** Per second over a window, from two {@link #cdcCounts()} snapshots. */
    private static Map<String, Object> perSecond(Map<String, Long> before, Map<String, Long> after, double seconds) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seconds", Math.round(seconds * 10) / 10.0);
        after.forEach((k, v) -> out.put(k + "_per_s", Math.round((v - before.getOrDefault(k, 0L)) / seconds * 100) / 100.0));
        return out;
    }

    /**
     * The CDC session pool's own timers (core-wide): a commit's wait for a session and a drain's
     * time, over the core's run; percentiles over Micrometer's recent window (about 2 minutes, so
     * mostly the replay), counts and means over the whole run.
     */
    private Map<String, Object> cdcTimers() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sessions", core.context().config().tuning().cdcSessions());
        for (var t : core.context().metrics().find("og_cdc_commit_wait").timers()) {
            out.put("commit_wait_ms", timer(t));
        }
        for (var t : core.context().metrics().find("og_cdc_drain").timers()) {
            out.put(t.getId().getTag("kind") + "_drain_ms", timer(t));
        }
        for (var t : core.context().metrics().find("og_cdc_drain_phase").timers()) {
            out.put("commit_drain_" + t.getId().getTag("phase") + "_ms", timer(t));
        }
        for (var c : core.context().metrics().find("og_cdc_session_reused").counters()) {
            out.put("commit_drains_on_an_open_session", (long) c.count());
        }
        for (var d : core.context().metrics().find("og_cdc_drain_behind_bytes").summaries()) {
            var snap = d.takeSnapshot();
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("count", d.count());
            b.put("mean_mb", Math.round(d.mean() / 1024 / 1024 * 100) / 100.0);
            for (var v : snap.percentileValues()) {
                b.put("p" + Math.round(v.percentile() * 100) + "_recent_mb", Math.round(v.value() / 1024 / 1024 * 100) / 100.0);
            }
            out.put("commit_drain_behind_at_start", b);
        }
        out.putAll(cdcCounts());
        for (String lease : new String[]{"og_cdc_lease_renewal", "og_cdc_lease_renewal_gap"}) {
            for (var t : core.context().metrics().find(lease).timers()) {
                out.put(lease.substring("og_cdc_".length()) + "_ms", timer(t));
            }
        }
        for (var c : core.context().metrics().find("og_cdc_lease_expired").counters()) {
            out.put("lease_expired", (long) c.count());
        }
        for (var c : core.context().metrics().find("og_cdc_slot_skips").counters()) {
            out.put("slot_skips_" + c.getId().getTag("outcome"), (long) c.count());
        }
        System.out.printf("cdc sessions: %s%n", out);
        return out;
    }

    /**
     * Where a live datapoint's time goes, from the core's timers at the replay's end (their
     * percentiles cover the last two minutes or so: the replay and a little before it): the lanes'
     * wait for a worker and turn length by kind and queue (fresh: woken by new work; backlog: more
     * after a turn), and the sink's and rules' stages for the replaying tenant and for the live
     * tenants (the worst live tenant's p50 and p99, and all their batches).
     */
    private Map<String, Object> stageTimers(Tenant replaying) {
        var registry = core.context().metrics();
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> lanes = new LinkedHashMap<>();
        for (String name : new String[]{"og.lanes.wait", "og.lanes.turn"}) {
            for (var t : registry.find(name).timers()) {
                lanes.put(name.substring("og.lanes.".length()) + " " + t.getId().getTag("kind") + "/" + t.getId().getTag("queue") + " ms",
                        timer(t));
            }
        }
        out.put("lanes", lanes);
        Set<String> liveSlugs = new java.util.HashSet<>();
        live.forEach(t -> liveSlugs.add(t.slug()));
        Map<String, Object> replayStages = new LinkedHashMap<>();
        Map<String, Object> liveStages = new LinkedHashMap<>();
        for (String name : new String[]{"og.sink.inbox.wait", "og.sink.prepare", "og.sink.handoff.wait", "og.sink.commit",
                "og.sink.stored.to.ack", "og_rules_stored_to_decided"}) {
            long count = 0;
            double p50 = 0;
            double p99 = 0;
            double max = 0;
            // a stage's recent percentiles are the gauges of its StageTimer (since s12), its count and max the timer's
            Map<String, Map<Double, Double>> recent = recentPercentiles(name);
            for (var t : registry.find(name).timers()) {
                String slug = t.getId().getTag("tenant");
                Map<Double, Double> q = recent.getOrDefault(slug, Map.of());
                if (replaying.slug().equals(slug)) {
                    Map<String, Object> m = timer(t);
                    m.put("p50_recent", round(q.getOrDefault(0.5, 0.0)));
                    m.put("p99_recent", round(q.getOrDefault(0.99, 0.0)));
                    replayStages.put(name + " ms", m);
                } else if (liveSlugs.contains(slug)) {
                    var snap = t.takeSnapshot();
                    count += snap.count();
                    max = Math.max(max, snap.max(TimeUnit.MILLISECONDS));
                    p50 = Math.max(p50, q.getOrDefault(0.5, 0.0));
                    p99 = Math.max(p99, q.getOrDefault(0.99, 0.0));
                }
            }
            liveStages.put(name + " ms", Map.of("batches", count, "worst_tenant_p50_recent", round(p50),
                    "worst_tenant_p99_recent", round(p99), "max_recent", round(max)));
        }
        for (var d : registry.find("og.sink.batch.rows").summaries()) {
            if (replaying.slug().equals(d.getId().getTag("tenant"))) {
                var snap = d.takeSnapshot();
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("count", snap.count());
                m.put("mean", round(snap.mean()));
                m.put("max_recent", round(snap.max()));
                replayStages.put("og.sink.batch.rows", m);
            }
        }
        out.put("replaying_tenant", replayStages);
        out.put("live_tenants", liveStages);
        System.out.printf("stages: %s%n", out);
        return out;
    }

    /** Per tenant, a stage's recent quantiles in ms, from its {@link io.omniglass.core.telemetry.StageTimer}'s gauges. */
    private Map<String, Map<Double, Double>> recentPercentiles(String stage) {
        Map<String, Map<Double, Double>> out = new java.util.HashMap<>();
        for (var g : core.context().metrics().find(stage + io.omniglass.core.telemetry.StageTimer.RECENT_SUFFIX).gauges()) {
            out.computeIfAbsent(g.getId().getTag("tenant"), k -> new java.util.HashMap<>())
                    .put(Double.parseDouble(g.getId().getTag("quantile")), g.value() * 1000);
        }
        return out;
    }

    private static Map<String, Object> timer(io.micrometer.core.instrument.Timer t) {
        Map<String, Object> m = new LinkedHashMap<>();
        var snap = t.takeSnapshot();
        m.put("count", snap.count());
        m.put("mean", round(snap.mean(TimeUnit.MILLISECONDS)));
        for (var v : snap.percentileValues()) {
            m.put("p" + Math.round(v.percentile() * 100) + "_recent", round(v.value(TimeUnit.MILLISECONDS)));
        }
        m.put("max_recent", round(snap.max(TimeUnit.MILLISECONDS)));
        return m;
    }

    /**
     * Datapoints the sink dead-lettered for the tenant: one DLQ message per refused datapoint
     * (og.&lt;tenant&gt;.dlq.dp), counted in the stream.
     */
    private long deadLetters(Tenant t) {
        try {
            return core.context().nats().jetStreamManagement().getStreamInfo(TenantStreams.dlqStream(t.slug()))
                    .getStreamState().getMsgCount();
        } catch (Exception e) {
            return 0;
        }
    }

    /** The replaying tenant's metric rows in both tiers, and how many distinct (series_id, ts) they hold. */
    private record BothTiers(long hot, long cold, int files, long distinct) {
    }

    /**
     * Both tiers counted in one snapshot that no tiering can move under: the parent table is held
     * in ACCESS SHARE before the snapshot is taken, so the upkeep's DROP of a tiered day (ACCESS
     * EXCLUSIVE on the parent, in the transaction that adds its cold_file row) either committed
     * before, and its file is listed, or waits until the count is done (its lock timeout makes it
     * try again on a later run). The distinct keys are counted in Postgres, never in the heap.
     */
    private BothTiers countBothTiers(Tenant t) throws Exception {
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        try (java.sql.Connection c = ds.connection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(java.sql.Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL statement_timeout = 0");
                st.execute("SET LOCAL work_mem = '64MB'");
                st.execute("LOCK TABLE metric_datapoint IN ACCESS SHARE MODE");
            }
            long hot;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM metric_datapoint")) {
                rs.next();
                hot = rs.getLong(1);
            }
            List<String> files = new ArrayList<>();
            long cold = 0;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT path, row_count FROM cold_file WHERE table_name = 'metric_datapoint'")) {
                while (rs.next()) {
                    files.add(io.omniglass.core.lifecycle.ColdTier.forCore(core.context()).root().resolve(rs.getString(1)).toString());
                    cold += rs.getLong(2);
                }
            }
            String hotKeys = "SELECT series_id, (extract(epoch FROM ts) * 1000000)::bigint FROM metric_datapoint";
            String keys = hotKeys;
            if (!files.isEmpty()) {
                // the cold keys go into a temporary table next to the hot rows, so one UNION ALL counts the distinct keys of both
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TEMP TABLE bench_cold_keys (series_id bigint, ts_us bigint) ON COMMIT DROP");
                }
                CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY bench_cold_keys FROM STDIN");
                String list = files.stream().map(f -> "'" + f.replace("'", "''") + "'").collect(java.util.stream.Collectors.joining(", "));
                try (java.sql.Connection d = io.omniglass.core.lifecycle.ColdTier.forCore(core.context()).engine().connection();
                     Statement st = d.createStatement();
                     ResultSet rs = st.executeQuery("SELECT series_id, ts_us FROM read_parquet([" + list + "])")) {
                    StringBuilder sb = new StringBuilder(1 << 20);
                    while (rs.next()) {
                        sb.append(rs.getLong(1)).append('\t').append(rs.getLong(2)).append('\n');
                        if (sb.length() > (1 << 20) - 64) {
                            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                            in.writeToCopy(b, 0, b.length);
                            sb.setLength(0);
                        }
                    }
                    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                    in.writeToCopy(b, 0, b.length);
                }
                in.endCopy();
                keys = hotKeys + " UNION ALL SELECT series_id, ts_us FROM bench_cold_keys";
            }
            long distinct;
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM (SELECT DISTINCT * FROM (" + keys + ") a) k")) {
                rs.next();
                distinct = rs.getLong(1);
            }
            c.commit();
            return new BothTiers(hot, cold, files.size(), distinct);
        }
    }

    /**
     * One replay message and its PubAck. On a machine this loaded jnats may cancel a PubAck that
     * did not come in time: the message is sent again under the same Nats-Msg-Id, which the
     * stream's duplicate window turns into one message, so a retry never doubles rows.
     */
    private final class InFlight {
        final String id;
        final byte[] body;
        CompletableFuture<PublishAck> ack;

        InFlight(String id, byte[] body) {
            this.id = id;
            this.body = body;
        }

        void send(JetStream js, String subject) {
            ack = js.publishAsync(subject, null, body, PublishOptions.builder().messageId(id).build());
        }

        void await(JetStream js, String subject) throws Exception {
            for (int attempt = 1; ; attempt++) {
                try {
                    ack.get(60, TimeUnit.SECONDS);
                    return;
                } catch (java.util.concurrent.CancellationException | java.util.concurrent.TimeoutException
                         | java.util.concurrent.ExecutionException e) {
                    if (attempt >= 10) {
                        throw e;
                    }
                    publishRetries.incrementAndGet();
                    Thread.sleep(200L * attempt);
                    send(js, subject);
                }
            }
        }
    }

    /** Every live datapoint published is stored once (waits up to a minute for the sink to finish). */
    private Map<String, Object> liveRows(LiveLoad load) throws Exception {
        long published = 0;
        for (int i = 0; i < tenants; i++) {
            published += livePublished.get(i);
        }
        long stored = 0;
        long distinct = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long deadNow = 0;
        do {
            stored = 0;
            distinct = 0;
            deadNow = 0;
            for (Tenant t : live) {
                deadNow += deadLetters(t);
            }
            for (Tenant t : live) {
                GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
                String pumps = " FROM metric_datapoint d JOIN series s ON s.id = d.series_id WHERE s.component_id LIKE 'pump-%'";
                stored += count(ds, "SELECT count(*)" + pumps);
                distinct += count(ds, "SELECT count(DISTINCT (d.series_id, d.ts))" + pumps);
            }
            if (distinct + deadNow >= published) {
                break;
            }
            Thread.sleep(2000);
        } while (System.nanoTime() < deadline);
        long dead = 0;
        for (Tenant t : live) {
            dead += deadLetters(t);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("published", published);
        r.put("counted", "published = acknowledged by JetStream; lost = published - distinct stored - dead-lettered");
        r.put("unacknowledged", liveUnacknowledged.get());
        r.put("stored", stored);
        r.put("dead_lettered", dead);
        r.put("lost", Math.max(0, published - distinct - dead));
        r.put("doubled", stored - distinct);
        System.out.printf("live tenants: %,d datapoints published (acknowledged; %d not), %,d stored, %d dead-lettered, lost %d, doubled %d%n",
                published, liveUnacknowledged.get(), stored, dead, r.get("lost"), r.get("doubled"));
        return r;
    }

    private Map<String, Object> rawCopy(Tenant t) throws Exception {
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        long[] ids = new long[replaySeries];
        int rule;
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO source_rule (name, version) VALUES ('bench-gen', 1) ON CONFLICT DO NOTHING");
            st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, instance, provenance, source) "
                    + "SELECT 'component', c.name, t.id, 'metric', '', 'observed', 'bench' FROM component c, datapoint_type t "
                    + "WHERE t.name = 'flow' AND t.scope <> 'template' AND c.name LIKE 'meter-%' ON CONFLICT DO NOTHING");
            try (ResultSet rs = st.executeQuery("SELECT component_id, id FROM series WHERE component_id LIKE 'meter-%'")) {
                while (rs.next()) {
                    ids[Integer.parseInt(rs.getString(1).substring("meter-".length()))] = rs.getLong(2);
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT id FROM source_rule WHERE name = 'bench-gen' AND version = 1")) {
                rs.next();
                rule = rs.getInt(1);
            }
        }
        // the replay's own rows: the same series, span and step (its generator below), so the same partitions fill alike
        Instant from = Instant.now().minus(Duration.ofDays(replayDays)).plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        long spanMicros = Duration.ofDays(replayDays).minusHours(2).toNanos() / 1000;
        long perSeries = Math.max(1, replayRows / replaySeries);
        long stepMicros = Math.max(1, spanMicros / perSeries);
        long copyCount = copyRows > 0 ? Math.min(copyRows, replayRows) : replayRows;
        System.out.printf("raw COPY: %,d rows into a scratch table, before the replay ...%n", copyCount);
        baselineTable(ds, from);
        long start = System.nanoTime();
        long rows;
        try (java.sql.Connection c = ds.connection()) {
            c.setAutoCommit(false);
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY " + BASELINE + " (series_id, ts, value, provenance, source_rule_id) FROM STDIN");
            StringBuilder sb = new StringBuilder(1 << 20);
            for (long j = 0; j < copyCount; j++) {
                sb.append(ids[(int) (j % replaySeries)]).append('\t')
                        .append(from.plus((j / replaySeries) * stepMicros, ChronoUnit.MICROS)).append('\t')
                        .append((j % 1000) / 10.0).append("\tobserved\t").append(rule).append('\n');
                if (sb.length() > (1 << 20) - 256) {
                    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                    in.writeToCopy(b, 0, b.length);
                    sb.setLength(0);
                }
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(b, 0, b.length);
            rows = in.endCopy();
            c.commit();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE " + BASELINE); // its disk back before the replay fills the same amount
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", rows);
        r.put("seconds", round(secs));
        r.put("rows_per_s", round(rows / secs));
        r.put("server", t.server());
        r.put("load_average", loadAverage());
        r.put("how", (rows == replayRows ? "the replay's rows (same series, span and step)" : "the first " + rows + " of the replay's rows")
                + ": one text COPY on one connection into the scratch table " + BASELINE + " of the reference tenant's database, "
                + "shaped like metric_datapoint (daily partitions, its primary key, the old per-row foreign keys, the current-value "
                + "trigger); same Postgres, same run, before the replay and with no live load; dropped after, so the disk never "
                + "holds both copies; no upkeep touches it");
        System.out.printf("raw COPY: %,d rows in %.1f s = %,.0f rows/s%n", rows, secs, rows / secs);
        return r;
    }

    /** The raw-COPY baseline's table: shaped like metric_datapoint, but no upkeep tiers or drops its days. */
    private static final String BASELINE = "bench_copy_datapoint";

    private void baselineTable(GatewaySession ds, Instant from) throws Exception {
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + BASELINE + " (LIKE metric_datapoint INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
                    + "PRIMARY KEY (series_id, ts), FOREIGN KEY (series_id, provenance) REFERENCES series (id, provenance), "
                    + "FOREIGN KEY (source_rule_id) REFERENCES source_rule (id)) PARTITION BY RANGE (ts)");
            // the same current-value upkeep as every datapoint insert pays
            st.execute("CREATE TRIGGER " + BASELINE + "_latest AFTER INSERT ON " + BASELINE
                    + " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_latest_metric()");
            java.time.LocalDate last = java.time.LocalDate.now(java.time.ZoneOffset.UTC).plusDays(1);
            for (java.time.LocalDate d = from.atZone(java.time.ZoneOffset.UTC).toLocalDate(); !d.isAfter(last); d = d.plusDays(1)) {
                st.execute("CREATE TABLE " + BASELINE + "_p" + d.format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE)
                        + " PARTITION OF " + BASELINE + " FOR VALUES FROM ('" + d + " 00:00+00') TO ('" + d.plusDays(1) + " 00:00+00')");
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Histogram histogram() {
        return new org.HdrHistogram.ConcurrentHistogram(600_000L, 3);
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("samples", h.getTotalCount());
        r.put("p50", h.getTotalCount() == 0 ? null : h.getValueAtPercentile(50));
        r.put("p99", h.getTotalCount() == 0 ? null : h.getValueAtPercentile(99));
        r.put("max", h.getTotalCount() == 0 ? null : h.getMaxValue());
        return r;
    }

    private static String p(Histogram h, double pct) {
        return h.getTotalCount() == 0 ? "-" : Long.toString(h.getValueAtPercentile(pct));
    }

    private static long count(GatewaySession ds, String sql) throws Exception {
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }
}
