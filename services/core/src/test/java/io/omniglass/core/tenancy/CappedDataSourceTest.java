package io.omniglass.core.tenancy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.DaemonThreads;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.net.ServerSocket;
import java.net.Socket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The tenant pools' cap on a real Postgres: a connection holds one permit of the shared budget
 * until it is closed (once, however often it is closed), a borrow over budget waits and fails
 * with a clear reason, the pool's own connection is still reachable by unwrap (COPY needs it);
 * and a borrow that hangs on a server that accepts but never answers has that server found down
 * while it still waits, by the one sweep, which stops once no borrow is out.
 */
class CappedDataSourceTest {

    static EmbeddedPostgres pg;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgres.builder().start();
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    @Test
    void aConnectionHoldsOnePermitUntilClosedAndABorrowOverBudgetFailsWithTheReason() throws Exception {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
        hc.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            Semaphore budget = new Semaphore(2, true);
            CappedDataSource capped = new CappedDataSource(pool, budget, 300, "test");
            Connection a = capped.getConnection();
            Connection b = capped.getConnection();
            assertThat(budget.availablePermits()).isZero();
            assertThatThrownBy(capped::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining("all test connections of this core are in use (waited 300 ms)")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08004"));

            try (Statement st = a.createStatement(); ResultSet rs = st.executeQuery("SELECT 41 + 1")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
            assertThat(a.unwrap(PGConnection.class).getBackendPID()).isPositive();
            assertThat(a.unwrap(Connection.class)).isSameAs(a);
            assertThat(a.isWrapperFor(PGConnection.class)).isTrue();
            a.close();
            a.close();
            assertThat(a.isClosed()).isTrue();
            assertThat(budget.availablePermits()).as("closed twice, released once").isEqualTo(1);
            b.close();
            assertThat(budget.availablePermits()).isEqualTo(2);
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
        }
    }

    @Test
    void aBorrowThatHangsHasItsServerFoundDownWhileItWaitsAndTheSweepStopsWhenNoBorrowIsOut() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // accepts, never answers the startup message
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            }, "silent-server");
            acceptor.setDaemon(true);
            acceptor.start();

            PgServer hung = PgServer.parse("jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/", "postgres", "unused");
            OmniglassConfig.Tuning tuning = OmniglassConfig.load(Optional.empty(),
                    Map.of("OMNIGLASS_DATA_DIR", System.getProperty("java.io.tmpdir"),
                            "OMNIGLASS_PG_CONNECTION_TIMEOUT_MS", "60000")).tuning();
            try (TenantDatabases dbs = new TenantDatabases(hung, tuning)) {
                Tenant t = new Tenant("mute", "mute", "og_t_mute", null, "active", OffsetDateTime.now(), "og_cdc_mute");
                CompletableFuture<Object> borrow = CompletableFuture.supplyAsync(() -> {
                    try (Connection c = dbs.dataSource(t).getConnection()) {
                        return c;
                    } catch (SQLException e) {
                        return e;
                    }
                });
                // the borrow waits up to its 60 s timeout; well before that the sweep has made the
                // server suspect and the probe (3 s socket timeout) has found it down
                await().atMost(Duration.ofSeconds(40)).until(() -> dbs.impaired(t));
                assertThat(borrow).as("still waiting for its connection").isNotDone();
                assertThat(dbs.serverStates().down()).extracting(ServerStates.State::server).containsExactly(ServerRegistry.DEFAULT);
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void theSweepRunsOnlyWhileBorrowsAreOutAndReportsEachHangingBorrowOnce() throws Exception {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("test-sweep"));
        timer.setRemoveOnCancelPolicy(true);
        try {
            List<String> suspected = new CopyOnWriteArrayList<>();
            HangingBorrows borrows = new HangingBorrows(timer, 200, suspected::add);
            for (int i = 0; i < 1000; i++) {
                borrows.start("fast").close();
            }
            assertThat(timer.getQueue()).as("one sweep armed for a thousand borrows").hasSizeLessThanOrEqualTo(1);
            HangingBorrows.Borrow slow = borrows.start("slow");
            await().atMost(Duration.ofSeconds(30)).until(() -> suspected.contains("slow"));
            // still out after several more sweeps: reported once
            await().atMost(Duration.ofSeconds(30)).until(() -> timer.getCompletedTaskCount() >= 5);
            assertThat(suspected).containsExactly("slow");
            slow.close();
            assertThat(borrows.outstanding()).isZero();
            await().atMost(Duration.ofSeconds(30)).until(() -> timer.getQueue().isEmpty() && timer.getActiveCount() == 0);
            long sweeps = timer.getCompletedTaskCount();
            Thread.sleep(600); // three sweep periods with nothing out: no sweep runs (idle costs nothing)
            assertThat(timer.getCompletedTaskCount()).isEqualTo(sweeps);
            assertThat(timer.getQueue()).isEmpty();
            try (HangingBorrows.Borrow again = borrows.start("again")) {
                assertThat(timer.getQueue()).as("armed again by the next borrow").hasSize(1);
            }
        } finally {
            timer.shutdownNow();
        }
    }
}
