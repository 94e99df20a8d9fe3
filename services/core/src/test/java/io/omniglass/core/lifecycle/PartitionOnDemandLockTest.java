package io.omniglass.core.lifecycle;

import io.omniglass.core.testing.SchemaDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 90-day backfill makes its day partitions on demand (og_create_partition under the sink's
 * 2 s lock timeout, three makers at once as three lane workers would) while the live lane keeps
 * transactions open that create series, insert events and write today's datapoints: no day times
 * out, and no live statement waits on a maker nor a maker on a live statement. Before tenant V235
 * the attach cloned the datapoint tables' foreign keys and took SHARE ROW EXCLUSIVE on series,
 * source_rule and event, so a day waited for every open live transaction (the redelivered
 * backfill batches of the 180-tenant runs).
 */
class PartitionOnDemandLockTest {

    private static final int DAYS = 90;
    private static final int MAKERS = 3;

    static SchemaDatabase schema;
    static DataSource db;
    static int rule;
    static long type;

    @BeforeAll
    static void migrate() throws Exception {
        schema = SchemaDatabase.migratedTenant("partition_lock_test");
        db = schema.dataSource();
        schema.sql("SELECT og_ensure_partitions(current_date - 2, current_date + 1)");
        schema.sql("INSERT INTO location (name) VALUES ('site-a')");
        schema.sql("INSERT INTO component (name, location) VALUES ('pump-1', 'site-a')");
        type = schema.count("INSERT INTO datapoint_type (name, kind, unit) VALUES ('p_flow', 'metric', 'l') RETURNING id");
        rule = (int) schema.count("INSERT INTO source_rule (name, version) VALUES ('p-rule', 1) RETURNING id");
    }

    @AfterAll
    static void stop() throws Exception {
        schema.close();
    }

    @Test
    void ninetyBackfillDaysAreMadeWhileTheLiveLaneWrites() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong liveCommits = new AtomicLong();
        List<Throwable> liveErrors = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int writer = w;
            threads.add(start("live-" + w, () -> {
                try (Connection c = db.getConnection()) {
                    c.setAutoCommit(false);
                    for (long k = 0; running.get(); k++) {
                        String tag = writer + "-" + k;
                        try (Statement st = c.createStatement()) {
                            // what a live batch holds open: a new series, an event, today's rows
                            long series;
                            try (ResultSet rs = st.executeQuery("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, "
                                    + "instance, provenance) VALUES ('component', 'pump-1', " + type + ", 'metric', 'i" + tag + "', 'observed') RETURNING id")) {
                                rs.next();
                                series = rs.getLong(1);
                            }
                            st.execute("INSERT INTO event (name, origin, owner_kind) VALUES ('e" + tag + "', 'scheduled', 'global')");
                            st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) SELECT " + series
                                    + ", now() - interval '1 hour' + g * interval '1 millisecond', g, 'observed', " + rule
                                    + " FROM generate_series(1, 200) g");
                            Thread.sleep(300); // a batch on a loaded machine holds its transaction a while
                        }
                        c.commit();
                        liveCommits.incrementAndGet();
                    }
                } catch (Throwable e) {
                    liveErrors.add(e);
                }
            }));
        }
        Map<String, Integer> waits = new ConcurrentHashMap<>();
        threads.add(start("lock-monitor", () -> {
            try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                while (running.get()) {
                    try (ResultSet rs = st.executeQuery("SELECT l.mode || ' ' || coalesce(l.relation::regclass::text, l.locktype), "
                            + "left(a.query, 50), coalesce((SELECT string_agg(left(b.query, 50), ' | ') FROM pg_stat_activity b "
                            + "WHERE b.pid = ANY(pg_blocking_pids(l.pid))), '') "
                            + "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted")) {
                        while (rs.next()) {
                            waits.merge(rs.getString(2) + " WAITS FOR " + rs.getString(1) + " HELD BY " + rs.getString(3), 1, Integer::sum);
                        }
                    }
                    Thread.sleep(10);
                }
            } catch (Exception e) {
                liveErrors.add(e);
            }
        }));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        long commitsBefore = liveCommits.get();
        List<Thread> makers = new ArrayList<>();
        for (int m = 0; m < MAKERS; m++) {
            int maker = m;
            makers.add(start("maker-" + m, () -> {
                for (int back = 3 + maker; back < 3 + DAYS; back += MAKERS) {
                    LocalDate day = today.minusDays(back);
                    try {
                        make(day);
                    } catch (SQLException e) {
                        failures.add(day + ": " + e.getSQLState() + " " + e.getMessage());
                    }
                }
            }));
        }
        for (Thread t : makers) {
            t.join();
        }
        long commitsDuring = liveCommits.get() - commitsBefore;
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        waits.forEach((k, v) -> System.out.println("lock wait seen " + v + "x: " + k));
        assertThat(failures).as("days that timed out").isEmpty();
        assertThat(liveErrors).isEmpty();
        assertThat(schema.count("SELECT count(*) FROM og_partition_days('metric_datapoint') WHERE day < current_date - 2")).isEqualTo(DAYS);
        assertThat(commitsDuring).as("live transactions committed while the days were made").isPositive();
        assertThat(waits.keySet()).as("a live statement waiting on a maker, or a maker on a live transaction")
                .noneMatch(w -> w.startsWith("INSERT") && w.contains("HELD BY SELECT og_create_partition")
                        || w.startsWith("SELECT og_create_partition") && w.contains("HELD BY INSERT"));
    }

    /** What {@link Partitions#ensure} runs: one short transaction under the sink's lock timeout. */
    private static void make(LocalDate day) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + Partitions.LOCK_TIMEOUT + "'");
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT og_create_partition('metric_datapoint', ?)")) {
                ps.setObject(1, day);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.start();
        return t;
    }
}
