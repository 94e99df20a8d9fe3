package io.omniglass.core.tenancy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.DaemonThreads;
import io.omniglass.core.runtime.EmbeddedPostgresServer;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * By hand: {@code ./mvnw -B -q -o -pl services/core test -Dtest=PoolChurnBench -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.tenants=N -Dbench.seconds=S -Dbench.out=FILE}). New Postgres backends a live
 * tenant's pools open, main's pools against {@link TenantDatabases}'s, side by side on one
 * embedded Postgres (scram-sha-256) so the shared machine's load falls on both alike: N tenants an
 * arm, each used as a live tenant's lanes use it (a borrow and a statement every {@code bench.everyMs}, 1 s
 * unless told, from a shared pool of eight workers, and every 12-25 s three lane workers on it at once for 50 ms). Main's
 * pools are built as main built them (Hikari minimumIdle 0, idleTimeout 10 s, one shared
 * housekeeping thread). The new backends are pg_stat_database.sessions over the measured window
 * (after a warm-up of one Hikari housekeeping period), per arm's databases.
 */
class PoolChurnBench {

    @Test
    void churn() throws Exception {
        int tenants = Integer.getInteger("bench.tenants", 30);
        int seconds = Integer.getInteger("bench.seconds", 150);
        int warmup = Integer.getInteger("bench.warmup", 35);
        long everyMs = Long.getLong("bench.everyMs", 1000);
        Path root = Files.createTempDirectory("og-churn-bench-");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("load_average_at_start", Files.readString(Path.of("/proc/loadavg")).trim());
        ScheduledThreadPoolExecutor mainHousekeeping = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("main-housekeeping"));
        ExecutorService workers = Executors.newFixedThreadPool(8);
        ScheduledThreadPoolExecutor ticks = new ScheduledThreadPoolExecutor(2, DaemonThreads.named("bench-ticks"));
        List<HikariDataSource> mainPools = new ArrayList<>();
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root.resolve("data"), root.resolve("postgres.password"))) {
            String secret = Files.readString(root.resolve("postgres.password")).trim();
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", secret); Statement st = c.createStatement()) {
                for (int i = 0; i < tenants; i++) {
                    st.execute("CREATE DATABASE og_t_main" + i);
                    st.execute("CREATE DATABASE og_t_new" + i);
                }
            }
            PgServer server = PgServer.parse("jdbc:postgresql://127.0.0.1:" + pg.port() + "/", "postgres", secret);
            OmniglassConfig.Tuning tuning = OmniglassConfig.load(Optional.empty(),
                    Map.of("OMNIGLASS_DATA_DIR", root.toString())).tuning();
            try (TenantDatabases dbs = new TenantDatabases(server, tuning)) {
                List<DataSource> arms = new ArrayList<>();
                for (int i = 0; i < tenants; i++) {
                    HikariConfig hc = new HikariConfig();
                    hc.setJdbcUrl(server.jdbcUrl("og_t_main" + i));
                    hc.setUsername("postgres");
                    hc.setPassword(secret);
                    hc.setMaximumPoolSize(tuning.pgTenantPool());
                    hc.setInitializationFailTimeout(-1);
                    hc.setMinimumIdle(0);
                    hc.setIdleTimeout(10_000);
                    hc.setScheduledExecutor(mainHousekeeping);
                    HikariDataSource ds = new HikariDataSource(hc);
                    mainPools.add(ds);
                    arms.add(ds);
                    arms.add(dbs.dataSource(new Tenant("new" + i, "new" + i, "og_t_new" + i, null, "active", OffsetDateTime.now(), "og_cdc_new" + i)));
                }
                for (DataSource ds : arms) {
                    ticks.scheduleWithFixedDelay(() -> workers.execute(() -> use(ds, 1, 0)),
                            ThreadLocalRandom.current().nextLong(everyMs), everyMs, TimeUnit.MILLISECONDS);
                    scheduleBurst(ticks, workers, ds);
                }
                Thread.sleep(warmup * 1000L);
                Map<String, Long> s0 = sessions(pg, secret);
                long t0 = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                Map<String, Long> s1 = sessions(pg, secret);
                double secs = (System.nanoTime() - t0) / 1e9;
                Map<String, Long> open = openBackends(pg, secret);
                ticks.shutdownNow();
                workers.shutdownNow();
                Map<String, Object> results = new LinkedHashMap<>();
                for (String arm : new String[]{"main", "new"}) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    long n = s1.getOrDefault(arm, 0L) - s0.getOrDefault(arm, 0L);
                    m.put("new_backends", n);
                    m.put("new_backends_per_s", Math.round(n / secs * 1000) / 1000.0);
                    m.put("open_backends_at_end", open.getOrDefault(arm, 0L));
                    results.put(arm.equals("main") ? "main_pools_idle_timeout_10s" : "tenant_databases_shrink_when_quiet", m);
                }
                out.put("tenants_per_arm", tenants);
                out.put("seconds_measured", Math.round(secs));
                out.put("results", results);
            }
        } finally {
            mainPools.forEach(HikariDataSource::close);
            mainHousekeeping.shutdownNow();
            ticks.shutdownNow();
            workers.shutdownNow();
            io.omniglass.core.testing.TestFiles.deleteQuietly(root);
        }
        out.put("load_average_at_end", Files.readString(Path.of("/proc/loadavg")).trim());
        out.put("command", "./mvnw -B -q -o -pl services/core test -Dtest=PoolChurnBench -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dbench.tenants=" + tenants + " -Dbench.seconds=" + seconds + " -Dbench.everyMs=" + everyMs);
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
        System.out.println(json);
        String file = System.getProperty("bench.out");
        if (file != null) {
            Files.writeString(Path.of(file), json + "\n");
        }
    }

    private static void scheduleBurst(ScheduledThreadPoolExecutor ticks, ExecutorService workers, DataSource ds) {
        try {
            ticks.schedule(() -> {
                CountDownLatch three = new CountDownLatch(3);
                for (int i = 0; i < 3; i++) {
                    workers.execute(() -> {
                        three.countDown();
                        use(ds, 1, 50);
                    });
                }
                scheduleBurst(ticks, workers, ds);
            }, 12_000 + ThreadLocalRandom.current().nextLong(13_000), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private static void use(DataSource ds, int statements, long holdMillis) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (int i = 0; i < statements; i++) {
                st.execute("SELECT 1");
            }
            if (holdMillis > 0) {
                Thread.sleep(holdMillis);
            }
        } catch (Exception e) {
            // counted by nothing: the figure is the backends
        }
    }

    private static Map<String, Long> sessions(EmbeddedPostgresServer pg, String secret) throws Exception {
        return byArm(pg, secret, "SELECT datname, sessions FROM pg_stat_database WHERE datname LIKE 'og_t_%'");
    }

    private static Map<String, Long> openBackends(EmbeddedPostgresServer pg, String secret) throws Exception {
        return byArm(pg, secret, "SELECT datname, count(*) FROM pg_stat_activity WHERE datname LIKE 'og_t_%' GROUP BY 1");
    }

    private static Map<String, Long> byArm(EmbeddedPostgresServer pg, String secret, String sql) throws Exception {
        Map<String, Long> m = new LinkedHashMap<>();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", secret); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                m.merge(rs.getString(1).startsWith("og_t_main") ? "main" : "new", rs.getLong(2), Long::sum);
            }
        }
        return m;
    }
}
