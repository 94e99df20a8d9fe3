package io.omniglass.core.lanes;

import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fifty idle tenants cost what five do: the sink, rules, actions and timed checks of every tenant
 * are lanes on the shared workers, consumers are pull requests waiting on the server, and quiet
 * tenants' connection pools shrink to nothing. Measured on a real core (embedded Postgres, a
 * nats-server process): JVM threads and Postgres client backends once quiet, and the JVM's CPU
 * over ten idle seconds.
 * <p>
 * CDC is not in this core: its per-tenant sessions are the CDC work of the same issue, done apart;
 * add {@code CdcModule} to the list once its sessions are shared.
 */
class FleetIdleCostTest {

    static final int WARM = 5;
    static final int FLEET = 50;
    /** Fixed costs that may appear once the fleet is up (a pool's helper, a lazily made timer), not per tenant. */
    static final int THREAD_SLACK = 8;
    static final String HOUSEKEEPING = "com.zaxxer.hikari.housekeeping.periodMs";

    static RulesModule rules = new RulesModule();
    static TestCore core;
    static String housekeepingBefore;

    @BeforeAll
    static void start() {
        // pools shrink within idleTimeout plus one housekeeping period (30 s by default): shorter here
        housekeepingBefore = System.setProperty(HOUSEKEEPING, "2000");
        core = TestCore.start(List.of(new GatewayModule(), new SinkModule(), new PlantModule(), rules));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
        if (housekeepingBefore == null) {
            System.clearProperty(HOUSEKEEPING);
        } else {
            System.setProperty(HOUSEKEEPING, housekeepingBefore);
        }
    }

    @Test
    void fiftyIdleTenantsCostNoMoreThreadsConnectionsOrCpuThanFive() throws Exception {
        CoreContext ctx = core.core().context();
        provision(0, WARM);
        int threadsAtWarm = quietThreads();
        long backendsAtWarm = quietBackends(ctx);

        long t0 = System.nanoTime();
        provision(WARM, FLEET);
        double perTenantS = (System.nanoTime() - t0) / 1e9 / (FLEET - WARM);

        String namesAtWarm = threadNames();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> threads() <= threadsAtWarm + THREAD_SLACK);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertion below names the threads
        }
        long backendsAtFleet = quietBackends(ctx);
        long tenantBackends = tenantConnections(ctx);
        // measured as at WARM: once the pools' short-lived helper threads are gone (provisioning from the
        // template is fast enough that the last tenants' pools are still adding and closing when the await ends)
        int threadsAtFleet = quietThreads();

        double cpuS = jvmCpuSeconds();
        Thread.sleep(10_000);
        double idleCpu = (jvmCpuSeconds() - cpuS) / 10.0;

        System.out.printf("idle fleet: %d tenants: %d threads, %d client backends; %d tenants: %d threads, %d client backends; "
                        + "idle JVM CPU %.2f %% of a core; provisioning %.2f s per tenant%n",
                WARM, threadsAtWarm, backendsAtWarm, FLEET, threadsAtFleet, backendsAtFleet, idleCpu * 100, perTenantS);
        assertThat(threadsAtFleet).as("JVM threads with %d idle tenants (%d with %d)", FLEET, threadsAtWarm, WARM)
                .withFailMessage("%d threads with %d tenants, %d with %d; now: %s; then: %s",
                        threadsAtFleet, FLEET, threadsAtWarm, WARM, threadNames(), namesAtWarm)
                .isLessThanOrEqualTo(threadsAtWarm + THREAD_SLACK);
        assertThat(backendsAtFleet).as("Postgres client backends with %d idle tenants (%d with %d)", FLEET, backendsAtWarm, WARM)
                .isLessThanOrEqualTo(backendsAtWarm + 2);
        assertThat(tenantBackends).as("connections open to the %d quiet tenants' databases", FLEET).isZero();
        assertThat(idleCpu).as("share of one core the idle core's JVM uses").isLessThan(0.05);
    }

    private static void provision(int from, int to) {
        for (int i = from; i < to; i++) {
            core.createTenant("idle_" + i);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (int i = from; i < to; i++) {
                if (!rules.serving("idle_" + i)) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Threads once the short-lived ones (pool helpers that end after a few idle seconds) are gone. */
    private static int quietThreads() throws InterruptedException {
        int last = threads();
        for (int i = 0; i < 30; i++) {
            Thread.sleep(1000);
            int now = threads();
            if (now >= last && i >= 6) {
                return now;
            }
            last = Math.min(last, now);
        }
        return last;
    }

    /** Thread names with their numbers and tenant slugs folded, and how many of each. */
    private static String threadNames() {
        java.util.Map<String, Integer> byName = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            byName.merge(t.getName().replaceAll("idle_\\d+", "<tenant>").replaceAll("\\d+", "N"), 1, Integer::sum);
        }
        return byName.toString();
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    /** Client backends on the server once every quiet tenant's pool has shrunk to nothing (waited for, up to a minute). */
    private static long quietBackends(CoreContext ctx) throws Exception {
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> tenantConnections(ctx) == 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the assertions name the figures
        }
        return backends(ctx);
    }

    private static long backends(CoreContext ctx) throws Exception {
        return query(ctx, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    }

    private static long tenantConnections(CoreContext ctx) throws Exception {
        return query(ctx, "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname LIKE 'og_t_%'");
    }

    /** Summed over every Postgres server of the fleet: 50 tenants are spread over several (20 a server). */
    private static long query(CoreContext ctx, String sql) throws Exception {
        io.omniglass.core.tenancy.ServerRegistry servers = ctx.provisioner().servers().orElseThrow();
        long sum = 0;
        for (io.omniglass.core.tenancy.ServerRegistry.Server s : servers.list()) {
            io.omniglass.core.runtime.PgServer server = servers.connection(s.name());
            try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
                 Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                sum += rs.getLong(1);
            }
        }
        return sum;
    }

    private static double jvmCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }
}
