package io.omniglass.core.rules;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneSubjects;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Calc rules consume the data lane durably: kill -9 of a real core while inputs stream in, more
 * inputs while it is down, a restart; every calculated datapoint is then in the database exactly
 * once, with the value its own input gives.
 */
class CalcCrashTest {

    static final int INPUTS = 300;
    static final String PLANT = """
            {"name": "calc-crash", "locations": [{"name": "site"}],
             "systems": [{"name": "line", "location": "site"}],
             "components": [{"name": "m-1", "type": "meter", "system": "line", "location": "site"}],
             "rules": {"calc_rules": [{"name": "double-flow", "inputs": [{"owner": "component:m-1", "key": "flow", "as": "a"}],
                                       "expression": "a * 2", "output": {"owner": "system:line", "key": "flow"}}]}}
            """;
    static final String CALCULATED = """
            FROM metric_datapoint d JOIN series s ON s.id = d.series_id
            WHERE s.owner = 'system:line' AND s.provenance = 'calculated'""";

    @Test
    void killNineMidStreamThenRestartStoresEveryCalculatedDatapointOnce() throws Exception {
        try (TestInfra infra = TestInfra.start()) {
            CoreProcess first = CoreProcess.start(infra.env(), "-Xmx384m");
            CoreProcess second = null;
            String slug = "calc";
            try (Connection nats = Nats.connect(infra.natsUrl())) {
                OmniglassClient admin = new OmniglassClient(first.httpUrl(), first.adminToken());
                admin.createTenant(slug, "calc crash");
                admin.post("/api/v1/tenants/" + slug + "/import", OmniglassClient.JSON.readTree(PLANT),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });
                DataSource db = dataSource(infra.infrastructure().pg().jdbcUrl("og_t_" + slug));
                await().atMost(Duration.ofSeconds(30)).until(() -> consumerExists(nats, slug));

                Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(INPUTS + 60);
                for (int i = 0; i < INPUTS; i++) {
                    LaneDatapoint input = LaneDatapoint.observed("component:m-1", "flow", t0.plusSeconds(i), (double) i,
                            "test", "test-poll", 1);
                    nats.jetStream().publish(LaneSubjects.datapoints(slug, "metric"), LaneCodec.encode(input),
                            PublishOptions.builder().messageId("in-" + i).build());
                    if (i == INPUTS / 3) {
                        await().atMost(Duration.ofSeconds(60)).until(() -> RulesFixture.count(db, "SELECT count(*) " + CALCULATED) > 20);
                        first.kill9();
                        assertThat(first.alive()).isFalse();
                    }
                }
                long beforeRestart = RulesFixture.count(db, "SELECT count(*) " + CALCULATED);
                assertThat(beforeRestart).isLessThan(INPUTS);

                second = CoreProcess.start(infra.env(), "-Xmx384m");
                try {
                    // the dead core's unacknowledged deliveries come back after their ack wait (30 s)
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> RulesFixture.count(db, "SELECT count(*) " + CALCULATED) >= INPUTS);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(RulesFixture.count(db, "SELECT count(*) " + CALCULATED) + " of " + INPUTS
                            + " calculated; dead letters:\n" + RulesFixture.deadLetters(nats, slug) + "\n" + second.logTail(), e);
                }
                Thread.sleep(3000); // a late redelivery would show up as a surplus here
                assertThat(RulesFixture.count(db, "SELECT count(*) " + CALCULATED)).isEqualTo(INPUTS);
                assertThat(RulesFixture.count(db, "SELECT count(DISTINCT d.ts) " + CALCULATED)).isEqualTo(INPUTS);
                // each output is its own input doubled, at its input's ts: nothing computed from a stale value
                assertThat(RulesFixture.count(db, "SELECT count(*) " + CALCULATED
                        + " AND d.value = 2 * extract(epoch FROM d.ts - ?::timestamptz)", t0.toString())).isEqualTo(INPUTS);
            } finally {
                if (second != null) {
                    second.terminate();
                }
                first.close();
            }
        }
    }

    private static boolean consumerExists(Connection nats, String slug) throws Exception {
        try {
            nats.jetStreamManagement().getConsumerInfo(TenantStreams.dataStream(slug), CalcEngine.DURABLE);
            return true;
        } catch (JetStreamApiException e) {
            return false;
        }
    }

    private static DataSource dataSource(String jdbc) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(jdbc);
        ds.setUser("postgres");
        ds.setPassword("postgres");
        return ds;
    }
}
