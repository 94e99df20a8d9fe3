package io.omniglass.core.sink;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.lifecycle.LifecycleModule;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A changed retention moves the accepted window at once, not at a timed refresh: set through the
 * API (this instance's write), and written elsewhere (another instance, an operator's psql), which
 * the tenant's CDC feed of {@code retention_policy} carries. Until s12 the window was read again
 * once a minute, so a datapoint sent right after the change was still refused.
 */
class AcceptedWindowChangeTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new SinkModule(SinkSettings.defaults()), new PlantModule(),
                new LifecycleModule(Duration.ofDays(1)), new CdcModule()));
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

    /** A datapoint 150 days old, refused under the default 90 days: the window is read (and kept) from here on. */
    private static void refusedFirst(SinkFixture f) throws Exception {
        Instant d150 = Instant.now().minus(Duration.ofDays(150)).truncatedTo(ChronoUnit.MILLIS);
        f.publish("metric", List.of(SinkFixture.dp("component:pump-1", "discharge_pressure", d150, 1.0)), "before", Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> f.deadLetters().size() == 1);
        assertThat(f.deadLetters().get(0).error()).contains("older than the retention of metric_datapoint (90 days)");
    }

    @Test
    void aRetentionSetThroughTheApiMovesTheWindowForTheNextDatapoint() throws Exception {
        try (SinkFixture f = fixture("winapi")) {
            refusedFirst(f);
            core.admin().put("/api/v1/tenants/winapi/retention", Map.of("table", "metric_datapoint", "keep", "200d"),
                    new TypeReference<Map<String, Object>>() { });

            Instant d150 = Instant.now().minus(Duration.ofDays(150)).plusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
            f.publish("metric", List.of(SinkFixture.dp("component:pump-1", "discharge_pressure", d150, 2.0)), "after", Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> f.rows() == 1);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE value = 2.0")).isEqualTo(1);
            assertThat(f.deadLetters()).hasSize(1);
        }
    }

    @Test
    void aRetentionWrittenElsewhereMovesTheWindowByTheChangeFeed() throws Exception {
        try (SinkFixture f = fixture("winsql")) {
            refusedFirst(f);
            // as another core instance or an operator's psql would: no call into this instance
            f.count("INSERT INTO retention_policy (table_name, keep) VALUES ('metric_datapoint', interval '200 days') RETURNING 1");

            // the change reaches this core as a CDC message, at about the time a datapoint would: send
            // one a second until one is stored (each with its own ts); a minute's refresh would store none in 40 s
            AtomicInteger sent = new AtomicInteger();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                int i = sent.incrementAndGet();
                Instant ts = Instant.now().minus(Duration.ofDays(150)).plusSeconds(i).truncatedTo(ChronoUnit.MILLIS);
                f.publish("metric", List.of(SinkFixture.dp("component:pump-1", "discharge_pressure", ts, 10.0 + i)), "after-" + i, Map.of());
                return f.rows() >= 1;
            });
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE ts < now() - interval '100 days'")).isGreaterThanOrEqualTo(1);
        }
    }
}
