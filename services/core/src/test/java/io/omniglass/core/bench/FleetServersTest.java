package io.omniglass.core.bench;

import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmarks' Postgres figures with a fleet on two servers (the control server and a second
 * real Postgres registered with {@code server add}): the backends, walsenders, sessions, WAL and
 * CPU of a tenant on the second server are counted, there and in the sums. Before FleetServers the
 * benchmarks asked the control server and read the embedded postmaster's CPU only, and saw none of it.
 */
class FleetServersTest {

    static ExtraPostgres pg2;
    static TestCore core;

    @BeforeAll
    static void start() {
        pg2 = ExtraPostgres.start();
        core = TestCore.start(List.of());
        core.core().context().provisioner().servers().orElseThrow()
                .add("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null, AuditActor.named("test"));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
        if (pg2 != null) {
            pg2.close();
        }
    }

    @Test
    void aTenantOnTheSecondServerIsCountedThereAndInTheSums() throws Exception {
        CoreContext ctx = core.core().context();
        Tenant near = ctx.provisioner().create("near", "near", Optional.of("default"), "test");
        Tenant far = ctx.provisioner().create("far", "far", Optional.of("pg2"), "test");
        try (FleetServers servers = FleetServers.open(ctx)) {
            assertThat(servers.names()).containsExactly("default", "pg2");
            assertThat(servers.describe()).filteredOn(d -> d.get("name").equals("pg2")).singleElement()
                    .satisfies(d -> {
                        assertThat(d.get("tenants")).isEqualTo(1);
                        assertThat(d.get("cpu_measured")).isEqualTo(true);
                        assertThat(d).doesNotContainKey("error");
                        assertThat(d.get("jdbc_url").toString()).doesNotContain(pg2.password());
                    });
            Map<String, Long> sessions0 = servers.sessions();
            long walFar0 = servers.walPosition("pg2");

            // the tenant on pg2 live: a connection of its system pool in use, and a replication session on its database
            try (Connection pooled = Gateway.forCore(ctx).system(far, SystemPurpose.BENCH).connection();
                 Connection walsender = replicationConnection(ctx.tenantDatabases().server(far), far.databaseName())) {
                Map<String, Map<String, Long>> backends = servers.backends();
                assertThat(backends.get("pg2").get("client_backends")).isGreaterThanOrEqualTo(1);
                assertThat(backends.get("pg2").get("walsenders")).isEqualTo(1);
                assertThat(backends.get("default").get("walsenders")).isZero();
                Map<String, Long> sum = FleetServers.sum(backends);
                assertThat(sum.get("walsenders")).isEqualTo(1);
                assertThat(sum.get("client_backends"))
                        .isEqualTo(backends.get("default").get("client_backends") + backends.get("pg2").get("client_backends"));

                assertThat(servers.backendsByApplication(60).get("pg2"))
                        .anySatisfy(row -> {
                            assertThat(row.get("application_name")).isEqualTo("omniglass-core system");
                            assertThat(row.get("backend_type")).isEqualTo("client backend");
                            assertThat((Long) row.get("opened_in_window")).isGreaterThanOrEqualTo(1);
                        })
                        .anySatisfy(row -> assertThat(row.get("backend_type")).isEqualTo("walsender"));
                assertThat(servers.backendHolders().get("pg2"))
                        .anySatisfy(row -> {
                            assertThat(row.get("database")).isEqualTo("tenant");
                            assertThat(row.get("application_name")).isEqualTo("omniglass-core system");
                        })
                        .noneSatisfy(row -> assertThat(row.get("database")).isEqualTo("control"));
                // a session opened on pg2 is counted there once its backend reports its statistics
                try (Connection fresh = DriverManager.getConnection(ctx.tenantDatabases().jdbcUrl(far), pg2.user(), pg2.password());
                     Statement st = fresh.createStatement()) {
                    st.execute("SELECT pg_stat_force_next_flush()");
                    assertThat(servers.sessions().get("pg2")).isGreaterThan(sessions0.get("pg2"));
                }

                // CPU and WAL of work in the far tenant's database: its server's, and in the total
                Map<String, Double> cpu0 = servers.cpuSeconds();
                try (Statement st = pooled.createStatement()) {
                    st.execute("INSERT INTO audit_log (actor, verb, resource, new) VALUES ('test', 'write', 'x', '{}'::jsonb)");
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM generate_series(1, 5000000) g WHERE g % 7 = 3")) {
                        rs.next();
                    }
                }
                Map<String, Double> cpu1 = servers.cpuSeconds();
                double farCpu = cpu1.get("pg2") - cpu0.get("pg2");
                assertThat(farCpu).isGreaterThan(0.05);
                assertThat(cpu1.get("total") - cpu0.get("total")).isGreaterThanOrEqualTo(farCpu - 0.011);
                assertThat(FleetServers.cpuPercent(cpu0, cpu1, 1.0)).containsKeys("default", "pg2", "total");
                assertThat(servers.walPosition("pg2")).isGreaterThan(walFar0);
            }
        }
        assertThat(near.server()).isEqualTo("default");
    }

    @Test
    void rowsOfSeveralServersAreMergedByEverythingButTheirCounts() {
        Map<String, List<Map<String, Object>>> byServer = new java.util.LinkedHashMap<>();
        byServer.put("a", List.of(Map.of("application_name", "x", "backend_type", "walsender", "open", 2L, "opened_in_window", 1L),
                Map.of("application_name", "y", "backend_type", "client backend", "open", 1L, "opened_in_window", 0L)));
        byServer.put("b", List.of(Map.of("application_name", "y", "backend_type", "client backend", "open", 4L, "opened_in_window", 3L)));
        List<Map<String, Object>> merged = FleetServers.merge(byServer, List.of("open", "opened_in_window"));
        assertThat(merged).hasSize(2);
        assertThat(merged.get(0)).containsEntry("application_name", "y").containsEntry("open", 5L).containsEntry("opened_in_window", 3L);
        assertThat(merged.get(1)).containsEntry("application_name", "x").containsEntry("open", 2L);
    }

    /** A logical replication connection (a walsender backend) to {@code database}, as CDC opens one. */
    private static Connection replicationConnection(PgServer server, String database) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", server.user());
        p.setProperty("password", server.password());
        p.setProperty("replication", "database");
        p.setProperty("assumeMinServerVersion", "10");
        p.setProperty("preferQueryMode", "simple");
        return DriverManager.getConnection(server.jdbcUrl(database), p);
    }
}
