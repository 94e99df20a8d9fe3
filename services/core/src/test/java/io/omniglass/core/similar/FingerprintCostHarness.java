package io.omniglass.core.similar;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultConfiguration;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A harness, not a test (it does nothing unless {@code -Dog.similar.harness=FILE} is given): the
 * CPU one alarm raise's fingerprint costs, Postgres backend and core, on T tenants each with a
 * realistic live history (5 pumps, 3 metric keys every 10 s, each pump's alarm raised and cleared
 * on a 40 s wave for R raises, earlier raises already fingerprinted), the last raises of every
 * tenant fingerprinted interleaved across tenants as the live feed hands them over. The backends'
 * CPU is read from /proc (one dedicated connection per tenant), the core's from the thread's CPU
 * time. Run:
 * {@code ./mvnw -B -q -o -pl services/core -Dtest=FingerprintCostHarness -Dsurefire.failIfNoSpecifiedTests=false
 * -Dog.similar.harness=/tmp/out.json test}
 */
class FingerprintCostHarness {

    static final int TENANTS = Integer.getInteger("og.similar.tenants", 6);
    static final int RAISES = Integer.getInteger("og.similar.raises", 120);
    static final int MEASURED = Integer.getInteger("og.similar.measured", 31);
    static final String[] PUMPS = {"pump-1", "pump-2", "pump-3", "pump-4", "pump-9"};

