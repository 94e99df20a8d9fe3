package io.omniglass.core.lanes;

import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * HTTP work and the core's own work draw on separate pools: every HTTP connection of a tenant can
 * be held (a slow reader, a heavy query) and its datapoints still land; HTTP statements carry a
 * timeout, and a transaction left idle by a stalled stream is ended by the server.
 */
class HttpReadsDoNotStarveIngestionTest {

    static TestCore core;
    static CoreContext ctx;
    static Tenant tenant;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new SinkModule()));
        ctx = core.core().context();
        tenant = core.createTenant("reads");
        FleetFixture.plant(ctx, tenant);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void httpSessionsHaveAStatementTimeoutAndSystemSessionsDoNot() throws Exception {
        DataSource http = ctx.tenantDatabases().httpDataSource(tenant);
        assertThat(setting(http, "statement_timeout")).isEqualTo("30s");
        assertThat(setting(http, "idle_in_transaction_session_timeout")).isEqualTo("1min");
        assertThat(setting(ctx.tenantDataSource(tenant), "statement_timeout")).isEqualTo("0");
        try (Connection c = http.getConnection(); Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = 200");
            assertThatThrownBy(() -> st.execute("SELECT pg_sleep(5)"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("statement timeout");
            st.execute("RESET statement_timeout");
        }
    }

    @Test
    void datapointsLandWhileEveryHttpConnectionIsHeld() throws Exception {
        DataSource http = ctx.tenantDatabases().httpDataSource(tenant);
        List<Connection> held = new ArrayList<>();
        try {
            // every connection the tenant's HTTP pool can have, each inside an open transaction
            int size = http.unwrap(com.zaxxer.hikari.HikariDataSource.class).getMaximumPoolSize();
            for (int i = 0; i < size; i++) {
                Connection c = http.getConnection();
                c.setAutoCommit(false);
                c.createStatement().execute("SELECT count(*) FROM series");
                held.add(c);
            }
            assertThat(held).hasSizeGreaterThanOrEqualTo(2);
            assertThat(http.unwrap(com.zaxxer.hikari.HikariDataSource.class).getHikariPoolMXBean().getIdleConnections()).isZero();
            long t0 = System.nanoTime();
            FleetFixture.publish(ctx.nats(), "reads", FleetFixture.dp("component:m-3", Instant.now(), 42.0));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> Double.valueOf(42.0).equals(FleetFixture.currentValue(ctx.tenantDataSource(tenant), "component:m-3")));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        } finally {
            for (Connection c : held) {
                c.rollback();
                c.close();
            }
        }
    }

    private static String setting(DataSource ds, String name) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
