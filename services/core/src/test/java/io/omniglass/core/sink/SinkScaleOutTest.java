package io.omniglass.core.sink;

import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two core instances share one tenant's data lane and together store each datapoint once. */
class SinkScaleOutTest {

    @Test
    void twoInstancesSplitTheLaneAndStoreEachDatapointOnce() throws Exception {
        try (TestInfra infra = TestInfra.start();
             TestCore a = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule()), infra.env());
             TestCore b = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule()), infra.env())) {
            Tenant t = a.createTenant("shared");
            // b learns of the tenant from a's announcement on NATS and starts its sink for it
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    b.core().context().metrics().find("og.sink.messages").tag("tenant", "shared").counter() != null);
            try (SinkFixture f = new SinkFixture("shared", a.core().context().tenantDataSource(t), infra.natsUrl())) {
                StringBuilder plant = new StringBuilder("name: p\nlocations: [{name: site}]\ncomponents:\n");
                for (int i = 0; i < 50; i++) {
                    plant.append("  - {name: m-").append(i).append(", type: meter, location: site}\n");
                }
                f.importPlant(plant.toString());
                Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
                int messages = 2000;
                int perMessage = 20;
                for (int m = 0; m < messages; m++) {
                    List<Map<String, Object>> body = new ArrayList<>();
                    for (int k = 0; k < perMessage; k++) {
                        // each message overlaps the previous one by half: overlapping keys on both instances
                        long n = (long) m * perMessage / 2 + k;
                        body.add(SinkFixture.dp("component:m-" + (n % 50), "flow", t0.plusMillis(n / 50), (double) n));
                    }
                    f.publish("metric", body, "s-" + m, Map.of());
                }
                long unique = (long) (messages - 1) * perMessage / 2 + perMessage;
                await().atMost(Duration.ofSeconds(90)).until(() ->
                        SinkExactlyOnceTest.messagesAcked(a.core().context(), "shared")
                                + SinkExactlyOnceTest.messagesAcked(b.core().context(), "shared") >= messages);
                assertThat(f.count("SELECT count(*) FROM metric_datapoint")).isEqualTo(unique);
                assertThat(f.count("SELECT count(*) FROM (SELECT series_id, ts FROM metric_datapoint GROUP BY 1, 2 HAVING count(*) > 1) d")).isZero();
                assertThat(f.count("SELECT count(*) FROM series")).isEqualTo(50);
                assertThat(f.deadLetters()).isEmpty();
                double byA = SinkExactlyOnceTest.messagesAcked(a.core().context(), "shared");
                double byB = SinkExactlyOnceTest.messagesAcked(b.core().context(), "shared");
                assertThat(byA + byB).isEqualTo(messages);
                assertThat(byA).as("messages handled by instance a").isPositive();
                assertThat(byB).as("messages handled by instance b").isPositive();
            }
        }
    }
}
