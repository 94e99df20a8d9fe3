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

    /**
     * The direct COPY refuses a batch that repeats stored rows (a redelivery after a crash, a
     * republish); the staged merge then stores its new rows once, keeps the first stored value of
     * each repeat, and moves the current value to the newest row, never back to an older one.
     */
    @Test
    void aRedeliveredBatchMixedWithNewRowsStoresEachRowOnceAndTheNewestIsCurrent() throws Exception {
        try (SinkFixture f = fixture("mixed")) {
            CoreContext ctx = core.core().context();
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(120);
            List<Map<String, Object>> first = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                first.add(SinkFixture.dp("component:pump-1", "discharge_pressure", t0.plusMillis(i * 10L), 10.0 + i));
            }
            f.publish("metric", first, null, Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> messagesAcked(ctx, "mixed") == 1);
            assertThat(current(f)).isEqualTo(t0.plusMillis(490) + " 59.0");

            List<Map<String, Object>> mixed = new ArrayList<>();
            for (int i = 0; i < 20; i++) { // new, but older than the current value
                mixed.add(SinkFixture.dp("component:pump-1", "discharge_pressure", t0.minusMillis(1000 - i * 10L), -1.0 - i));
            }
            for (int i = 0; i < 50; i++) { // stored already, another value: the first stored wins
                mixed.add(SinkFixture.dp("component:pump-1", "discharge_pressure", t0.plusMillis(i * 10L), 1000.0 + i));
            }
            for (int i = 0; i < 50; i++) { // new and newer
                mixed.add(SinkFixture.dp("component:pump-1", "discharge_pressure", t0.plusMillis(500 + i * 10L), 100.0 + i));
            }
            java.util.Collections.shuffle(mixed, new java.util.Random(18));
            f.publish("metric", mixed, null, Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> messagesAcked(ctx, "mixed") == 2);

            assertThat(f.count("SELECT count(*) FROM metric_datapoint")).isEqualTo(120);
            assertThat(f.count("SELECT count(DISTINCT ts) FROM metric_datapoint")).isEqualTo(120);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE value >= 1000")).isZero();
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE value < 0")).isEqualTo(20);
            assertThat(current(f)).isEqualTo(t0.plusMillis(990) + " 149.0");
            assertThat(duplicates(ctx, "mixed")).isEqualTo(50);
            assertThat(f.deadLetters()).isEmpty();
        }
    }

    /** The current value of pump-1's discharge pressure as "ts value". */
    private static String current(SinkFixture f) throws Exception {
        try (java.sql.Connection c = f.db.getConnection(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SELECT ts, value_num FROM current_value "
                     + "WHERE owner = 'component:pump-1' AND key = 'discharge_pressure'")) {
            assertThat(rs.next()).isTrue();
            String out = rs.getObject(1, java.time.OffsetDateTime.class).toInstant() + " " + rs.getDouble(2);
            assertThat(rs.next()).isFalse();
            return out;
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
