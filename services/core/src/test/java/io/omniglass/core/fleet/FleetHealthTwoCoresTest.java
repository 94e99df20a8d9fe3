package io.omniglass.core.fleet;

import io.omniglass.api.FleetHealth;
import io.omniglass.core.Modules;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real cores on one Postgres and one nats-server split a tenant's sink between them; each
 * board sums both cores' shares, so both answer the same dead-letter count and newest datapoint
 * (without the peers' shares each would show only what its own sink took).
 */
class FleetHealthTwoCoresTest {

    static final String T = "fh_two";
    static final int BAD = 40;
    static TestInfra infra;
    static TestCore a;
    static TestCore b;

    @BeforeAll
    static void start() {
        infra = TestInfra.start();
        a = TestCore.start(Modules.all(), infra.env());
        b = TestCore.start(Modules.all(), infra.env());
        Tenant t = a.createTenant(T);
        RulesFixture.importPlant(a.core().context().tenantDataSource(t), T);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{b, a, infra}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next one still closes
            }
        }
    }

    static FleetHealth.TenantHealth row(FleetHealth h) {
        return h.tenants().stream().filter(x -> x.slug().equals(T)).findFirst().orElseThrow();
    }

    @Test
    void eachCoreAnswersForTheWholeFleetNotOnlyForItsShare() throws Exception {
        // both cores know each other (the lease registry) before the board can ask the other
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(a.admin().fleetHealth().deployment().cores()).filteredOn(c -> c.state().equals("up")).hasSize(2);
            assertThat(b.admin().fleetHealth().deployment().cores()).filteredOn(c -> c.state().equals("up")).hasSize(2);
        });
        var nats = a.core().context().nats();
        Instant base = Instant.now().minusSeconds(10).truncatedTo(ChronoUnit.MILLIS);
        Instant newest = base;
        for (int i = 0; i < BAD; i++) {
            // one message each, so that both cores' sinks take some: a good datapoint and one for an unknown pump
            Instant ts = base.plusMillis(i * 10L);
            RulesFixture.metric(nats, T, "component:pump-2", "temperature", ts, 40, null, null);
            RulesFixture.metric(nats, T, "component:pump-404", "temperature", ts, 40, null, null);
            newest = ts;
        }
        Instant expectedNewest = newest;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            for (TestCore c : new TestCore[]{a, b}) {
                FleetHealth h = c.admin().fleetHealth();
                assertThat(h.coresReporting()).isEqualTo(2);
                assertThat(row(h).deadLetters24h()).as("dead letters on the board of %s", h.instance()).isEqualTo(BAD);
                assertThat(row(h).newestDatapointAt().toInstant()).isEqualTo(expectedNewest);
            }
        });
        // each core's own sink saw only its part (together the total): so both boards above showing the
        // total means each counted the other's share
        assertThat(localDeadLetters(a) + localDeadLetters(b)).isEqualTo(BAD);
    }

    static double localDeadLetters(TestCore c) {
        return c.core().context().metrics().find(LocalFigures.DLQ_LAST_DAY).tag("tenant", T).gauges()
                .stream().mapToDouble(g -> g.value()).sum();
    }
}
