package io.omniglass.core.sink;

import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A live tenant's datapoints, each a message of its own and sent within the batch wait, are
 * written in one transaction (issue 11: one commit per datapoint was what 180 live tenants cost),
 * and each still lands once.
 */
class SinkLiveCoalescingTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void singleDatapointMessagesSentWithinTheBatchWaitCommitTogether() throws Exception {
        Tenant t = core.createTenant("coalesce");
        try (SinkFixture f = new SinkFixture("coalesce", core.core().context().tenantDataSource(t),
                core.core().context().infrastructure().natsUrl())) {
            f.importPlant(SinkFixture.SMALL_PLANT);
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            for (int i = 0; i < 5; i++) {
                f.publish("metric", SinkFixture.dp("component:pump-1", "discharge_pressure", now.plusMillis(i), 4.0 + i),
                        "c-" + i, Map.of());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> f.rows() == 5);
            // rows inserted by one transaction share its xmin
            assertThat(f.count("SELECT count(DISTINCT xmin::text) FROM metric_datapoint")).isEqualTo(1);
            assertThat(f.count("SELECT count(DISTINCT ts) FROM metric_datapoint")).isEqualTo(5);
        }
    }
}