    @Test
    void cpuPerRaise() throws Exception {
        String out = System.getProperty("og.similar.harness");
        assumeTrue(out != null && !out.isBlank(), "a harness: -Dog.similar.harness=FILE runs it");
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("tenants", TENANTS);
        figures.put("raises_per_pump", RAISES);
        figures.put("pumps_per_tenant", PUMPS.length);
        figures.put("load_average_start", loadAverage());
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            List<DataSource> dbs = new ArrayList<>();
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            for (int t = 0; t < TENANTS; t++) {
                Tenant tenant = core.createTenant("fp" + t);
                DataSource db = core.core().context().tenantDataSource(tenant);
                new PlantImporter(db).importPlant(PlantDescription.parseTree(SimilarHistory.PLANT), "test", "fp" + t);
                SimilarSchema.ensure(db::getConnection);
                history(db, now);
                dbs.add(db);
            }
            // every raise so far is fingerprinted already (unmeasured); the measured ones come in live
            for (DataSource db : dbs) {
                try (Connection c = db.getConnection()) {
                    DSLContext dsl = DSL.using(c, SQLDialect.POSTGRES);
                    for (long id : raises(db)) {
                        FingerprintStore.fingerprint(dsl, id);
                    }
                }
            }
            figures.put("explain", explain(dbs.get(0), raise(dbs.get(0), "pump-1", now.minusSeconds(MEASURED * 40L))));
            // the ways take turns round by round, so that the machine's load falls on them alike
            figures.put("measured", measure(dbs, now, MEASURED - 1, 0));
            try (Connection c = dbs.get(0).getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
                         + "WHERE relname = 'alarm_fingerprint'")) {
                rs.next();
                figures.put("alarm_fingerprint_tenant0", Map.of("inserts", rs.getLong(1), "updates", rs.getLong(2),
                        "hot_updates", rs.getLong(3)));
            }
        }
        figures.put("load_average_end", loadAverage());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(Path.of(out), json.writeValueAsString(figures));
        System.out.println(json.writeValueAsString(figures));
    }

    /**
     * Raise rounds {@code fromK} down to {@code toK} (exclusive): each round raises every pump of every
     * tenant (the event written on another connection, as the rules engine would), and fingerprints
     * them, one transaction per raise or (batch) one per tenant and round. Only the fingerprinting is
     * measured: the dedicated connections' backends (/proc) and this thread's CPU.
     */
    static Map<String, Object> measure(List<DataSource> dbs, Instant now, int fromK, int toK) throws Exception {
        // main's code took part as a third way for docs/bench/s10-similar-4-final.json; it was dropped at
        // the merge (a copy of the old store in the tests), so the two ways of this code are compared
        String[] modes = {"one_transaction_per_raise", "one_transaction_per_tenant_round"};
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Connection> conns = new ArrayList<>();
        List<DSLContext> dsls = new ArrayList<>();
        List<Integer> pids = new ArrayList<>();
        try {
            for (DataSource db : dbs) {
                Connection c = db.getConnection();
                conns.add(c);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                    rs.next();
                    pids.add(rs.getInt(1));
                }
                dsls.add(DSL.using(c, SQLDialect.POSTGRES));
            }
            long[] pg = new long[modes.length];
            long[] core = new long[modes.length];
            long[] wall = new long[modes.length];
            int[] stored = new int[modes.length];
            for (int k = fromK; k > toK; k--) {
                int mode = k % modes.length;
                for (int t = 0; t < dbs.size(); t++) {
                    List<Long> round = new ArrayList<>();
                    for (String pump : PUMPS) {
                        round.add(raise(dbs.get(t), pump, now.minusSeconds(k * 40L)));
                    }
                    long pgBefore = ticks(pids);
                    long coreBefore = threads.getCurrentThreadCpuTime();
                    long wallBefore = System.nanoTime();
                    if (mode == 1) {
                        stored[mode] += FingerprintStore.fingerprintAll(dsls.get(t), round);
                    } else {
                        for (long id : round) {
                            if (FingerprintStore.fingerprint(dsls.get(t), id) == FingerprintStore.Outcome.STORED) {
                                stored[mode]++;
                            }
                        }
                    }
                    wall[mode] += System.nanoTime() - wallBefore;
                    core[mode] += threads.getCurrentThreadCpuTime() - coreBefore;
                    pg[mode] += ticks(pids) - pgBefore;
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (int m = 0; m < modes.length; m++) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("raises", stored[m]);
                r.put("pg_backend_cpu_ms_per_raise", round(pg[m] * 10.0 / stored[m]));
                r.put("core_thread_cpu_ms_per_raise", round(core[m] / 1e6 / stored[m]));
                r.put("wall_ms_per_raise", round(wall[m] / 1e6 / stored[m]));
                out.put(modes[m], r);
            }
            out.put("load_average_after", loadAverage());
            return out;
        } finally {
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    /** A raise of the pump's temperature alarm at {@code at}, its clear 20 s later, the alarm row; returns the raise event. */
    static long raise(DataSource db, String pump, Instant at) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            long rule = SimilarHistory.one(c, "SELECT id FROM event_rule WHERE name = 'pump-temperature-high'");
            String ts = "'" + at + "'::timestamptz";
            long event = SimilarHistory.one(c, "INSERT INTO event (ts, name, origin, owner_kind, component_id, "
                    + "event_rule_id, event_rule_version, trigger_series_id, trigger_ts, severity, message) "
                    + "VALUES (" + ts + ", 'alarm.raised', 'rule', 'component', '" + pump + "', " + rule + ", 1, "
                    + "(SELECT id FROM series WHERE component_id = '" + pump + "' AND source = 'sim' AND datapoint_type_id = "
                    + "(SELECT id FROM datapoint_type WHERE name = 'temperature')), " + ts + ", 'error', 'hot') RETURNING id");
            st.execute("INSERT INTO event (ts, name, origin, owner_kind, component_id, event_rule_id, event_rule_version, severity) "
                    + "VALUES (" + ts + " + interval '20 seconds', 'alarm.cleared', 'rule', 'component', '" + pump + "', "
                    + rule + ", 1, 'error')");
            st.execute("INSERT INTO alarm (event_rule_id, event_rule_version, owner_kind, component_id, state, severity, "
                    + "message, raised_at, raise_event_id, last_event_id) VALUES (" + rule + ", 1, 'component', '" + pump
                    + "', 'active', 'error', 'hot', " + ts + ", " + event + ", " + event + ") "
                    + "ON CONFLICT (event_rule_id, owner_kind, component_id, system_id, location_id, node_id) DO UPDATE "
                    + "SET raised_at = excluded.raised_at, raise_event_id = excluded.raise_event_id, last_event_id = excluded.last_event_id");
            return event;
        }
    }

    /** Each statement of one fingerprint, run again under EXPLAIN (ANALYZE, BUFFERS) in a rolled-back transaction. */
    static List<Map<String, Object>> explain(DataSource db, long raise) throws Exception {
        List<String> statements = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            DefaultConfiguration cfg = new DefaultConfiguration();
            cfg.set(c).set(SQLDialect.POSTGRES).set(new Settings());
            cfg.set(new ExecuteListener() {
                @Override
                public void executeStart(ExecuteContext ctx) {
                    if (ctx.query() != null) {
                        statements.add(DSL.using(SQLDialect.POSTGRES).renderInlined(ctx.query()));
                    }
                }
            });
            c.setAutoCommit(false);
            FingerprintStore.fingerprintIn(DSL.using(cfg), raise);
            c.rollback();
            List<Map<String, Object>> plans = new ArrayList<>();
            try (Statement st = c.createStatement()) {
                for (String sql : statements) {
                    StringBuilder plan = new StringBuilder();
                    try (ResultSet rs = st.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
                        while (rs.next()) {
                            plan.append(rs.getString(1)).append('\n');
                        }
                    }
                    Map<String, Object> p = new LinkedHashMap<>();
                    p.put("sql", sql);
                    p.put("plan", plan.toString());
                    plans.add(p);
                    System.out.println(sql + "\n" + plan);
                }
            }
            c.rollback();
            c.setAutoCommit(true);
            return plans;
        }
    }

    /** 5 pumps x 3 keys every 10 s; each pump's temperature alarm raised every 40 s (cleared 20 s later). */
    static void history(DataSource db, Instant now) throws Exception {
        long span = RAISES * 40L + 1800 + 60;
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("INSERT INTO source_rule (name) VALUES ('sim-poll') ON CONFLICT DO NOTHING");
            for (String pump : PUMPS) {
                for (String key : new String[]{"temperature", "pressure", "flow"}) {
                    st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                            + "VALUES ('component', '" + pump + "', (SELECT id FROM datapoint_type WHERE name = '" + key
                            + "'), 'metric', 'observed', 'sim') ON CONFLICT DO NOTHING");
                }
            }
            st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) "
                    + "SELECT s.id, g, 60 + 30 * sin(extract(epoch FROM g) / 40.0 * pi()) + random(), 'observed', "
                    + "(SELECT id FROM source_rule WHERE name = 'sim-poll') FROM series s, generate_series("
                    + "'" + now + "'::timestamptz - interval '" + span + " seconds', '" + now + "'::timestamptz, interval '10 seconds') g "
                    + "WHERE s.source = 'sim'");
            c.commit();
            for (int k = RAISES; k > MEASURED; k--) {
                for (String pump : PUMPS) {
                    raise(db, pump, now.minusSeconds(k * 40L));
                }
            }
            st.execute("ANALYZE");
        }
    }

    static List<Long> raises(DataSource db) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM event WHERE name = 'alarm.raised' ORDER BY id")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** utime + stime of these processes, in clock ticks (1/100 s). */
    static long ticks(List<Integer> pids) throws Exception {
        long sum = 0;
        for (int pid : pids) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        }
        return sum;
    }

    static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
