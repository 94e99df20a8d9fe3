package io.omniglass.core.sink;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of the core in the middle of a large publish, then a restart: the row count equals the
 * unique datapoints published; nothing lost, nothing doubled.
 */
class SinkCrashTest {

    static final int DATAPOINTS = 200_000;
    static final int PER_MESSAGE = 200;
    static final int SERIES = 100;

    @Test
    void killNineMidPublishThenRestartStoresEveryUniqueDatapointOnce() throws Exception {
        try (TestInfra infra = TestInfra.start()) {
            Map<String, String> env = new HashMap<>(infra.env());
            env.put("OMNIGLASS_SINK_ACK_WAIT_S", "10"); // redelivery of the dead core's batches within seconds
            CoreProcess first = CoreProcess.start(env, "-Xmx512m");
            String slug = "crash";
            OmniglassClient admin = new OmniglassClient(first.httpUrl(), first.adminToken());
            admin.createTenant(slug, "crash test");
            StringBuilder plant = new StringBuilder("{\"name\": \"p\", \"locations\": [{\"name\": \"site\"}], \"components\": [");
            for (int i = 0; i < SERIES; i++) {
                plant.append(i == 0 ? "" : ",").append("{\"name\": \"m-").append(i).append("\", \"type\": \"meter\", \"location\": \"site\"}");
            }
            plant.append("]}");
            admin.post("/api/v1/tenants/" + slug + "/import", SinkFixture.JSON.readTree(plant.toString()),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });

            String jdbc = infra.infrastructure().pg().jdbcUrl("og_t_" + slug);
            try (SinkFixture f = new SinkFixture(slug, dataSource(jdbc), infra.natsUrl())) {
                Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1200);
                int messages = DATAPOINTS / PER_MESSAGE;
                CoreProcess second = null;
                try {
                    for (int m = 0; m < messages; m++) {
                        f.publish("metric", message(t0, m), "c-" + m, Map.of());
                        if (m % 10 == 9) {
                            // the previous message again under a new id: a republish the stream keeps and the sink drops
                            f.publish("metric", message(t0, m - 1), "c-" + m + "-again", Map.of());
                        }
                        if (m == messages / 2) {
                            await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM metric_datapoint") > 10_000);
                            first.kill9();
                            assertThat(first.alive()).isFalse();
                        }
                    }
                    long beforeRestart = f.count("SELECT count(*) FROM metric_datapoint");
                    assertThat(beforeRestart).isLessThan(DATAPOINTS);
                    second = CoreProcess.start(env, "-Xmx512m");
                    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                            .until(() -> f.count("SELECT count(*) FROM metric_datapoint") >= DATAPOINTS);
                    Thread.sleep(2000); // any late redelivery would show up as a surplus here
                    assertThat(f.count("SELECT count(*) FROM metric_datapoint")).isEqualTo(DATAPOINTS);
                    assertThat(f.count("SELECT count(DISTINCT value) FROM metric_datapoint")).isEqualTo(DATAPOINTS);
                    assertThat(f.deadLetters()).isEmpty();
                } finally {
                    if (second != null) {
                        second.terminate();
                    }
                    first.close();
                }
            }
        }
    }

    private static List<Map<String, Object>> message(Instant t0, int m) {
        List<Map<String, Object>> body = new ArrayList<>(PER_MESSAGE);
        for (int k = 0; k < PER_MESSAGE; k++) {
            long n = (long) m * PER_MESSAGE + k;
            body.add(SinkFixture.dp("component:m-" + (n % SERIES), "flow", t0.plusMillis(n / SERIES), (double) n));
        }
        return body;
    }

    private static DataSource dataSource(String jdbc) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(jdbc);
        ds.setUser("postgres");
        ds.setPassword("postgres");
        return ds;
    }
}
