package io.omniglass.core.bench;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.micrometer.core.instrument.Counter;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.omniglass.core.CoreService;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest benchmark, three ways of landing the same rows in the same kind of table on one
 * Postgres: (1) end to end through JetStream and the real sink, (2) raw COPY on one connection
 * (the ceiling), (2b) raw COPY into a bare partitioned table with the primary key only (the
 * physical ceiling: what the schema's triggers, foreign keys and checks cost is (2) against it),
 * (2c) the same with the real table's foreign keys, (3) one INSERT ... ON CONFLICT per datapoint
 * over 8 connections (a naive direct write). Each phase gets its own tenant or table, so each
 * starts from an empty table.
 */
public final class SinkBench {

    /**
     * How the sink is fed. BACKLOG is the headline: everything is in the stream before the sink
     * starts and the sink is timed from its start, which is what a replay or a catch-up is, and is
     * like for like with the raw COPY it is divided by (no producer runs beside that either). LIVE
     * publishes while the sink consumes, the publisher on the same CPUs as the sink, Postgres and
     * nats-server (in production the devices are elsewhere): reported beside it, never instead.
     */
    public enum Mode { BACKLOG, LIVE, BOTH }

    /**
     * {@code natsUrl} null: the embedded nats-server; else that JetStream (cluster) with
     * {@code natsReplicas}. {@code repeats}: the sink phases and the bare COPY run this many times,
     * interleaved, so the spread on a shared machine shows and each ratio is taken within a round.
     */
    public record Options(long datapoints, int series, int perMessage, long singleInsertDatapoints, Path dataDir,
                          Mode mode, int repeats, String natsUrl, int natsReplicas) {
        public Options {
            if (repeats < 1) {
                throw new IllegalArgumentException("repeats must be at least 1");
            }
        }

        public Options(long datapoints, int series, int perMessage, long singleInsertDatapoints, Path dataDir, boolean backlog) {
            this(datapoints, series, perMessage, singleInsertDatapoints, dataDir, backlog ? Mode.BACKLOG : Mode.LIVE, 1, null, 1);
        }

        boolean backlog() {
            return mode != Mode.LIVE;
        }

        boolean live() {
            return mode != Mode.BACKLOG;
        }
    }

    /** Holds the tenants named to it back from the sink until opened: the backlog mode publishes everything first. */
    private static final class GatedSink implements io.omniglass.core.CoreModule {
        private final SinkModule sink;
        private final Set<String> toHold = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final List<Tenant> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile io.omniglass.core.CoreContext ctx;

        GatedSink(SinkModule sink) {
            this.sink = sink;
        }

        @Override
        public String name() {
            return "sink";
        }

        @Override
        public void start(io.omniglass.core.CoreContext ctx) {
            this.ctx = ctx;
            sink.start(ctx);
        }

        @Override
        public synchronized void tenantActive(io.omniglass.core.CoreContext ctx, Tenant tenant) throws Exception {
            if (toHold.contains(tenant.slug())) {
                held.add(tenant);
            } else {
                sink.tenantActive(ctx, tenant);
            }
        }

        /** The tenant of this slug, when it becomes active, waits for {@link #open}. */
        void hold(String slug) {
            toHold.add(slug);
        }

        synchronized void open(Tenant t) throws Exception {
            toHold.remove(t.slug());
            for (Tenant h : held) {
                if (h.slug().equals(t.slug())) {
                    held.remove(h);
                    sink.tenantActive(ctx, h);
                    return;
                }
            }
            throw new IllegalStateException("tenant " + t.slug() + " was not held");
        }

        @Override
        public void close() {
            sink.close();
        }
    }

    private final Options o;
    private final Instant base;
    private GatedSink gate;

    public SinkBench(Options o) {
        this.o = o;
        // all rows within the last hour, so every phase lands in today's (or yesterday's) partition
        this.base = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    public Map<String, Object> run() throws Exception {
        Map<String, Object> result = new LinkedHashMap<>();
        // the machine's 1-minute load average around the run: on a shared box it explains most variance
        result.put("load_avg_1m_before", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("OMNIGLASS_DATA_DIR", o.dataDir().toString());
        env.put("OMNIGLASS_HTTP_PORT", "0");
        OmniglassConfig cfg = OmniglassConfig.loadWith(BenchNats.settings(env, o.natsUrl(), o.natsReplicas()));
        SinkSettings settings = SinkSettings.from(cfg.tuning());
        GatedSink gate = new GatedSink(new SinkModule(settings));
        this.gate = gate;
        try (CoreService core = new CoreService(List.of(gate)).start(cfg)) {
            Runtime.getRuntime().addShutdownHook(new Thread(core::close, "bench-shutdown")); // Ctrl-C stops Postgres too
            String suffix = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
            Tenant copy = tenant(core, "bench_copy_" + suffix);
            Tenant single = tenant(core, "bench_single_" + suffix);
            System.out.printf("sink bench: %,d datapoints over %,d series, %d per message, %s, %d round(s)%n", o.datapoints(),
                    o.series(), o.perMessage(), o.mode().name().toLowerCase(), o.repeats());

            // each round: the sink in each mode (a fresh tenant, an empty table each) and the bare COPY,
            // so every ratio is taken within one round, minutes apart at most
            List<Map<String, Object>> rounds = new ArrayList<>();
            Map<String, Object> bare = null;
            for (int round = 1; round <= o.repeats(); round++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("round", round);
                r.put("load_avg_1m_at_start", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
                if (o.backlog()) {
                    String slug = "bench_sink_" + suffix + "_b" + round;
                    gate.hold(slug);
                    r.put("backlog", endToEnd(core, tenant(core, slug), true));
                }
                if (o.live()) {
                    r.put("live", endToEnd(core, tenant(core, "bench_sink_" + suffix + "_l" + round), false));
                }
                Map<String, Object> b = bareCopies(core, copy, "_r" + round, round == 1);
                bare = bare == null ? b : bare;
                r.put("bare_copy_rows_per_s", rate(b.get("bare")));
                for (String mode : List.of("backlog", "live")) {
                    if (r.containsKey(mode)) {
                        r.put(mode + "_vs_bare_copy", round(rate(r.get(mode)) / rate(b.get("bare"))));
                    }
                }
                rounds.add(r);
            }
            Map<String, Object> copyR = rawCopy(core, copy);
            result.put("copy_rows_per_s", copyR.get("rows_per_s"));
            double bareRate = rate(bare.get("bare"));
            result.put("bare_copy_rows_per_s", bareRate);
            Map<String, Object> singleR = singleInserts(core, single);
            result.put("single_insert_rows_per_s", singleR.get("rows_per_s"));
            String headline = o.backlog() ? "backlog" : "live";
            result.put("headline_mode", headline);
            result.put("headline_note", o.backlog()
                    ? "the sink consuming the stream with nothing publishing beside it (a replay), like the raw COPY it is divided by"
                    : "live mode only: the bench's publisher shares the CPUs with the sink, the raw COPY has no producer beside it");
            for (String mode : List.of("backlog", "live")) {
                if (!rounds.get(0).containsKey(mode)) {
                    continue;
                }
                Map<String, Object> spread = new LinkedHashMap<>();
                spread.put("rows_per_s", spread(rounds, m -> rate(m.get(mode))));
                spread.put("vs_bare_copy", spread(rounds, m -> (double) m.get(mode + "_vs_bare_copy")));
                spread.put("commit_share_of_time", spread(rounds, m -> share(m.get(mode), "commit_share_of_time")));
                spread.put("write_share_of_time", spread(rounds, m -> share(m.get(mode), "write_share_of_time")));
                result.put("sink_" + mode, spread);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> headSpread = (Map<String, Object>) result.get("sink_" + headline);
            double s = median(headSpread.get("rows_per_s"));
            // the headline: the median round's figures (rates, and the ratio within each round)
            result.put("sink_rows_per_s", s);
            result.put("sink_vs_bare_copy", median(headSpread.get("vs_bare_copy")));
            if (result.containsKey("sink_live")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> live = (Map<String, Object>) result.get("sink_live");
                result.put("sink_live_rows_per_s", median(live.get("rows_per_s")));
                result.put("sink_live_vs_bare_copy", median(live.get("vs_bare_copy")));
            }
            result.put("sink_vs_copy", round(s / (double) copyR.get("rows_per_s")));
            result.put("copy_vs_bare_copy", round((double) copyR.get("rows_per_s") / bareRate));
            result.put("sink_vs_single_insert", round(s / (double) singleR.get("rows_per_s")));
            result.put("rounds", rounds);
            result.put("end_to_end", rounds.get(0).get(headline));
            result.put("raw_copy", copyR);
            result.put("bare_copy", bare);
            result.put("single_insert", singleR);

            Map<String, Object> set = new LinkedHashMap<>();
            set.put("datapoints", o.datapoints());
            set.put("mode", o.mode().name().toLowerCase());
            set.put("rounds", o.repeats());
            set.put("series", o.series());
            set.put("datapoints_per_message", o.perMessage());
            set.put("single_insert_datapoints", Math.min(o.datapoints(), o.singleInsertDatapoints()));
            set.put("single_insert_connections", 8);
            set.put("sink_batch_rows", settings.batchRows());
            set.put("sink_batch_wait_ms", settings.batchWait().toMillis());
            set.put("sink_ack_wait_s", settings.ackWait().toSeconds());
            set.put("sink_batch_messages_max", settings.batchMessages());
            set.put("jvm_heap_max_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
            set.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
            set.put("cpus", Runtime.getRuntime().availableProcessors());
            set.put("postgres", pgSettings(Gateway.forCore(core.context()).system(copy, SystemPurpose.BENCH)));
            set.put("nats", BenchNats.describe(o.natsUrl(), o.natsReplicas()));
            set.put("same_machine", "Postgres, nats-server, the core (sink) and the publisher share this machine");
            result.put("settings", set);
            result.put("load_avg_1m_after", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        }
        return result;
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    @SuppressWarnings("unchecked")
    private static double rate(Object phase) {
        return (double) ((Map<String, Object>) phase).get("rows_per_s");
    }

    @SuppressWarnings("unchecked")
    private static double share(Object phase, String key) {
        Object v = ((Map<String, Object>) phase).get(key);
        return v == null ? Double.NaN : (double) v;
    }

    /** min, median, max and every value over the rounds (the median of an even count: the lower middle). */
    private static Map<String, Object> spread(List<Map<String, Object>> rounds, java.util.function.ToDoubleFunction<Map<String, Object>> f) {
        List<Double> values = new ArrayList<>();
        for (Map<String, Object> r : rounds) {
            values.add(round(f.applyAsDouble(r)));
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("min", sorted.get(0));
        m.put("median", sorted.get((sorted.size() - 1) / 2));
        m.put("max", sorted.get(sorted.size() - 1));
        m.put("values", values);
        return m;
    }

    @SuppressWarnings("unchecked")
    static double median(Object spread) {
        return (double) ((Map<String, Object>) spread).get("median");
    }

    private Tenant tenant(CoreService core, String slug) {
        Tenant t = core.context().provisioner().create(slug, slug, "bench");
        StringBuilder plant = new StringBuilder("{\"name\": \"bench\", \"locations\": [{\"name\": \"bench-site\"}], \"components\": [");
        for (int i = 0; i < o.series(); i++) {
            plant.append(i == 0 ? "" : ",").append("{\"name\": \"").append(component(i)).append("\", \"type\": \"meter\", \"location\": \"bench-site\"}");
        }
        plant.append("]}");
        PlantImporter.importPlant(Gateway.forCore(core.context()).system(t, SystemPurpose.PLANT_IMPORT),
                io.omniglass.core.plant.PlantDescription.parseTree(plant.toString()), "bench");
        return t;
    }

    private static String component(int i) {
        return String.format("bench-%05d", i);
    }

    /** The i-th datapoint: series i % S, ts stepping 1 ms per round over the series. */
    private Instant ts(long i) {
        return base.plusMillis(i / o.series());
    }

    private double value(long i) {
        return (i % 1000) / 10.0;
    }

    // ------------------------------------------------------------------ (1) end to end

    private Map<String, Object> endToEnd(CoreService core, Tenant t, boolean backlog) throws Exception {
        GatewaySession walDb = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        Wal wal0 = Wal.now(walDb);
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        AtomicLong peakHeap = new AtomicLong();
        var sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> peakHeap.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max),
                0, 50, TimeUnit.MILLISECONDS);
        String subject = TenantStreams.dataSubject(t.slug(), "metric");
        long start;
        long publishStart;
        long published;
        try (Connection nc = Nats.connect(core.context().infrastructure().natsUrl())) {
            JetStream js = nc.jetStream();
            Deque<CompletableFuture<PublishAck>> inflight = new ArrayDeque<>();
            start = System.nanoTime();
            publishStart = start;
            long msg = 0;
            for (long i = 0; i < o.datapoints(); i += o.perMessage(), msg++) {
                byte[] body = message(i, Math.min(o.datapoints(), i + o.perMessage()));
                inflight.add(js.publishAsync(subject, null, body, PublishOptions.builder().messageId("bench-" + msg).build()));
                while (inflight.size() > 256) {
                    inflight.poll().get(60, TimeUnit.SECONDS);
                }
            }
            for (CompletableFuture<PublishAck> f : inflight) {
                f.get(60, TimeUnit.SECONDS);
            }
            published = System.nanoTime();
            System.out.printf("  published %,d messages in %.1f s (%,.0f datapoints/s into JetStream)%n",
                    msg, (published - start) / 1e9, o.datapoints() / ((published - start) / 1e9));
            if (backlog) {
                // the whole backlog waits in the stream; time the catch-up from the sink's start
                peakHeap.set(0);
                start = System.nanoTime();
                gate.open(t);
            }
            Counter written = core.context().metrics().find("og.sink.rows.written").tag("tenant", t.slug()).counter();
            if (written == null) {
                throw new IllegalStateException("the sink is not running for " + t.slug());
            }
            long lastReport = System.nanoTime();
            while (written.count() < o.datapoints()) {
                Thread.sleep(20);
                if (System.nanoTime() - lastReport > 5e9) {
                    lastReport = System.nanoTime();
                    System.out.printf("  ... %,d rows committed%n", (long) written.count());
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(30)) {
                    throw new IllegalStateException("the sink did not finish in 30 minutes: " + written.count());
                }
            }
        } finally {
            sampler.shutdownNow();
        }
        long end = System.nanoTime();
        double secs = (end - start) / 1e9;
        long rows = count(Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH), "SELECT count(*) FROM metric_datapoint");
        if (rows != o.datapoints()) {
            throw new IllegalStateException("end to end stored " + rows + " rows, expected " + o.datapoints());
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", rows);
        r.put("seconds", round(secs));
        r.put("rows_per_s", round(rows / secs));
        r.put("publish_seconds", round((published - publishStart) / 1e9));
        r.put("catch_up_after_publish_seconds", round((end - published) / 1e9));
        r.put("peak_heap_used_mb", peakHeap.get() / (1024 * 1024));
        Wal.now(walDb).since(wal0, rows, r);
        var batches = core.context().metrics().find("og.sink.batch.rows").tag("tenant", t.slug()).summary();
        var commits = core.context().metrics().find("og.sink.commit").tag("tenant", t.slug()).timer();
        if (batches != null && commits != null) {
            r.put("batches", batches.count());
            r.put("mean_batch_rows", round(batches.mean()));
            r.put("mean_commit_seconds", round(commits.mean(TimeUnit.MILLISECONDS)) / 1000.0);
            r.put("commit_share_of_time", round(commits.totalTime(TimeUnit.NANOSECONDS) / (double) (end - start)));
            System.out.printf("  %d batches, mean %.0f rows, mean commit %.0f ms, commits busy %.0f%% of the time%n",
                    batches.count(), batches.mean(), commits.mean(TimeUnit.MILLISECONDS),
                    100 * commits.totalTime(TimeUnit.NANOSECONDS) / (double) (end - start));
        }
        // where the writer's other time goes: its whole turns (acks and all) and the preparing lane's
        var writes = core.context().metrics().find("og.sink.write").tag("tenant", t.slug()).timer();
        var prepares = core.context().metrics().find("og.sink.prepare").tag("tenant", t.slug()).timer();
        var handoffs = core.context().metrics().find("og.sink.handoff.wait").tag("tenant", t.slug()).timer();
        if (writes != null && prepares != null && handoffs != null) {
            r.put("write_share_of_time", round(writes.totalTime(TimeUnit.NANOSECONDS) / (double) (end - start)));
            r.put("prepare_share_of_time", round(prepares.totalTime(TimeUnit.NANOSECONDS) / (double) (end - start)));
            r.put("mean_prepare_seconds", round(prepares.mean(TimeUnit.MILLISECONDS)) / 1000.0);
            r.put("mean_handoff_wait_seconds", round(handoffs.mean(TimeUnit.MILLISECONDS)) / 1000.0);
            var plans = core.context().metrics().find("og.sink.plan").tag("tenant", t.slug()).timer();
            if (plans != null && plans.count() > 0) {
                r.put("batches_planned_ahead", plans.count());
                r.put("mean_plan_seconds", round(plans.mean(TimeUnit.MILLISECONDS)) / 1000.0);
                System.out.printf("  %d batches had their direct COPY worked out (sorted, encoded) while the writer wrote, %.1f ms each%n",
                        plans.count(), plans.mean(TimeUnit.MILLISECONDS));
            }
            System.out.printf("  writing turns busy %.0f%%, preparing %.0f%% of the time; mean prepare %.0f ms, a prepared batch waited %.0f ms for the writer%n",
                    100 * writes.totalTime(TimeUnit.NANOSECONDS) / (double) (end - start),
                    100 * prepares.totalTime(TimeUnit.NANOSECONDS) / (double) (end - start),
                    prepares.mean(TimeUnit.MILLISECONDS), handoffs.mean(TimeUnit.MILLISECONDS));
        }
        r.put("mode", backlog ? "backlog: all published first, timed from the sink's start" : "live: the sink consumes while publishing");
        System.out.printf("(1) end to end, %s (publish -> JetStream -> sink -> committed): %,d rows in %.2f s = %,.0f rows/s (peak heap %d MB)%n",
                backlog ? "backlog" : "live", rows, secs, rows / secs, peakHeap.get() / (1024 * 1024));
        return r;
    }

    private byte[] message(long from, long to) {
        StringBuilder sb = new StringBuilder((int) (to - from) * 190);
        sb.append('[');
        for (long i = from; i < to; i++) {
            if (i > from) {
                sb.append(',');
            }
            sb.append("{\"owner\":\"component:").append(component((int) (i % o.series())))
                    .append("\",\"key\":\"flow\",\"ts\":\"").append(ts(i))
                    .append("\",\"value\":").append(value(i))
                    .append(",\"source\":\"bench\",\"source_rule\":\"bench-gen\",\"source_rule_version\":1}");
        }
        sb.append(']');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ (2) raw COPY

    private record SeriesIds(long[] ids, int sourceRule) {
    }

    private SeriesIds prepareSeries(GatewaySession ds) throws Exception {
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO source_rule (name, version) VALUES ('bench-gen', 1) ON CONFLICT DO NOTHING");
            st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, instance, provenance, source) "
                    + "SELECT 'component', c.name, t.id, 'metric', '', 'observed', 'bench' FROM component c, datapoint_type t "
                    + "WHERE t.name = 'flow' AND t.scope <> 'template' ON CONFLICT DO NOTHING");
            long[] ids = new long[o.series()];
            try (ResultSet rs = st.executeQuery("SELECT s.component_id, s.id FROM series s ORDER BY s.component_id")) {
                while (rs.next()) {
                    ids[Integer.parseInt(rs.getString(1).substring("bench-".length()))] = rs.getLong(2);
                }
            }
            int rule;
            try (ResultSet rs = st.executeQuery("SELECT id FROM source_rule WHERE name = 'bench-gen' AND version = 1")) {
                rs.next();
                rule = rs.getInt(1);
            }
            return new SeriesIds(ids, rule);
        }
    }

    private Map<String, Object> rawCopy(CoreService core, Tenant t) throws Exception {
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        return copyInto(ds, prepareSeries(ds), "metric_datapoint", "(2) raw COPY into metric_datapoint, one connection:          ");
    }

    /**
     * The physical ceiling: the same rows by COPY into a partitioned table with the real table's
     * columns, partitions and primary key and nothing else (no trigger, no foreign key, no check, no
     * other index); then the same with the real table's two foreign keys, so that what the schema's
     * machinery costs splits into its foreign keys and the rest (the current-value trigger above all).
     */
    private Map<String, Object> bareCopies(CoreService core, Tenant t, String suffix, boolean withForeignKeys) throws Exception {
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        SeriesIds s = prepareSeries(ds);
        Map<String, Object> r = new LinkedHashMap<>();
        createBareTable(ds, "bench_bare_metric" + suffix, "");
        r.put("bare", copyInto(ds, s, "bench_bare_metric" + suffix, "(2b) raw COPY into a bare partitioned table (primary key only):"));
        if (withForeignKeys) {
            createBareTable(ds, "bench_bare_fk_metric" + suffix, ", FOREIGN KEY (series_id, provenance) REFERENCES series (id, provenance)"
                    + ", FOREIGN KEY (source_rule_id) REFERENCES source_rule (id)");
            r.put("bare_with_foreign_keys", copyInto(ds, s, "bench_bare_fk_metric" + suffix, "(2c) the same with the real table's two foreign keys:        "));
        }
        return r;
    }

    private void createBareTable(GatewaySession ds, String table, String constraints) throws Exception {
        java.time.LocalDate first = base.atZone(java.time.ZoneOffset.UTC).toLocalDate();
        java.time.LocalDate last = ts(o.datapoints() - 1).atZone(java.time.ZoneOffset.UTC).toLocalDate();
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement()) {
            // names and dates are the bench's own constants: DDL takes no bound parameters
            st.execute("CREATE TABLE " + table + " (series_id bigint NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL, "
                    + "provenance provenance NOT NULL, source_rule_id int, PRIMARY KEY (series_id, ts)" + constraints
                    + ") PARTITION BY RANGE (ts)");
            for (java.time.LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                st.execute("CREATE TABLE " + table + "_p" + d.toString().replace("-", "") + " PARTITION OF " + table
                        + " FOR VALUES FROM ('" + d + " 00:00:00+00') TO ('" + d.plusDays(1) + " 00:00:00+00')");
            }
        }
    }

    private Map<String, Object> copyInto(GatewaySession ds, SeriesIds s, String table, String label) throws Exception {
        Wal wal0 = Wal.now(ds);
        long start = System.nanoTime();
        try (java.sql.Connection c = ds.connection()) {
            c.setAutoCommit(false);
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY " + table + " (series_id, ts, value, provenance, source_rule_id) FROM STDIN");
            StringBuilder sb = new StringBuilder(1 << 20);
            for (long i = 0; i < o.datapoints(); i++) {
                sb.append(s.ids()[(int) (i % o.series())]).append('\t').append(ts(i)).append('\t').append(value(i))
                        .append("\tobserved\t").append(s.sourceRule()).append('\n');
                if (sb.length() > (1 << 20) - 256) {
                    byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
                    in.writeToCopy(b, 0, b.length);
                    sb.setLength(0);
                }
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            in.writeToCopy(b, 0, b.length);
            long rows = in.endCopy();
            c.commit();
            double secs = (System.nanoTime() - start) / 1e9;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("rows", rows);
            r.put("seconds", round(secs));
            r.put("rows_per_s", round(rows / secs));
            r.put("connections", 1);
            Wal.now(ds).since(wal0, rows, r);
            System.out.printf("%s %,d rows in %.2f s = %,.0f rows/s (%s WAL bytes, %s WAL records a row)%n", label, rows, secs,
                    rows / secs, r.get("wal_bytes_per_row"), r.get("wal_records_per_row"));
            return r;
        }
    }

    // ------------------------------------------------------------------ (3) single-row inserts

    private Map<String, Object> singleInserts(CoreService core, Tenant t) throws Exception {
        GatewaySession ds = Gateway.forCore(core.context()).system(t, SystemPurpose.BENCH);
        SeriesIds s = prepareSeries(ds);
        long n = Math.min(o.datapoints(), o.singleInsertDatapoints());
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // own connections: the tenant pool is sized for the core, not for this
        var server = core.context().provisioner().servers().orElseThrow().connection(t.server()); // the bench tenant's own server, wherever it was placed
        long start = System.nanoTime();
        List<Future<Long>> done = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int worker = w;
            done.add(pool.submit(() -> {
                long mine = 0;
                try (java.sql.Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl(t.databaseName()),
                        server.user(), server.password());
                     PreparedStatement ps = c.prepareStatement("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) "
                             + "VALUES (?, ?, ?, 'observed', ?) ON CONFLICT DO NOTHING")) {
                    for (long i = worker; i < n; i += threads) {
                        ps.setLong(1, s.ids()[(int) (i % o.series())]);
                        ps.setObject(2, OffsetDateTime.ofInstant(ts(i), ZoneOffset.UTC));
                        ps.setDouble(3, value(i));
                        ps.setInt(4, s.sourceRule());
                        mine += ps.executeUpdate();
                    }
                }
                return mine;
            }));
        }
        long rows = 0;
        for (Future<Long> f : done) {
            rows += f.get();
        }
        pool.shutdown();
        double secs = (System.nanoTime() - start) / 1e9;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rows", rows);
        r.put("seconds", round(secs));
        r.put("rows_per_s", round(rows / secs));
        r.put("connections", threads);
        System.out.printf("(3) single-row INSERT ... ON CONFLICT, autocommit, 8 connections: %,d rows in %.2f s = %,.0f rows/s%n",
                rows, secs, rows / secs);
        return r;
    }

    /**
     * The server's WAL so far: bytes from the insert position (exact), records from pg_stat_wal
     * (server-wide: the phase's own writes and the little else the server wrote meanwhile). A
     * backend adds its WAL counters to pg_stat_wal when it goes idle, at most once a second, so
     * each reading first waits for the writers' last counts to arrive.
     */
    private record Wal(long records, long bytes) {
        static Wal now(GatewaySession ds) throws Exception {
            Thread.sleep(2_000);
            try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT w.wal_records, pg_current_wal_insert_lsn() - '0/0'::pg_lsn FROM pg_stat_wal w")) {
                rs.next();
                return new Wal(rs.getLong(1), rs.getLong(2));
            }
        }

        void since(Wal before, long rows, Map<String, Object> into) {
            into.put("wal_bytes_per_row", round((bytes - before.bytes) / (double) rows));
            into.put("wal_records_per_row", round((records - before.records) / (double) rows));
        }
    }

    private static long count(GatewaySession ds, String sql) throws Exception {
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, String> pgSettings(GatewaySession ds) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        try (java.sql.Connection c = ds.connection(); Statement st = c.createStatement()) {
            for (String name : List.of("server_version", "shared_buffers", "synchronous_commit", "fsync", "wal_level",
                    "max_wal_size", "checkpoint_timeout", "work_mem")) {
                try (ResultSet rs = st.executeQuery("SHOW " + name)) {
                    rs.next();
                    m.put(name, rs.getString(1));
                }
            }
        }
        return m;
    }

    public static void writeJson(Map<String, Object> result, Path file) throws Exception {
        Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result) + "\n");
    }
}
