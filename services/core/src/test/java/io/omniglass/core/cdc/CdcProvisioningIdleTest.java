package io.omniglass.core.cdc;

import io.omniglass.core.CoreContext;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Provisioning leaves no walsender behind: after ten tenants are created one after another (each
 * tenant's first commit drains, no interval learnt yet), the idle core holds no replication
 * connection a few seconds after the last of them, although sessions of tenants that really come
 * back are kept up to 30 s (CdcFleetPaceReuseTest). Kept for the whole idle period, provisioning's
 * sessions held 27 walsenders into the bench's idle fleet, each decoding the server's WAL.
 */
class CdcProvisioningIdleTest {

    static final int TENANTS = 10;
    /** The brief hold of a session without an interval, and the drains and closes of a loaded machine. */
    static final Duration GONE_WITHIN = Duration.ofNanos(ParkPolicy.FIRST_HOLD_NANOS).plusSeconds(6);
    static TestCore core;
    static CdcModule cdc;

    @BeforeAll
    static void start() {
        cdc = new CdcModule(CdcSettings.withSessions(3, Duration.ofSeconds(10))); // the defaults, three base sessions
        core = TestCore.start(List.of(cdc));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void noWalsenderIsLeftAFewSecondsAfterABurstOfProvisioning() throws Exception {
        for (int i = 0; i < TENANTS; i++) {
            core.createTenant("prov" + i);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> cdc.leaderCount() == TENANTS);
        long led = System.nanoTime();
        // each take-over drains the new slot at once (a commit drain, its session left reusable)
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("og_cdc_drain") >= TENANTS);
        long drained = System.nanoTime();
        await().atMost(GONE_WITHIN).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(walsenders(core.core().context()))
                        .as("walsenders of the idle core after provisioning (%d ms after the last lease, %d ms after the tenants' drains)",
                                (System.nanoTime() - led) / 1_000_000, (System.nanoTime() - drained) / 1_000_000)
                        .isZero());
    }

    /** Drains of every kind so far (a timer's count). */
    private static long counter(String name) {
        long n = 0;
        for (var t : core.core().context().metrics().find(name).timers()) {
            n += t.count();
        }
        return n;
    }

    /** The core's walsenders on every Postgres server of the fleet. */
    private static long walsenders(CoreContext ctx) throws Exception {
        io.omniglass.core.tenancy.ServerRegistry servers = ctx.provisioner().servers().orElseThrow();
        long sum = 0;
        for (io.omniglass.core.tenancy.ServerRegistry.Server s : servers.list()) {
            io.omniglass.core.runtime.PgServer server = servers.connection(s.name());
            try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                         "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'omniglass-cdc'")) {
                rs.next();
                sum += rs.getLong(1);
            }
        }
        return sum;
    }
}
