package io.omniglass.core.bench;

import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.runtime.FileTrees;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreService;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.http.CurrentValueRoutes;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import org.HdrHistogram.Histogram;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.SQLDialect;
import org.jooq.conf.ParamType;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code ./omniglass bench gateway}: a bench tenant with N series and M datapoints over 15 daily
 * partitions, then the fleet current-value read and point reads through the HTTP API next to the
 * same SQL run directly on a plain connection, in the same run. Prints the figures and writes JSON.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Fleet and point current-value reads through the API vs direct SQL.")
public final class GatewayBench implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures as JSON here")
    Path json;

    @Option(names = "--series", defaultValue = "100000", description = "series in the bench tenant (default ${DEFAULT-VALUE})")
    int series;

    @Option(names = "--datapoints", defaultValue = "10000000", description = "datapoints in total (default ${DEFAULT-VALUE})")
    long datapoints;

    @Option(names = "--runs", defaultValue = "7", description = "fleet reads per path; the median is reported (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--point-reads", defaultValue = "5000", description = "point reads per path (default ${DEFAULT-VALUE})")
    int pointReads;

    @Option(names = "--explain", description = "print the query plans (direct and under the scoped role)")
    boolean explain;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "keep the bench's data (Postgres, NATS) here and "
            + "reuse a bench tenant loaded there by an earlier run with the same --series: reads can be measured again "
            + "without loading a million series again (default: a temporary directory, deleted at the end)")
    Path keptDataDir;

    /** The bench tenant's slug when the data is kept, so that a later run finds it. */
    static final String KEPT_SLUG = "bench_gw_kept";

    static final int KEYS = 10;
    /** Point reads before the measured ones: JIT, connection pool, statement caches at steady state. */
    static final int POINT_WARMUP = 1000;
    static final int DAYS = 15;

    @Override
    public Integer call() throws Exception {
        Path dataDir = keptDataDir != null ? Files.createDirectories(keptDataDir) : Files.createTempDirectory("og-bench-gateway-");
        Map<String, String> env = new HashMap<>();
        env.put("OMNIGLASS_DATA_DIR", dataDir.toString());
        env.put("OMNIGLASS_HTTP_PORT", "0");
        OmniglassConfig cfg = OmniglassConfig.loadWith(env);
        Map<String, Object> out = new LinkedHashMap<>();
        double loadBefore = round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        try (CoreService core = new CoreService(List.of(new GatewayModule())).start(cfg)) {
            String slug = keptDataDir != null ? KEPT_SLUG : "bench_gw_" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
            Optional<Tenant> kept = keptDataDir != null ? core.context().tenant(slug) : Optional.empty();
            Tenant tenant = kept.isPresent() ? kept.get() : core.context().provisioner().create(slug, "gateway bench", "bench");
            GatewaySession ds = Gateway.forCore(core.context()).system(tenant, SystemPurpose.BENCH);
            long t0 = System.nanoTime();
            long stored;
            if (kept.isPresent()) {
                stored = reuse(ds);
                System.out.printf("reusing the %,d series and %,d datapoints loaded earlier in %s%n", series, stored, dataDir);
            } else {
                stored = load(ds);
                System.out.printf("loaded %,d series and %,d datapoints over %d days in %.1f s%n", series, stored, DAYS, (System.nanoTime() - t0) / 1e9);
            }
            double loadSeconds = kept.isPresent() ? 0 : (System.nanoTime() - t0) / 1e9;

            OmniglassClient admin = new OmniglassClient(core.httpUrl(), core.context().dataDir().readAdminToken().orElseThrow());
            String token = admin.createToken(new CreateTokenRequest("viewer", slug, null, "bench-viewer")).token();
            String base = core.httpUrl() + "/api/v1/tenants/" + slug + "/current-values";

            String fleetSql = fleetSql(series); // both shapes run it for a read this large
            if (explain) {
                for (String path : List.of("/healthz", "/api/v1/tenants", "/api/v1/tenants/" + slug + "/datapoint-types")) {
                    Histogram h = new Histogram(3);
                    for (int i = 0; i < 500; i++) {
                        long s = System.nanoTime();
                        get(core.httpUrl() + path, token);
                        if (i >= 100) {
                            h.recordValue((System.nanoTime() - s) / 1000);
                        }
                    }
                    System.out.printf("%s p50 %.2f ms p99 %.2f ms%n", path, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
                    if (path.equals("/healthz")) {
                        // the HTTP stack's own floor in this run (no token, no tenant database): what a point read's tail is next to
                        out.put("healthz_p50_ms", round(h.getValueAtPercentile(50) / 1000.0));
                        out.put("healthz_p99_ms", round(h.getValueAtPercentile(99) / 1000.0));
                    }
                }
                // fifteen rounds of the V1 view, and fleet reads that hold their whole result (up to
                // a million rows in this JVM): for the sizes they were made for
                if (series <= 200_000) {
                    explain(ds, fleetSql, pointSql().replaceFirst("\\?", "'component:c-000042'").replaceFirst("\\?", "'bench_k3'").replaceFirst("\\?", "11"));
                }
                explainAsTheEndpoint(Gateway.forCore(core.context()), tenant);
            }
            // warm every path (plan cache, JIT, buffers)
            for (int i = 0; i < 3; i++) {
                directFleet(ds, fleetSql, true);
                directFleet(ds, fleetSql, false);
                apiFleet(base, token, series, true);
                apiFleet(base, token, series, false);
            }
            long heapBeforeFleet = heapUsedAfterGc();
            resetPeaks();
            List<Double> direct = new ArrayList<>();
            List<Double> directRaw = new ArrayList<>();
            List<Double> api = new ArrayList<>();
            List<Double> apiObjects = new ArrayList<>();
            int rows = 0;
            long compactBytes = 0;
            long objectBytes = 0;
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                rows = directFleet(ds, fleetSql, true);
                direct.add((System.nanoTime() - s) / 1e6);
                s = System.nanoTime();
                compactBytes = apiFleet(base, token, series, true);
                api.add((System.nanoTime() - s) / 1e6);
                s = System.nanoTime();
                directFleet(ds, fleetSql, false);
                directRaw.add((System.nanoTime() - s) / 1e6);
                s = System.nanoTime();
                objectBytes = apiFleet(base, token, series, false);
                apiObjects.add((System.nanoTime() - s) / 1e6);
            }
            double directMs = median(direct);
            double apiMs = median(api);
            long fleetOldGenPeak = oldGenPeakBytes();
            long heapAfterFleet = heapUsedAfterGc();

            // a scoped read: one system's subtree (components c-* with g % 100 = 7), under row-level security
            String scopedToken = admin.createToken(new CreateTokenRequest("viewer", slug, "system:" + SCOPED_SYSTEM, "bench-scoped")).token();
            FleetRead scopedRead = null;
            List<Double> scoped = new ArrayList<>();
            for (int i = 0; i < runs + 2; i++) {
                long s = System.nanoTime();
                scopedRead = apiFleetRead(base, scopedToken, series, true);
                if (i >= 2) {
                    scoped.add((System.nanoTime() - s) / 1e6);
                }
            }
            long expectedScoped = (long) KEYS * ((series / KEYS + 99 - 7) / 100);
            if (scopedRead.rows() != expectedScoped) {
                throw new IllegalStateException("the scoped read returned " + scopedRead.rows() + " rows, not the subtree's " + expectedScoped);
            }
            FleetRead fullRead = apiFleetRead(base, token, series, true);
            if (fullRead.rows() != rows) {
                throw new IllegalStateException("the fleet read through the API returned " + fullRead.rows() + " rows, the query " + rows);
            }

            Random r = new Random(7);
            Histogram apiPoint = new Histogram(3);
            Histogram directPoint = new Histogram(3);
            String pointSql = pointSql();
            try (Connection c = ds.connection(); PreparedStatement ps = c.prepareStatement(pointSql)) {
                for (int i = 0; i < pointReads + POINT_WARMUP; i++) {
                    int comp = r.nextInt(series / KEYS);
                    int key = r.nextInt(KEYS);
                    String owner = "component:" + component(comp);
                    long s = System.nanoTime();
                    ps.setString(1, owner);
                    ps.setString(2, "bench_k" + key);
                    ps.setInt(3, 11);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("point read found nothing for " + owner);
                        }
                    }
                    long directNs = System.nanoTime() - s;
                    String filter = "owner = \"" + owner + "\" and key = bench_k" + key;
                    s = System.nanoTime();
                    Response resp = get(base + "?limit=10&filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8), token);
                    long apiNs = System.nanoTime() - s;
                    String body = new String(resp.body(), StandardCharsets.UTF_8);
                    if (resp.status() != 200 || !body.contains(owner)) {
                        throw new IllegalStateException("point read failed: " + resp.status() + " " + body);
                    }
                    if (i >= POINT_WARMUP) {
                        apiPoint.recordValue(apiNs / 1000);
                        directPoint.recordValue(directNs / 1000);
                    }
                }
            }

            out.put("series", series);
            out.put("datapoints", stored);
            out.put("partitions_days", DAYS);
            out.put("fleet_rows", rows);
            out.put("fleet_read_ms", round(apiMs));
            out.put("direct_fleet_read_ms", round(directMs));
            out.put("fleet_api_over_direct", round(apiMs / directMs));
            out.put("fleet_read_runs_ms", api.stream().map(GatewayBench::round).toList());
            out.put("direct_fleet_read_runs_ms", direct.stream().map(GatewayBench::round).toList());
            out.put("fleet_read_format", "compact");
            out.put("fleet_read_bytes", compactBytes);
            out.put("fleet_read_objects_ms", round(median(apiObjects)));
            out.put("fleet_read_objects_bytes", objectBytes);
            out.put("fleet_objects_over_direct", round(median(apiObjects) / directMs));
            out.put("direct_fleet_read_undecoded_ms", round(median(directRaw)));
            out.put("fleet_read_pages", fullRead.pages());
            out.put("fleet_read_api_rows", fullRead.rows());
            out.put("scoped_read_scope", "system:" + SCOPED_SYSTEM);
            out.put("scoped_read_rows", scopedRead.rows());
            out.put("scoped_read_ms", round(median(scoped)));
            out.put("scoped_read_runs_ms", scoped.stream().map(GatewayBench::round).toList());
            // the core and this client share the JVM: a fleet read held whole would show in the old generation
            out.put("jvm_heap_max_mb", Runtime.getRuntime().maxMemory() >> 20);
            out.put("old_gen_peak_during_fleet_reads_mb", fleetOldGenPeak >> 20);
            out.put("heap_used_after_gc_before_fleet_reads_mb", heapBeforeFleet >> 20);
            out.put("heap_used_after_gc_after_fleet_reads_mb", heapAfterFleet >> 20);
            out.put("load_avg_1m_before", loadBefore);
            out.put("load_avg_1m_after", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
            out.put("point_reads", pointReads);
            out.put("point_read_p50_ms", round(apiPoint.getValueAtPercentile(50) / 1000.0));
            out.put("point_read_p99_ms", round(apiPoint.getValueAtPercentile(99) / 1000.0));
            out.put("point_read_max_ms", round(apiPoint.getMaxValue() / 1000.0));
            out.put("direct_point_read_p50_ms", round(directPoint.getValueAtPercentile(50) / 1000.0));
            out.put("direct_point_read_p99_ms", round(directPoint.getValueAtPercentile(99) / 1000.0));
            out.put("load_seconds", round(loadSeconds));
            out.put("targets", series >= 1_000_000
                    ? Map.of("fleet_read_ms", "< 1500 (one million series, issue 18)", "point_read_p99_ms", "< 5")
                    : Map.of("fleet_read_ms", "<= 150", "fleet_api_over_direct", "<= 1.3", "point_read_p99_ms", "<= 5"));
            out.put("fleet_sql", fleetSql);
            out.put("point_sql", pointSql);
        } finally {
            if (keptDataDir == null) {
                FileTrees.deleteQuietly(dataDir);
            }
        }
        String text = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
            System.out.println("written to " + json);
        }
        return 0;
    }

    static String component(int i) {
        return String.format("c-%06d", i);
    }

    /** Bulk setup on the fast path (this is the bench's fixture, not the ingest path under test). */
    long load(GatewaySession ds) throws Exception {
        int components = series / KEYS;
        long perSeries = Math.max(1, datapoints / series);
        double stepHours = DAYS * 24.0 / perSeries;
        try (Connection c = ds.connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.execute("SELECT og_ensure_partitions((now() - interval '" + (DAYS + 1) + " days')::date, (now() + interval '1 day')::date)");
            st.execute("INSERT INTO location (name) SELECT 'site-' || g FROM generate_series(0, 9) g");
            st.execute("INSERT INTO system (name, location) SELECT 'sys-' || g, 'site-' || (g % 10) FROM generate_series(0, 99) g");
            st.execute("INSERT INTO component (name, system) SELECT format('c-%s', lpad(g::text, 6, '0')), 'sys-' || (g % 100) "
                    + "FROM generate_series(0, " + (components - 1) + ") g");
            st.execute("INSERT INTO datapoint_type (name, kind, unit) SELECT 'bench_k' || g, 'metric', 'u' FROM generate_series(0, " + (KEYS - 1) + ") g");
            st.execute("INSERT INTO source_rule (name) VALUES ('bench-gen')");
            // series, datapoints and latest rows without triggers or per-row FK checks (replica
            // mode), then the latest rows in one statement, exactly what the triggers would leave:
            // each series' identity (og_latest_identity, V33), never fused (every series is its
            // group's only one), its newest value. Through the triggers a million series took
            // 131 s at a load of 15, and their latest values another 40 s.
            st.execute("SET session_replication_role = replica");
            st.execute("SET synchronous_commit = off");
            st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                    + "SELECT 'component', c.name, t.id, 'metric', 'observed' FROM component c CROSS JOIN datapoint_type t "
                    + "WHERE t.name LIKE 'bench_k%' ORDER BY c.name, t.name");
            long minId = 0;
            long maxId = 0;
            try (ResultSet rs = st.executeQuery("SELECT min(id), max(id) FROM series WHERE kind = 'metric' AND component_id LIKE 'c-%'")) {
                rs.next();
                minId = rs.getLong(1);
                maxId = rs.getLong(2);
            }
            int chunk = 10_000;
            for (long from = minId; from <= maxId; from += chunk) {
                st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) "
                        + "SELECT s, date_trunc('second', now()) - (g * interval '" + stepHours + " hours') - (s % 997) * interval '1 second', "
                        + "(s % 1000) + g * 0.01, 'observed', (SELECT id FROM source_rule WHERE name = 'bench-gen') "
                        + "FROM generate_series(" + from + ", " + Math.min(maxId, from + chunk - 1) + ") s, generate_series(0, " + (perSeries - 1) + ") g");
                System.out.printf("  datapoints for series %,d..%,d%n", from, Math.min(maxId, from + chunk - 1));
            }
            st.execute("INSERT INTO series_latest (series_id, ts, value_num, owner, owner_kind, key, datapoint_type_id, kind, unit, "
                    + "fusion_policy, instance, provenance, fused) "
                    + "SELECT s.id, date_trunc('second', now()) - (s.id % 997) * interval '1 second', s.id % 1000, "
                    + "s.owner, s.owner_kind, t.name, s.datapoint_type_id, t.kind, t.unit, t.fusion_policy, s.instance, s.provenance, false "
                    + "FROM series s JOIN datapoint_type t ON t.id = s.datapoint_type_id WHERE s.id BETWEEN " + minId + " AND " + maxId);
            st.execute("SET session_replication_role = origin");
            st.execute("VACUUM ANALYZE series");
            st.execute("VACUUM ANALYZE series_latest");
            // vacuumed and checkpointed here, so autovacuum and the checkpointer are not still
            // working through the bulk load while the reads are measured
            st.execute("VACUUM ANALYZE metric_datapoint");
            st.execute("CHECKPOINT");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM metric_datapoint")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * A kept tenant's datapoint count, after checking it holds the series asked for (the latest
     * values are not refreshed: their age does not change what a read costs).
     */
    long reuse(GatewaySession ds) throws Exception {
        try (Connection c = ds.connection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM series_latest")) {
                rs.next();
                if (rs.getLong(1) != series) {
                    throw new IllegalStateException("the kept bench tenant holds " + rs.getLong(1) + " series, not " + series
                            + ": run with another --data-dir");
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM metric_datapoint")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The endpoint's fleet query for a tenant-wide token, rendered with its bind values. */
    static String fleetSql(int limit) {
        DSLContext dsl = DSL.using(SQLDialect.POSTGRES, new Settings().withRenderSchema(false));
        Query q = CurrentValueRoutes.query(dsl, null, DSL.trueCondition(), limit + 1, true);
        return q.getSQL(ParamType.INLINED);
    }

    static String pointSql() {
        DSLContext dsl = DSL.using(SQLDialect.POSTGRES, new Settings().withRenderSchema(false));
        var cv = io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
        Query q = CurrentValueRoutes.query(dsl, null, cv.OWNER.eq(DSL.param("o", String.class)).and(cv.KEY.eq(DSL.param("k", String.class))), 11, false);
        return q.getSQL(ParamType.INDEXED);
    }

    /** The V1 view's body, to compare the fast path with the original fusion in the same run. */
    static final String V1_VIEW = """
            SELECT s.owner, s.owner_kind, t.name AS key, t.kind, t.unit, s.instance, s.provenance, t.fusion_policy,
                   CASE t.fusion_policy WHEN 'max' THEN max(l.value_num) WHEN 'min' THEN min(l.value_num)
                        WHEN 'mean' THEN avg(l.value_num) ELSE (array_agg(l.value_num ORDER BY l.ts DESC))[1] END AS value_num,
                   (array_agg(l.value_text ORDER BY l.ts DESC))[1] AS value_text,
                   (array_agg(l.severity ORDER BY l.ts DESC))[1] AS severity, max(l.ts) AS ts, count(*) AS source_count,
                   (array_agg(s.id ORDER BY l.ts DESC))[1] AS series_id
            FROM series s JOIN series_latest l ON l.series_id = s.id JOIN datapoint_type t ON t.id = s.datapoint_type_id
            GROUP BY s.owner, s.owner_kind, t.id, t.name, t.kind, t.unit, t.fusion_policy, s.instance, s.provenance
            ORDER BY 1, 3, 6, 7, 14""";

    /**
     * The plans of a deep fleet page and of the scoped read exactly as the endpoint runs them: in
     * the principal's gateway session (role, scope settings) with the large-read settings.
     */
    void explainAsTheEndpoint(Gateway gateway, Tenant tenant) {
        String slug = tenant.slug();
        var cv = io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
        // the endpoint's keyset (owner, key, instance, provenance, series_id)
        Keyset keyset = Keyset.ascending(cv.OWNER, cv.KEY, cv.INSTANCE, cv.PROVENANCE, cv.SERIES_ID);
        int deep = series - series / 10;
        String cursor = gateway.system(tenant, SystemPurpose.BENCH).read(tx -> {
            var r = tx.select(cv.OWNER, cv.KEY, cv.INSTANCE, cv.PROVENANCE, cv.SERIES_ID).from(cv)
                    .orderBy(keyset.orderBy()).offset(deep).limit(1).fetchSingle();
            return Keyset.cursor(r.value1(), r.value2(), r.value3(), r.value4(), r.value5());
        });
        record Case(String label, Principal principal, String after) {
        }
        List<Case> cases = List.of(
                new Case("fleet page after row " + deep + ", tenant-wide token", principal(slug, Principal.ScopeKind.tenant, null), cursor),
                new Case("page after row " + deep + ", a token scoped to location site-0 (a tenth of the plant, under row-level security)",
                        principal(slug, Principal.ScopeKind.location, "site-0"), cursor),
                new Case("scoped read, system:" + SCOPED_SYSTEM, principal(slug, Principal.ScopeKind.system, SCOPED_SYSTEM), null));
        for (Case c : cases) {
            GatewaySession s = gateway.scoped(c.principal(), slug, Action.READ_CURRENT_VALUES);
            int limit = CurrentValueRoutes.MAX_LIMIT;
            System.out.println("---- " + c.label());
            s.read(tx -> {
                CurrentValueRoutes.sessionSettings(tx);
                String sql = CurrentValueRoutes.query(tx, s, keyset.after(c.after()), limit + 1, true)
                        .getSQL(ParamType.INLINED);
                for (var line : tx.resultQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetch()) {
                    System.out.println(line.get(0));
                }
                return null;
            });
        }
    }

    static Principal principal(String slug, Principal.ScopeKind kind, String name) {
        return new Principal(0, "bench-explain", Role.viewer, Optional.of(slug), kind, Optional.ofNullable(name));
    }

    static void explain(GatewaySession ds, String fleet, String point) throws Exception {
        String joinOnly = "SELECT s.owner, s.owner_kind, t.name AS key, t.kind, t.unit, s.instance, s.provenance, t.fusion_policy,"
                + " l.value_num, l.value_text, l.severity, l.ts, 1::bigint, s.id FROM series s JOIN series_latest l ON l.series_id = s.id"
                + " JOIN datapoint_type t ON t.id = s.datapoint_type_id ORDER BY s.owner, t.name, s.instance, s.provenance, s.id LIMIT 100001";
        List<Double> v1Times = new ArrayList<>();
        List<Double> currentTimes = new ArrayList<>();
        List<Double> joinTimes = new ArrayList<>();
        for (int round = 0; round < 15; round++) {
            try (Connection c = ds.connection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                CurrentValueRoutes.sessionSettings(DSL.using(c, SQLDialect.POSTGRES)); // the endpoint's planner settings
                st.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)");
                v1Times.add(executionMs(st, V1_VIEW + " LIMIT 100001"));
                currentTimes.add(executionMs(st, fleet));
                joinTimes.add(executionMs(st, joinOnly));
                c.rollback();
            }
        }
        System.out.printf("fleet execution (EXPLAIN ANALYZE, median of 15, no parallel workers): V1 view %.1f ms, current view %.1f ms, join+sort only %.1f ms%n",
                median(v1Times), median(currentTimes), median(joinTimes));
        try (Connection c = ds.connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            CurrentValueRoutes.sessionSettings(DSL.using(c, SQLDialect.POSTGRES)); // the endpoint's planner settings
            st.execute("SELECT set_config('max_parallel_workers_per_gather', '0', true)");
            for (String q : List.of(V1_VIEW + " LIMIT 100001", fleet)) {
                System.out.println("---- plan");
                try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE) " + q)) {
                    while (rs.next()) {
                        System.out.println(rs.getString(1));
                    }
                }
            }
            c.rollback();
        }
        for (int round = 0; round < 3; round++) {
            try (Connection c = ds.connection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                CurrentValueRoutes.sessionSettings(DSL.using(c, SQLDialect.POSTGRES));
                long t = System.nanoTime();
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM (" + fleet + ") x")) {
                    rs.next();
                }
                long serverOnly = System.nanoTime() - t;
                t = System.nanoTime();
                int n = 0;
                try (ResultSet rs = st.executeQuery(fleet)) {
                    while (rs.next()) {
                        n++;
                    }
                }
                long fetchAll = System.nanoTime() - t;
                st.setFetchSize(10_000);
                t = System.nanoTime();
                try (ResultSet rs = st.executeQuery(fleet)) {
                    while (rs.next()) {
                        rs.getString(1); rs.getObject(8, OffsetDateTime.class);
                    }
                }
                long cursor = System.nanoTime() - t;
                c.rollback();
                System.out.printf("fleet: server only %.1f ms, all rows at once %.1f ms (%d), cursor 10k %.1f ms%n",
                        serverOnly / 1e6, fetchAll / 1e6, n, cursor / 1e6);
            }
        }
        try (Connection c = ds.connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            try (ResultSet rs = st.executeQuery("SELECT datcollate, datctype FROM pg_database WHERE datname = current_database()")) {
                rs.next();
                System.out.println("collation " + rs.getString(1) + " ctype " + rs.getString(2));
            }
            for (boolean scoped : new boolean[] {false, true}) {
                if (scoped) {
                    st.execute("SELECT set_config('og.scope_kind', 'tenant', true), set_config('role', 'og_scoped', true)");
                }
                for (String q : List.of(point, fleet)) {
                    System.out.println("---- " + (scoped ? "scoped" : "direct"));
                    try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + q)) {
                        while (rs.next()) {
                            System.out.println(rs.getString(1));
                        }
                    }
                }
            }
            c.rollback();
        }
    }

    static double executionMs(Statement st, String sql) throws Exception {
        double ms = -1;
        try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, TIMING OFF) " + sql)) {
            while (rs.next()) {
                String line = rs.getString(1);
                if (line.startsWith("Execution Time:")) {
                    ms = Double.parseDouble(line.replaceAll("[^0-9.]", ""));
                }
            }
        }
        return ms;
    }

    /**
     * The endpoint's fleet SQL on a plain connection with the endpoint's session settings, fetch
     * size and wire format; {@code decode}: every value read with the driver's typed getter, as an
     * application would (otherwise rows are only fetched, which no reader of them can do).
     */
    static int directFleet(GatewaySession ds, String sql, boolean decode) throws Exception {
        int n = 0;
        try (Connection c = ds.connection()) {
            c.setAutoCommit(false);
            CurrentValueRoutes.sessionSettings(DSL.using(c, SQLDialect.POSTGRES));
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                CurrentValueRoutes.forceBinary(ps);
                ps.setFetchSize(CurrentValueRoutes.FETCH_SIZE);
                try (ResultSet rs = ps.executeQuery()) {
                    int[] types = new int[rs.getMetaData().getColumnCount() + 1];
                    for (int col = 1; col < types.length; col++) {
                        types[col] = rs.getMetaData().getColumnType(col);
                    }
                    while (rs.next()) {
                        if (decode) {
                            for (int col = 1; col < types.length; col++) {
                                switch (types[col]) {
                                    case Types.DOUBLE -> rs.getDouble(col);
                                    case Types.BIGINT, Types.INTEGER -> rs.getLong(col);
                                    case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> rs.getObject(col, OffsetDateTime.class);
                                    default -> rs.getString(col);
                                }
                            }
                        }
                        n++;
                    }
                }
            }
            c.commit();
        }
        return n;
    }

    /**
     * One fleet read through the API: page after page ({@code limit} at most the endpoint's page
     * size) until {@code next} is null, each response streamed and counted, never held whole (at a
     * million series the client must not be what fills the heap); returns the bytes received.
     */
    static long apiFleet(String base, String token, int limit, boolean compact) throws Exception {
        return apiFleetRead(base, token, limit, compact).bytes();
    }

    /** Bytes received, rows (one owner field per row) and pages of one fleet read. */
    record FleetRead(long bytes, long rows, int pages) {
    }

    static FleetRead apiFleetRead(String base, String token, int limit, boolean compact) throws Exception {
        byte[] owner = "\"component:".getBytes(StandardCharsets.UTF_8);
        long rows = 0;
        int matched = 0; // of owner, across buffer boundaries (the pattern has no repeated prefix)
        int page = Math.min(limit, io.omniglass.core.http.CurrentValueRoutes.MAX_LIMIT);
        long bytes = 0;
        String after = null;
        int pages = 0;
        do {
            String url = base + (base.contains("?") ? "&" : "?") + "limit=" + page + (compact ? "&format=compact" : "")
                    + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setRequestProperty("Authorization", "Bearer " + token);
            int status = c.getResponseCode();
            if (status != 200) {
                try (InputStream err = c.getErrorStream()) {
                    throw new IllegalStateException("fleet read failed on page " + (pages + 1) + " (limit " + page
                            + (after == null ? ", the first" : ", after a keyset cursor") + "): " + status + " "
                            + (err == null ? "" : new String(err.readAllBytes(), StandardCharsets.UTF_8)));
                }
            }
            byte[] buf = new byte[1 << 16];
            byte[] tail = new byte[1 << 12]; // "next" is among the body's last bytes
            int tailLen = 0;
            try (InputStream in = c.getInputStream()) {
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    bytes += n;
                    for (int i = 0; i < n; i++) {
                        byte b = buf[i];
                        if (b == owner[matched]) {
                            if (++matched == owner.length) {
                                rows++;
                                matched = 0;
                            }
                        } else {
                            matched = b == owner[0] ? 1 : 0;
                        }
                    }
                    if (n >= tail.length) {
                        System.arraycopy(buf, n - tail.length, tail, 0, tail.length);
                        tailLen = tail.length;
                    } else {
                        int keep = Math.min(tailLen, tail.length - n);
                        System.arraycopy(tail, tailLen - keep, tail, 0, keep);
                        System.arraycopy(buf, 0, tail, keep, n);
                        tailLen = keep + n;
                    }
                }
            }
            after = nextCursor(new String(tail, 0, tailLen, StandardCharsets.UTF_8));
            pages++;
        } while (after != null && pages * (long) page < limit);
        return new FleetRead(bytes, rows, pages);
    }

    static String nextCursor(String tail) {
        int at = tail.lastIndexOf("\"next\":");
        if (at < 0) {
            throw new IllegalStateException("a fleet page without its next field: ..." + tail);
        }
        String rest = tail.substring(at + 7).trim();
        if (rest.startsWith("null")) {
            return null;
        }
        return rest.substring(1, rest.indexOf('"', 1));
    }

    record Response(int status, byte[] body) {
    }

    /**
     * A GET on a kept-alive connection with the JDK's synchronous client, as a script or service
     * would call the API. (java.net.http.HttpClient hands each exchange between threads: measured
     * here, it adds ~0.2 ms at the median and a millisecond or more at p99 to every request.)
     */
    static Response get(String url, String token) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + token);
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            return new Response(status, in == null ? new byte[0] : in.readAllBytes());
        }
    }

    static final String SCOPED_SYSTEM = "sys-7";

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
    }

    /** The old generation's peak since the reset: where a response held whole (or its rows) would land. */
    private static long oldGenPeakBytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP && p.getName().contains("Old"))
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    private static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

}
