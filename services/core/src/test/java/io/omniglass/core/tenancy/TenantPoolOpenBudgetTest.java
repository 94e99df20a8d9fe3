package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The core-wide budget of open connections on a server (OMNIGLASS_PG_OPEN_CONNECTIONS): 20 busy
 * tenants (a worker each, a borrow every 20 ms or so, and an HTTP read now and then) against a budget of 12. Postgres never shows
 * more than 12 of the core's tenant backends at once, and every tenant's work completes: the
 * idle connections of the least recently used other pools close to make room.
 */
class TenantPoolOpenBudgetTest {

    private static final int BUDGET = 12;
    private static final int TENANTS = 20;
    private static final int WORKERS = 1;
    /** Backends still exiting after their client closed them, seen beside their replacements. */
    private static final int EXITING = 2;

    @Test
    void openConnectionsNeverExceedTheBudgetAndEveryTenantsWorkCompletes() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                for (int i = 0; i < TENANTS; i++) {
                    st.execute("CREATE DATABASE og_t_b" + i);
                }
            }
            PgServer server = PgServer.parse("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/", "postgres", "unused");
            OmniglassConfig.Tuning tuning = OmniglassConfig.load(Optional.empty(), Map.of(
                    "OMNIGLASS_DATA_DIR", System.getProperty("java.io.tmpdir"),
                    "OMNIGLASS_PG_OPEN_CONNECTIONS", Integer.toString(BUDGET),
                    "OMNIGLASS_PG_CONNECTION_TIMEOUT_MS", "15000")).tuning();
            ExecutorService workers = Executors.newFixedThreadPool(WORKERS * TENANTS);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicInteger peak = new AtomicInteger();
            Thread sampler = new Thread(() -> {
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                    while (running.get()) {
                        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'og_t_b%'"
                                + " AND backend_type = 'client backend'")) {
                            rs.next();
                            peak.accumulateAndGet(rs.getInt(1), Math::max);
                        }
                        Thread.sleep(10);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (TenantDatabases dbs = new TenantDatabases(server, tuning)) {
                sampler.start();
                List<Future<Integer>> work = new ArrayList<>();
                for (int i = 0; i < TENANTS; i++) {
                    Tenant t = new Tenant("b" + i, "b" + i, "og_t_b" + i, null, "active", OffsetDateTime.now(), "og_cdc_b" + i);
                    DataSource system = dbs.dataSource(t);
                    DataSource http = dbs.httpDataSource(t);
                    for (int w = 0; w < WORKERS; w++) {
                        work.add(workers.submit(() -> {
                            int done = 0;
                            for (int n = 0; n < 15; n++) {
                                // a borrow held a moment, and now and then an HTTP read of the tenant
                                try (Connection c = system.getConnection(); Statement st = c.createStatement()) {
                                    st.execute("SELECT pg_sleep(0.005)");
                                }
                                if (n % 5 == 0) {
                                    try (Connection h = http.getConnection(); Statement hs = h.createStatement()) {
                                        hs.execute("SELECT 1");
                                    }
                                }
                                done++;
                                Thread.sleep(20); // the tenant's next datapoints are a moment away
                            }
                            return done;
                        }));
                    }
                }
                int done = 0;
                for (Future<Integer> f : work) {
                    done += f.get(120, TimeUnit.SECONDS);
                }
                running.set(false);
                sampler.join(5_000);
                assertThat(done).as("every borrow of every tenant was served").isEqualTo(TENANTS * WORKERS * 15);
                OpenConnections budget = dbs.openBudget(ServerRegistry.DEFAULT);
                assertThat(budget.peak()).as("connections open at once, as the core counts them").isLessThanOrEqualTo(BUDGET);
                // a backend leaves pg_stat_activity a moment after its client closed the connection (it
                // exits on the Terminate message), so one closing may overlap the one opened in its place
                assertThat(peak.get()).as("the core's tenant backends seen at once in pg_stat_activity")
                        .isLessThanOrEqualTo(BUDGET + EXITING);
                assertThat(budget.closedForOthers()).as("a full budget made room by closing idle connections").isPositive();
            } finally {
                running.set(false);
                workers.shutdownNow();
            }
        }
    }
}
