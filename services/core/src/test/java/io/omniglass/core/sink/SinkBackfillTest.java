package io.omniglass.core.sink;

import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Backfill (issue 11): the accepted window follows the tenant's retention, a day without a
 * partition gets one on demand, and only data older than retention (or far ahead) is dead-lettered.
 */
class SinkBackfillTest {

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

    private SinkFixture fixture(String slug) throws Exception {
        Tenant t = core.createTenant(slug);
        SinkFixture f = new SinkFixture(slug, core.core().context().tenantDataSource(t),
                core.core().context().infrastructure().natsUrl());
        f.importPlant(SinkFixture.SMALL_PLANT);
        return f;
    }

    private static String partition(Instant ts) {
        return "metric_datapoint_p" + ts.atZone(ZoneOffset.UTC).toLocalDate().format(DateTimeFormatter.BASIC_ISO_DATE);
    }

    @Test
    void aDatapointSixtyDaysOldLandsInAPartitionMadeOnDemandAndOneOlderThanRetentionIsDeadLettered() throws Exception {
        try (SinkFixture f = fixture("backfill")) {
            Instant old = Instant.now().minus(Duration.ofDays(60)).truncatedTo(ChronoUnit.MILLIS);
            Instant tooOld = Instant.now().minus(Duration.ofDays(120)).truncatedTo(ChronoUnit.MILLIS);
            Instant tooFar = Instant.now().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.MILLIS);
            assertThat(f.count("SELECT count(*) FROM pg_class WHERE relname = '" + partition(old) + "'")).isZero();

            f.publish("metric", List.of(
                    SinkFixture.dp("component:pump-1", "discharge_pressure", old, 4.2),
                    SinkFixture.dp("component:pump-1", "discharge_pressure", tooOld, 4.3),
                    SinkFixture.dp("component:pump-1", "discharge_pressure", tooFar, 4.4),
                    SinkFixture.dp("component:pump-2", "discharge_pressure", Instant.now(), 4.5)), "b-1", Map.of());

            await().atMost(Duration.ofSeconds(30)).until(() -> f.rows() == 2);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE value = 4.2 AND ts = '" + old + "'")).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM " + partition(old))).isEqualTo(1);
            // still no default partition: the new one is a day like the others
            assertThat(f.count("SELECT count(*) FROM pg_partitioned_table WHERE partdefid <> 0")).isZero();

            await().atMost(Duration.ofSeconds(10)).until(() -> f.deadLetters().size() == 2);
            List<SinkFixture.DeadLetter> dead = f.deadLetters();
            assertThat(dead).extracting(SinkFixture.DeadLetter::index).containsExactlyInAnyOrder("1", "2");
            SinkFixture.DeadLetter outside = dead.stream().filter(d -> d.index().equals("1")).findFirst().orElseThrow();
            assertThat(outside.error()).startsWith("ts_outside_window").contains("older than the retention of metric_datapoint (90 days)");
            assertThat(outside.body()).contains(tooOld.toString());
            assertThat(dead.stream().filter(d -> d.index().equals("2")).findFirst().orElseThrow().error())
                    .startsWith("ts_outside_window").contains("in the future");
            assertThat(f.count("SELECT count(*) FROM pg_class WHERE relname = '" + partition(tooOld) + "'")).isZero();
        }
    }

    @Test
    void theWindowFollowsTheTenantsOwnRetention() throws Exception {
        try (SinkFixture f = fixture("longkeep")) {
            // before the first datapoint, so the sink reads it on its first check
            f.count("INSERT INTO retention_policy (table_name, keep) VALUES ('metric_datapoint', interval '200 days') RETURNING 1");
            Instant d150 = Instant.now().minus(Duration.ofDays(150)).truncatedTo(ChronoUnit.MILLIS);
            Instant d250 = Instant.now().minus(Duration.ofDays(250)).truncatedTo(ChronoUnit.MILLIS);
            f.publish("metric", List.of(
                    SinkFixture.dp("component:pump-1", "discharge_pressure", d150, 1.0),
                    SinkFixture.dp("component:pump-1", "discharge_pressure", d250, 2.0)), "k-1", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> f.rows() == 1 && f.deadLetters().size() == 1);
            assertThat(f.count("SELECT count(*) FROM " + partition(d150))).isEqualTo(1);
            assertThat(f.deadLetters().get(0).error()).contains("(200 days)");
        }
    }
}
