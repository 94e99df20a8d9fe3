package io.omniglass.core.fleet;

import io.omniglass.api.AddServerRequest;
import io.omniglass.api.FleetHealth;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantDatabases;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet board's Postgres servers and the core's own view of them ({@code ServerStates}, which
 * /healthz and the tenants' pools follow) agree: a server the board finds unreachable is made
 * suspect, so its tenants' pools refuse at once without any of their own work having failed first;
 * and while it is known down the board reports that state, with when and why, instead of asking it again.
 */
class FleetServersAgreeTest {

    @Test
    void aServerTheBoardFindsDownIsDownForItsTenantsAndTheBoardThenReportsTheCoresOwnFinding() throws Exception {
        try (ExtraPostgres pg2 = ExtraPostgres.start();
             TestCore core = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), new FleetModule(null)))) {
            core.admin().addServer(new AddServerRequest("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null));
            Tenant far = core.core().context().provisioner().create("far", "far", Optional.of("pg2"), "test");
            TenantDatabases dbs = core.core().context().tenantDatabases();
            assertThat(servers(core)).extracting(FleetHealth.PostgresServer::state).containsOnly("up");
            assertThat(dbs.impaired(far)).isFalse();

            pg2.kill9();
            // no work of the tenant runs (no sink here): only the board's question meets the dead server
            FleetHealth.PostgresServer seen = server(core, false);
            assertThat(seen.state()).isEqualTo("down");
            await().atMost(Duration.ofSeconds(60)).until(() -> dbs.impaired(far));
            assertThat(dbs.serverStates().down()).extracting(s -> s.server()).containsExactly("pg2");

            FleetHealth.PostgresServer known = server(core, false);
            assertThat(known.state()).isEqualTo("down");
            assertThat(known.error()).startsWith("down since ");
            assertThat(server(core, true).state()).as("the control server answers").isEqualTo("up");

            pg2.restart();
            await().atMost(Duration.ofSeconds(60)).until(() -> !dbs.impaired(far));
            await().atMost(Duration.ofSeconds(30)).until(() -> "up".equals(server(core, false).state()));
        }
    }

    private static List<FleetHealth.PostgresServer> servers(TestCore core) {
        return core.admin().fleetHealth().deployment().postgresServers();
    }

    private static FleetHealth.PostgresServer server(TestCore core, boolean control) {
        return servers(core).stream().filter(s -> s.control() == control).findFirst().orElseThrow();
    }
}
