package io.omniglass.core.fleet;

import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.FleetHealth;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.Modules;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GET /api/v1/fleet/health on a real core (every module, embedded Postgres, nats-server): the
 * figures move as a user would see them move when datapoints land, a dead letter is produced, an
 * alarm is raised and acknowledged; a tenant-bound token sees its tenant only and no deployment.
 */
class FleetHealthTest {

    static final String A = "fh_a";
    static final String B = "fh_b";
    static TestCore core;
    static DataSource dbA;

    @BeforeAll
    static void start() {
        core = TestCore.start(Modules.all());
        Tenant a = core.createTenant(A);
        core.createTenant(B);
        dbA = core.core().context().tenantDataSource(a);
        RulesFixture.importPlant(dbA, A);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    static FleetHealth.TenantHealth row(FleetHealth h, String slug) {
        return h.tenants().stream().filter(t -> t.slug().equals(slug)).findFirst().orElseThrow();
    }

    @Test
    void figuresMoveWithIngestDeadLettersAndAlarms() throws Exception {
        OmniglassClient admin = core.admin();
        FleetHealth before = admin.fleetHealth();
        assertThat(before.tenants()).extracting(FleetHealth.TenantHealth::slug).contains(A, B);
        assertThat(row(before, A).deadLetters24h()).isZero();
        assertThat(row(before, A).activeAlarms()).isZero();
        assertThat(row(before, B).newestDatapointAt()).isNull();

        // 30 good datapoints, then one the sink must dead-letter (an owner the plant does not have)
        var nats = core.core().context().nats();
        Instant base = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.MILLIS);
        for (int i = 0; i < 30; i++) {
            RulesFixture.metric(nats, A, "component:pump-2", "temperature", base.plusMillis(i * 100L), 40 + i % 5, null, null);
        }
        Instant newest = base.plusMillis(29 * 100L);
        RulesFixture.metric(nats, A, "component:pump-404", "temperature", newest, 41, null, null);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            FleetHealth.TenantHealth a = row(admin.fleetHealth(), A);
            assertThat(a.deadLetters24h()).isEqualTo(1);
            assertThat(a.newestDatapointAt()).isNotNull();
            assertThat(a.newestDatapointAt().toInstant()).isEqualTo(newest);
        });
        FleetHealth after = admin.fleetHealth();
        FleetHealth.TenantHealth a = row(after, A);
        // 30 rows within the last minute: at least 30/60 per second, however long the core has run
        assertThat(a.ingestPerSecond()).isGreaterThanOrEqualTo(0.5);
        assertThat(a.newestDatapointAgeSeconds()).isGreaterThanOrEqualTo(0);
        assertThat(a.sinkBacklog()).isNotNull().isGreaterThanOrEqualTo(0);
        assertThat(a.cdcLagBytes()).as("the slot's lag from its server").isNotNull().isGreaterThanOrEqualTo(0);
        FleetHealth.TenantHealth b = row(after, B);
        assertThat(b.ingestPerSecond()).isZero();
        assertThat(b.deadLetters24h()).isZero();
        assertThat(b.newestDatapointAt()).isNull();

        // an alarm raised by the rule (pump temperature above 85) is counted active and unacknowledged ...
        RulesFixture.metric(nats, A, "component:pump-1", "temperature", Instant.now().truncatedTo(ChronoUnit.MILLIS), 95, null, null);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            FleetHealth.TenantHealth r = row(admin.fleetHealth(), A);
            assertThat(r.activeAlarms()).isEqualTo(1);
            assertThat(r.unackedAlarms()).isEqualTo(1);
        });
        // ... and once acknowledged (through the API: the count follows the change feed), no longer unacknowledged
        long id = RulesFixture.count(dbA, "SELECT max(id) FROM alarm");
        admin.ackAlarms(A, List.of(id), "seen on the board");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            FleetHealth.TenantHealth r = row(admin.fleetHealth(), A);
            assertThat(r.activeAlarms()).isEqualTo(1);
            assertThat(r.unackedAlarms()).isZero();
        });
        assertThat(row(admin.fleetHealth(), B).activeAlarms()).isZero();
    }

    @Test
    void pastItsBudgetARequestLeavesTheCountToTheBackground() {
        AlarmCounts counts = new AlarmCounts();
        try {
            Tenant a = core.core().context().tenant(A).orElseThrow();
            io.omniglass.core.gateway.Gateway gateway = io.omniglass.core.gateway.Gateway.forCore(core.core().context());
            long spent = System.nanoTime() - 1;
            assertThat(counts.of(gateway, a, spent)).as("not counted yet: queued").isNull();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(counts.of(gateway, a, spent)).isNotNull());
        } finally {
            counts.close();
        }
    }

    @Test
    void theDeploymentNamesThisCoreItsNatsServerAndItsPostgresServer() {
        FleetHealth h = core.admin().fleetHealth();
        assertThat(h.instance()).isEqualTo(core.core().context().instanceId());
        assertThat(h.deployment()).isNotNull();
        assertThat(h.deployment().cores()).anySatisfy(c -> {
            assertThat(c.id()).isEqualTo(h.instance());
            assertThat(c.thisCore()).isTrue();
            assertThat(c.state()).isEqualTo("up");
        });
        assertThat(h.deployment().natsServers()).first().satisfies(n -> {
            assertThat(n.state()).isEqualTo("connected");
            assertThat(n.version()).startsWith("2.");
            assertThat(n.url()).startsWith("nats://").doesNotContain("@");
        });
        assertThat(h.deployment().postgresServers()).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo("up");
            assertThat(s.control()).isTrue();
            assertThat(s.version()).startsWith("17");
            assertThat(s.tenants()).isGreaterThanOrEqualTo(2);
            assertThat(s.address()).doesNotContain("password");
        });
    }

    @Test
    void aTenantBoundTokenSeesItsTenantOnlyAndNoDeployment() {
        String token = core.admin().createToken(new CreateTokenRequest("viewer", B, null, "fleet-viewer-b")).token();
        FleetHealth h = core.client(token).fleetHealth();
        assertThat(h.tenants()).extracting(FleetHealth.TenantHealth::slug).containsExactly(B);
        assertThat(h.deployment()).isNull();
        assertThat(h.tenants().get(0).activeAlarms()).isZero();
    }
}
