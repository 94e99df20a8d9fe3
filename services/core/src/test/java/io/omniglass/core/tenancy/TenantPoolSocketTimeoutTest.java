package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A request's connection on a Postgres backend that stops answering (SIGSTOP: the socket stays
 * open, nothing comes back, the server's own statement timeout cannot fire) fails as a lost
 * connection (SQLSTATE 08006, which the API answers as 503) once OMNIGLASS_PG_SOCKET_TIMEOUT_MS
 * has passed, instead of hanging; a statement merely slower than the statement timeout is still
 * ended by that timeout; and the system pool, whose COPYs and migrations may be silent for long,
 * has no such bound. The server pool the fleet board asks through has its own bound.
 */
class TenantPoolSocketTimeoutTest {

    @Test
    void aRequestOnAServerThatStopsAnsweringFailsWithinTheSocketTimeoutAndTheSystemPoolIsNotBounded() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE og_t_stalled");
            }
            PgServer server = PgServer.parse("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/", "postgres", "unused");
            OmniglassConfig.Tuning tuning = OmniglassConfig.load(Optional.empty(), Map.of(
                    "OMNIGLASS_DATA_DIR", System.getProperty("java.io.tmpdir"),
                    "OMNIGLASS_HTTP_STATEMENT_TIMEOUT_MS", "1000",
                    "OMNIGLASS_PG_SOCKET_TIMEOUT_MS", "2000")).tuning();
            assertThat(OmniglassConfig.Tuning.defaults().pgSocketTimeoutMs()).isEqualTo(60_000);
            try (TenantDatabases dbs = new TenantDatabases(server, tuning)) {
                Tenant t = new Tenant("stalled", "stalled", "og_t_stalled", null, "active", OffsetDateTime.now(), "og_cdc_stalled");
                long boundMs = 1000 + TenantDatabases.SOCKET_MARGIN_MS; // the statement timeout and its margin are above the 2000 asked
                try (Connection system = dbs.dataSource(t).getConnection(); Connection http = dbs.httpDataSource(t).getConnection()) {
                    assertThat(http.getNetworkTimeout()).isEqualTo(boundMs);
                    assertThat(system.getNetworkTimeout()).as("no socket timeout for the core's own work").isZero();
                    try (Statement st = system.createStatement()) {
                        st.execute("SELECT pg_sleep(" + (boundMs / 1000.0 + 1) + ")"); // silent longer than the HTTP bound: fine here
                    }
                    try (Statement st = http.createStatement()) {
                        assertThatThrownBy(() -> st.execute("SELECT pg_sleep(3)")).isInstanceOf(SQLException.class)
                                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).as("its statement timeout").isEqualTo("57014"));
                    }

                    int backend = http.unwrap(PGConnection.class).getBackendPID();
                    signal("STOP", backend);
                    try {
                        SQLException lost = assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
                            try (Statement st = http.createStatement()) {
                                st.execute("SELECT 1");
                                return null;
                            } catch (SQLException e) {
                                return e;
                            }
                        }, "a request on a stopped backend must not hang");
                        assertThat((Throwable) lost).as("the statement on the stopped backend failed").isNotNull();
                        assertThat(lost.getSQLState()).isEqualTo("08006");
                        assertThat(ServerStates.unreachable(lost)).isTrue();
                        assertThat((Throwable) lost).hasRootCauseInstanceOf(java.net.SocketTimeoutException.class);
                    } finally {
                        signal("CONT", backend);
                    }
                }
                // the server's own small pool (the fleet board's questions) is bounded too
                try (Connection board = dbs.serverDataSource(server).getConnection()) {
                    assertThat(board.getNetworkTimeout()).isEqualTo(TenantDatabases.SERVER_SOCKET_TIMEOUT_S * 1000);
                }
                // the pool dropped the broken connection and serves again
                try (Connection again = dbs.httpDataSource(t).getConnection(); Statement st = again.createStatement()) {
                    assertThat(st.execute("SELECT 1")).isTrue();
                }
            }
        }
    }

    private static void signal(String signal, int pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + signal, Integer.toString(pid)).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }
}
