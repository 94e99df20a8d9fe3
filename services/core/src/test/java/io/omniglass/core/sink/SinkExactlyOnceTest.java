package io.omniglass.core.sink;

import io.omniglass.core.CoreContext;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every datapoint published lands once: repeats, overlaps and redelivery leave one row per (series, ts). */
class SinkExactlyOnceTest {

    static TestCore core;
    static SinkModule sink;

    @BeforeAll
    static void start() {
        sink = new SinkModule(SinkSettings.defaults());
        core = TestCore.start(List.of(sink, new PlantModule()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private SinkFixture fixture(String slug) throws Exception {
        Tenant t = core.createTenant(slug);
        SinkFixture f = new SinkFixture(slug, core.core().context().tenantDataSource(t),
                core.core().context().infrastructure().natsUrl());
        f.importPlant(SinkFixture.SMALL_PLANT);
        return f;
    }

    @Test
    void repeatsAndOverlapsLeaveOneRowPerSeriesAndTs() throws Exception {
        try (SinkFixture f = fixture("once")) {
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
            List<Map<String, Object>> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(SinkFixture.dp("component:pump-1", "discharge_pressure", t0.plusMillis(i * 10L), 4.0 + i));
            }
            // the same message twice, no dedup id: both reach the stream, the merge drops the repeat
            f.publish("metric", batch, null, Map.of());
            f.publish("metric", batch, null, Map.of());
            // the same message twice with one Nats-Msg-Id: JetStream keeps one
            List<Map<String, Object>> second = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                second.add(SinkFixture.dp("component:pump-2", "discharge_pressure", t0.plusMillis(i * 10L), 1.0));
            }
            f.publish("metric", second, "m-2", Map.of());
            f.publish("metric", second, "m-2", Map.of());
            // the same (series, ts) in a different message with another value: the first stored wins
            f.publish("metric", List.of(SinkFixture.dp("component:pump-1", "discharge_pressure", t0, 1234.5)), null, Map.of());
            // a single datapoint object (no array) is a message too
            f.publish("state", SinkFixture.dp("component:valve-1", "position", t0, "open"), null, Map.of());

            CoreContext ctx = core.core().context();
            await().atMost(Duration.ofSeconds(30)).until(() -> messagesAcked(ctx, "once") == 5);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint d JOIN series s ON s.id = d.series_id WHERE s.owner = 'component:pump-1'")).isEqualTo(100);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint d JOIN series s ON s.id = d.series_id WHERE s.owner = 'component:pump-2'")).isEqualTo(50);
            assertThat(f.count("SELECT count(*) FROM state_datapoint")).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE value = 1234.5")).isZero();
            assertThat(f.count("SELECT count(*) FROM series")).isEqualTo(3);
            assertThat(duplicates(ctx, "once")).isEqualTo(101);

            // redelivery: a fresh durable consumer replays the whole stream into the same tables
            sink.close();
            ctx.nats().jetStreamManagement().deleteConsumer(TenantStreams.dataStream("once"), SinkSettings.DURABLE);
            sink = new SinkModule(SinkSettings.defaults());
            sink.start(ctx);
            sink.tenantActive(ctx, ctx.tenant("once").orElseThrow());
            await().atMost(Duration.ofSeconds(30)).until(() -> messagesAcked(ctx, "once") == 10);
            assertThat(f.rows()).isEqualTo(151);
            assertThat(duplicates(ctx, "once")).isEqualTo(101 + 252);
            assertThat(f.deadLetters()).isEmpty();
        }
    }

    static double messagesAcked(CoreContext ctx, String slug) {
        var c = ctx.metrics().find("og.sink.messages").tag("tenant", slug).counter();
        return c == null ? 0 : c.count();
    }

    static double duplicates(CoreContext ctx, String slug) {
        var c = ctx.metrics().find("og.sink.duplicates").tag("tenant", slug).counter();
        return c == null ? 0 : c.count();
    }
}
