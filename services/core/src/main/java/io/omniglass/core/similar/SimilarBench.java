package io.omniglass.core.similar;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreService;
import io.omniglass.core.gateway.Filter;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.runtime.FileTrees;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.schema.tenant.tables.records.AlarmFingerprintRecord;
import org.HdrHistogram.Histogram;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;

import static io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT;

/**
 * {@code ./omniglass bench similar}: a tenant with N stored fingerprints (alarm raises of 50
 * pumps under 5 rules over a year, lead-ups drawn around 20 fault shapes, 30 % acknowledged with
 * a reason), then the top-10 search with a relational filter, as the statement on a plain
 * connection and through the HTTP API (tenant-wide and system-scoped tokens), and its recall
 * against the exact answer (no index). Prints the figures and writes JSON.
 */
@Command(name = "similar", mixinStandardHelpOptions = true,
        description = "Similar-alarm search over N stored fingerprints (pgvector HNSW + relational filter).")
public final class SimilarBench implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures as JSON here")
    Path json;

    @Option(names = "--fingerprints", defaultValue = "100000", description = "stored fingerprints (default ${DEFAULT-VALUE})")
    int fingerprints;

    @Option(names = "--queries", defaultValue = "300", description = "measured searches per path (default ${DEFAULT-VALUE})")
    int queries;

    @Option(names = "--explain", description = "print the plans of the search statement (tenant-wide and system-scoped)")
    boolean explain;

    static final int PUMPS = 50;
    static final int RULES = 5;
    static final int SHAPES = 20;
    static final String[] FILTERS = {"same_rule = true", "same_rule = true and acked = true"};

    @Override
    public Integer call() throws Exception {
        Path dataDir = Files.createTempDirectory("og-bench-similar-");
        Map<String, String> env = new HashMap<>();
        env.put("OMNIGLASS_DATA_DIR", dataDir.toString());
        env.put("OMNIGLASS_HTTP_PORT", "0");
        Map<String, Object> out = new LinkedHashMap<>();
        String loadBefore = loadAverage();
        SimilarModule module = new SimilarModule();
        try (CoreService core = new CoreService(List.of(new GatewayModule(), module)).start(OmniglassConfig.loadWith(env))) {
            String slug = "bench_sim_" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
            Tenant tenant = core.context().provisioner().create(slug, "similar bench", "bench");
            GatewaySession ds = Gateway.forCore(core.context()).system(tenant, SystemPurpose.BENCH);
            if (!SimilarSchema.ensure(ds::connection)) {
                System.err.println(SimilarSchema.MISSING);
                return 2;
            }
            long t0 = System.nanoTime();
            double indexSeconds = load(ds);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("stored %,d fingerprints in %.1f s (HNSW build %.1f s)%n", fingerprints, loadSeconds, indexSeconds);

            List<long[]> probes = probes(ds);
            DSLContext db = ds.dsl();
            Random r = new Random(14);
            String admin = core.context().dataDir().readAdminToken().orElseThrow();
            OmniglassClient adminClient = new OmniglassClient(core.httpUrl(), admin);
            String scoped = adminClient.createToken(new CreateTokenRequest("viewer", slug, "system:line-3", "bench")).token();
            if (explain) {
                explain(ds, probes.get(0)[1]);
            }
            for (String filter : FILTERS) {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("direct_sql", direct(db, probes, filter, r));
                f.put("api_tenant_token", api(core.httpUrl(), slug, admin, probes, filter, r, false));
                f.put("api_system_token", api(core.httpUrl(), slug, scoped, probes, filter, r, true));
                f.put("recall_at_10", recall(ds, db, probes, filter, r));
                out.put(filter, f);
                System.out.printf("%-36s %s%n", filter, f);
            }
            out.put("fingerprints", fingerprints);
            out.put("dimensions", FingerprintRecipe.DIMENSIONS);
            out.put("limit", 10);
            out.put("load_seconds", round(loadSeconds));
            out.put("hnsw_build_seconds", round(indexSeconds));
            out.put("table_and_index_mb", round(mb(ds)));
            out.put("postgres", single(ds, "SELECT version()"));
            out.put("pgvector", single(ds, "SELECT extversion FROM pg_extension WHERE extname = 'vector'"));
            // the machine is shared: say how busy it was
            out.put("load_average_before", loadBefore);
            out.put("load_average_after", loadAverage());
            out.put("cpus", Runtime.getRuntime().availableProcessors());
        } finally {
            FileTrees.deleteQuietly(dataDir);
        }
        String text = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
            System.out.println("written to " + json);
        }
        return 0;
    }

    /** The fixture, in bulk SQL (what the worker would have stored over a year); returns the index build time. */
    double load(GatewaySession ds) throws Exception {
        try (Connection c = ds.connection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO location (name) VALUES ('plant')");
            st.execute("INSERT INTO system (name, location) SELECT 'line-' || g, 'plant' FROM generate_series(0, 9) g");
            st.execute("INSERT INTO component (name, system) SELECT 'pump-' || g, 'line-' || (g % 10) FROM generate_series(0, " + (PUMPS - 1) + ") g");
            // one statement: the rule's FK to its current version is checked at commit
            st.execute("WITH r AS (INSERT INTO event_rule (name) SELECT 'rule-' || g FROM generate_series(0, " + (RULES - 1) + ") g RETURNING id) "
                    + "INSERT INTO event_rule_version (event_rule_id, version, selector, key, condition) "
                    + "SELECT id, 1, 'component:pump-*', 'k' || id, '{\"type\": \"high\", \"threshold\": 1}' FROM r");
            st.execute("SET synchronous_commit = off");
            st.execute("CREATE TEMP TABLE shape AS SELECT s, array_agg((random() - 0.5)::real ORDER BY d) v "
                    + "FROM generate_series(0, " + (SHAPES - 1) + ") s, generate_series(1, " + FingerprintRecipe.DIMENSIONS + ") d GROUP BY s");
            // one raise every few minutes over a year: pump = g % PUMPS, rule = (g / PUMPS) % RULES
            st.execute("INSERT INTO event (ts, name, origin, owner_kind, component_id, event_rule_id, event_rule_version, severity) "
                    + "SELECT now() - (g * interval '5 minutes'), 'alarm.raised', 'rule', 'component', 'pump-' || (g % " + PUMPS + "), "
                    + "(SELECT min(id) FROM event_rule) + (g / " + PUMPS + ") % " + RULES + ", 1, 'warning' "
                    + "FROM generate_series(1, " + fingerprints + ") g");
            st.execute("INSERT INTO alarm (event_rule_id, event_rule_version, owner_kind, component_id, state, severity, raised_at, raise_event_id, last_event_id) "
                    + "SELECT event_rule_id, 1, 'component', component_id, 'active', 'warning', max(ts), max(id), max(id) "
                    + "FROM event GROUP BY event_rule_id, component_id");
            st.execute("DROP INDEX " + SimilarSchema.INDEX);
            st.execute("INSERT INTO alarm_fingerprint (event_id, alarm_id, event_rule_id, owner_kind, component_id, raised_at, "
                    + "occurred_from, occurred_until, recipe_version, keys, samples, lead_up) "
                    + "SELECT e.id, a.id, e.event_rule_id, 'component', e.component_id, e.ts, e.ts, "
                    + "lead(e.ts) OVER (PARTITION BY a.id ORDER BY e.ts), " + FingerprintRecipe.VERSION + ", "
                    + "'{k1,\"\",\"\",\"\",\"\",\"\",\"\",\"\"}', 1, "
                    + "(SELECT array_agg((sh.v[d] + (random() - 0.5) * 0.4)::real ORDER BY d) FROM generate_series(1, "
                    + FingerprintRecipe.DIMENSIONS + ") d WHERE e.id > 0) "
                    + "FROM event e JOIN alarm a ON a.event_rule_id = e.event_rule_id AND a.component_id = e.component_id "
                    + "JOIN shape sh ON sh.s = (hashint4(e.id::int) & 2147483647) % " + SHAPES);
            // the history's months need their audit partitions (made ahead only from now on)
            st.execute("SELECT og_ensure_partitions((min(occurred_from) AT TIME ZONE 'UTC')::date, "
                    + "(max(occurred_from) AT TIME ZONE 'UTC')::date + 1) FROM alarm_fingerprint");
            st.execute("INSERT INTO audit_log (ts, actor, verb, resource, new) "
                    + "SELECT f.occurred_from + interval '1 minute', 'bench', 'alarm.ack', 'alarm:' || f.alarm_id, "
                    + "jsonb_build_object('acked', true, 'ack_reason', 'reason ' || f.event_id) "
                    + "FROM alarm_fingerprint f WHERE f.event_id % 10 < 3");
            st.execute("SET maintenance_work_mem = '512MB'");
            long t = System.nanoTime();
            st.execute("CREATE INDEX " + SimilarSchema.INDEX + " ON alarm_fingerprint USING hnsw (" + SimilarSchema.EMBEDDING + " vector_l2_ops)");
            double indexSeconds = (System.nanoTime() - t) / 1e9;
            st.execute("VACUUM ANALYZE alarm_fingerprint");
            st.execute("VACUUM ANALYZE audit_log");
            st.execute("VACUUM ANALYZE event");
            return indexSeconds;
        }
    }

    /** EXPLAIN ANALYZE of the search, tenant-wide and as a token scoped to system line-3 (role and settings as the gateway sets them). */
    private static void explain(GatewaySession ds, long event) throws Exception {
        io.omniglass.core.access.Principal line3 = new io.omniglass.core.access.Principal(0, "bench", io.omniglass.core.access.Role.viewer,
                Optional.empty(), io.omniglass.core.access.Principal.ScopeKind.system, Optional.of("line-3"));
        for (boolean scoped : new boolean[]{false, true}) {
            try (Connection c = ds.connection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                DSLContext tx = DSL.using(c, SQLDialect.POSTGRES);
                AlarmFingerprintRecord q = query(tx, event);
                org.jooq.Condition where = Filter.parse("same_rule = true", SimilarSearch.fields(q));
                if (scoped) {
                    st.execute("SELECT set_config('og.scope_kind', 'system', true), set_config('og.scope_name', 'line-3', true), "
                            + "set_config('role', 'og_scoped', true)");
                    where = where.and(io.omniglass.core.gateway.VisibleSet.of(line3).owner(SimilarRoutes.FINGERPRINT_OWNER));
                }
                st.execute("SET LOCAL hnsw.iterative_scan = relaxed_order");
                System.out.println("---- plan, " + (scoped ? "system-scoped (line-3)" : "tenant-wide") + ", same_rule = true, limit 10");
                for (org.jooq.Record r : tx.fetch("EXPLAIN (ANALYZE, BUFFERS) " + tx.renderInlined(SimilarSearch.top(q, where, 10)))) {
                    System.out.println(r.get(0));
                }
                c.rollback();
            }
        }
    }

    /** Query raises: recent ones (so nearly the whole history is "past"), as (alarm id, event id). */
    private static List<long[]> probes(GatewaySession ds) throws Exception {
        List<long[]> p = new ArrayList<>();
        try (Connection c = ds.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT alarm_id, event_id FROM alarm_fingerprint ORDER BY raised_at DESC LIMIT 500")) {
            while (rs.next()) {
                p.add(new long[]{rs.getLong(1), rs.getLong(2)});
            }
        }
        return p;
    }

    private Map<String, Object> direct(DSLContext db, List<long[]> probes, String filter, Random r) {
        Histogram h = new Histogram(3);
        for (int i = 0; i < queries + 50; i++) {
            long[] p = probes.get(r.nextInt(probes.size()));
            long s = System.nanoTime();
            int n = db.transactionResult(cfg -> {
                AlarmFingerprintRecord q = query(cfg.dsl(), p[1]);
                return SimilarSearch.search(cfg.dsl(), q, Filter.parse(filter, SimilarSearch.fields(q)), 10).size();
            });
            if (i >= 50) {
                h.recordValue((System.nanoTime() - s) / 1000);
            }
            if (n == 0) {
                throw new IllegalStateException("no similar alarms for event " + p[1]);
            }
        }
        return percentiles(h);
    }

    private Map<String, Object> api(String base, String slug, String token, List<long[]> probes, String filter, Random r,
                                    boolean scoped) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Histogram h = new Histogram(3);
        int measured = 0;
        for (int i = 0; measured < queries; i++) {
            long[] p = probes.get(r.nextInt(probes.size()));
            URI uri = URI.create(base + "/api/v1/tenants/" + slug + "/alarms/" + p[0] + "/similar?limit=10&filter="
                    + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20"));
            long s = System.nanoTime();
            HttpResponse<String> resp = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            long ns = System.nanoTime() - s;
            if (scoped && resp.statusCode() == 404) {
                continue; // an alarm outside line-3: the scoped token asks about its own alarms only
            }
            if (resp.statusCode() != 200) {
                throw new IllegalStateException(resp.statusCode() + " " + resp.body());
            }
            if (i >= 50) {
                h.recordValue(ns / 1000);
                measured++;
            }
        }
        return percentiles(h);
    }

    /** The share of the exact top 10 (a sequential scan, no index) the index search returns. */
    private double recall(GatewaySession ds, DSLContext db, List<long[]> probes, String filter, Random r) throws Exception {
        int hits = 0;
        int total = 0;
        for (int i = 0; i < 30; i++) {
            long[] p = probes.get(r.nextInt(probes.size()));
            AlarmFingerprintRecord q = query(db, p[1]);
            Set<Long> approx = ids(db.transactionResult(cfg -> SimilarSearch.search(cfg.dsl(), q,
                    Filter.parse(filter, SimilarSearch.fields(q)), 10)));
            Set<Long> exact = ids(db.transactionResult(cfg -> {
                cfg.dsl().execute("SET LOCAL enable_indexscan = off");
                return SimilarSearch.search(cfg.dsl(), q, Filter.parse(filter, SimilarSearch.fields(q)), 10);
            }));
            total += exact.size();
            exact.retainAll(approx);
            hits += exact.size();
        }
        return round((double) hits / total);
    }

    private static Set<Long> ids(List<io.omniglass.api.SimilarAlarm> xs) {
        Set<Long> s = new HashSet<>();
        xs.forEach(x -> s.add(x.raiseEventId()));
        return s;
    }

    private static AlarmFingerprintRecord query(DSLContext db, long event) {
        return db.selectFrom(ALARM_FINGERPRINT).where(ALARM_FINGERPRINT.EVENT_ID.eq(event)).fetchOne();
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("p50_ms", round(h.getValueAtPercentile(50) / 1000.0));
        m.put("p99_ms", round(h.getValueAtPercentile(99) / 1000.0));
        m.put("max_ms", round(h.getMaxValue() / 1000.0));
        m.put("n", h.getTotalCount());
        return m;
    }

    private static double mb(GatewaySession ds) throws Exception {
        return Double.parseDouble(single(ds, "SELECT pg_total_relation_size('alarm_fingerprint') / 1048576.0"));
    }

    private static String single(GatewaySession ds, String sql) throws Exception {
        try (Connection c = ds.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
