package io.omniglass.core.tenancy;

import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.FreePort;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A tenant pool on a server that does not answer (a port nobody listens on): opening it connects
 * to nothing, its borrow waits OMNIGLASS_PG_CONNECTION_TIMEOUT_MS (not Hikari's 30 s) and fails
 * as a connection failure, the server is then known down and the next borrow is refused at once
 * with the reason.
 */
class TenantPoolConnectionTimeoutTest {

    @Test
    void aBorrowFromAServerThatDoesNotAnswerWaitsTheConfiguredTimeoutThenTheServerIsRefusedAtOnce() throws Exception {
        PgServer dead = PgServer.parse("jdbc:postgresql://127.0.0.1:" + FreePort.pick() + "/", "postgres", "unused");
        OmniglassConfig.Tuning tuning = OmniglassConfig.load(Optional.empty(),
                Map.of("OMNIGLASS_DATA_DIR", System.getProperty("java.io.tmpdir"), "OMNIGLASS_PG_CONNECTION_TIMEOUT_MS", "1500")).tuning();
        assertThat(tuning.pgConnectionTimeoutMs()).isEqualTo(1500);
        assertThat(OmniglassConfig.Tuning.defaults().pgConnectionTimeoutMs()).isEqualTo(5000);
        try (TenantDatabases dbs = new TenantDatabases(dead, tuning)) {
            Tenant t = new Tenant("far", "far", "og_t_far", null, "active", OffsetDateTime.now(), "og_cdc_far");
            DataSource system = dbs.dataSource(t);
            DataSource http = dbs.httpDataSource(t);
            assertThat(system.unwrap(HikariDataSource.class).getConnectionTimeout()).isEqualTo(1500);
            assertThat(http.unwrap(HikariDataSource.class).getConnectionTimeout()).isEqualTo(1500);

            assertThatThrownBy(system::getConnection).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(ServerStates.unreachable(e)).as(e.toString()).isTrue());
            await().atMost(Duration.ofSeconds(30)).until(() -> dbs.impaired(t));
            assertThat(dbs.serverStates().down()).extracting(ServerStates.State::server).containsExactly(ServerRegistry.DEFAULT);
            assertThatThrownBy(http::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining("Postgres server 'default' is down")
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"));
        }
    }
}
