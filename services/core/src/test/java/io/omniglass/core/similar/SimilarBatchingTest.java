package io.omniglass.core.similar;

import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.omniglass.core.rules.RulesFixture.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The raises that wait for the fingerprint executor are fingerprinted per tenant, together: the
 * raises queued for one tenant while the workers were busy are stored by one transaction (one
 * commit, one xmin), each with the fingerprint it would have had alone.
 */
class SimilarBatchingTest {

    @Test
    void raisesQueuedForOneTenantAreFingerprintedInOneTransaction() throws Exception {
        SimilarModule similar = new SimilarModule();
        try (TestCore core = TestCore.start(List.of(new GatewayModule(), similar))) {
            Tenant tenant = core.createTenant("batch");
            DataSource db = core.core().context().tenantDataSource(tenant);
            new PlantImporter(db).importPlant(PlantDescription.parseTree(SimilarHistory.PLANT), "test", "batch");
            try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO source_rule (name) VALUES ('sim-poll') ON CONFLICT DO NOTHING");
            }
            // the tenant's start-up backfill has run (nothing to do) before the raises are written
            await().atMost(Duration.ofSeconds(60)).until(() -> similar.db("batch").isPresent());
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(60)).until(similar::idle);

            // both workers busy: the raises wait for the tenant's turn
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch busy = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                assertThat(similar.submit(() -> {
                    busy.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })).isTrue();
            }
            assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
            SimilarHistory history = new SimilarHistory(db);
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            List<Long> raises = new ArrayList<>();
            for (int p = 1; p <= 4; p++) {
                raises.add(history.occurrence("pump-" + p, "pump-temperature-high", now.minus(Duration.ofMinutes(60 - p)),
                        SimilarHistory.BEARING));
            }
            for (long raise : raises) {
                similar.raised("batch", raise);
            }
            release.countDown();

            String ids = raises.stream().map(String::valueOf).collect(Collectors.joining(","));
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    count(db, "SELECT count(*) FROM alarm_fingerprint WHERE event_id IN (" + ids + ")") == 4);
            assertThat(count(db, "SELECT count(DISTINCT xmin::text) FROM alarm_fingerprint WHERE event_id IN (" + ids + ")"))
                    .as("the four raises queued for the tenant are stored by one transaction")
                    .isEqualTo(1);
            assertThat(count(db, "SELECT count(*) FROM alarm_fingerprint WHERE event_id IN (" + ids + ") AND samples = 3 * 180"))
                    .as("each with its own lead-up: 3 keys every 10 s over (raise - 30 min, raise]")
                    .isEqualTo(4);
        }
    }
}
