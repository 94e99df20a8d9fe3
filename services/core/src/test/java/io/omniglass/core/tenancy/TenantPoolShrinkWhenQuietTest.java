package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A live tenant's system pool keeps its backends: used without a pause for longer than the quiet
 * period and Hikari's housekeeping period (30 s), with a moment of three connections at once before
 * and after, the second moment gets the same three backends (no new connection opened). Then,
 * quiet, the pool closes to zero backends within the quiet period and a little.
 */
class TenantPoolShrinkWhenQuietTest {

    @Test
    void anActiveTenantKeepsItsBackendsAndAQuietOneDropsToZero() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE og_t_live");
            }
            PgServer server = PgServer.parse("jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/", "postgres", "unused");
            OmniglassConfig.Tuning tuning = OmniglassConfig.load(Optional.empty(),
                    Map.of("OMNIGLASS_DATA_DIR", System.getProperty("java.io.tmpdir"))).tuning();
            try (TenantDatabases dbs = new TenantDatabases(server, tuning)) {
                Tenant t = new Tenant("live", "live", "og_t_live", null, "active", OffsetDateTime.now(), "og_cdc_live");
                DataSource system = dbs.dataSource(t);

                Set<Integer> first = threeAtOnce(system);
                assertThat(first).hasSize(3);
                // one lane worker's steady use, longer than the quiet period and a Hikari housekeeping run
                long until = System.nanoTime() + Duration.ofSeconds(33).toNanos();
                while (System.nanoTime() < until) {
                    try (Connection c = system.getConnection(); Statement st = c.createStatement()) {
                        st.execute("SELECT 1");
                    }
                    Thread.sleep(100);
                }
                Set<Integer> second = threeAtOnce(system);
                assertThat(second).as("the backends of the live tenant's second busy moment").isEqualTo(first);
                assertThat(backendsOf(pg, "og_t_live")).as("no backend opened meanwhile").isEqualTo(first);

                long quietFrom = System.nanoTime();
                await().atMost(Duration.ofSeconds(TenantDatabases.IDLE_TIMEOUT_MS / 1000 + 10))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> backendsOf(pg, "og_t_live").isEmpty());
                long quietMs = (System.nanoTime() - quietFrom) / 1_000_000;
                assertThat(quietMs).as("closed once quiet, not before").isGreaterThanOrEqualTo(TenantDatabases.IDLE_TIMEOUT_MS - 500);

                // used again: it opens, and drops to zero again when quiet
                try (Connection c = system.getConnection()) {
                    assertThat(c.isValid(5)).isTrue();
                }
                assertThat(backendsOf(pg, "og_t_live")).hasSize(1);
                await().atMost(Duration.ofSeconds(TenantDatabases.IDLE_TIMEOUT_MS / 1000 + 10))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> backendsOf(pg, "og_t_live").isEmpty());
            }
        }
    }

    /** Three connections held at once (three lane workers on the tenant): their backend pids. */
    private static Set<Integer> threeAtOnce(DataSource ds) throws Exception {
        List<Connection> held = new ArrayList<>();
        Set<Integer> pids = new HashSet<>();
        try {
            for (int i = 0; i < 3; i++) {
                Connection c = ds.getConnection();
                held.add(c);
                pids.add(c.unwrap(PGConnection.class).getBackendPID());
            }
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        return pids;
    }

    private static Set<Integer> backendsOf(EmbeddedPostgres pg, String database) throws Exception {
        Set<Integer> pids = new HashSet<>();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = '" + database
                     + "' AND backend_type = 'client backend'")) {
            while (rs.next()) {
                pids.add(rs.getInt(1));
            }
        }
        return pids;
    }
}
