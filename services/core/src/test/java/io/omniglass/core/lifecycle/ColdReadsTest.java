package io.omniglass.core.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.DatapointValue;
import io.omniglass.api.FleetAggregates;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.OmniglassClient.ApiException;
import io.omniglass.api.SeriesAggregates;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reads across tiers: history and aggregates answer the same rows and figures before and after
 * the days are tiered to Parquet, and a scoped token's cold reads are as narrow as its hot ones.
 */
class ColdReadsTest {

    static TestCore core;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new PlantModule(), new LifecycleModule(Duration.ofDays(1))));
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void historyAndAggregatesAreTheSameBeforeAndAfterTieringAndScopeAppliesToColdReads() throws Exception {
        Tenant t = core.createTenant("reads");
        LifecycleFixture f = new LifecycleFixture(core.core().context().tenantDataSource(t), "reads");
        long a = f.series("pump-1", "discharge_pressure");   // site-a
        long b = f.series("pump-2", "discharge_pressure");   // site-b
        long st = f.series("pump-1", "mode");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int d : new int[] {12, 11, 10, 2}) {
            f.metricDay(a, today.minusDays(d), 1);
            f.metricDay(b, today.minusDays(d), 5);
        }
        f.stateDay(st, today.minusDays(40));
        OffsetDateTime from = today.minusDays(13).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime to = today.atStartOfDay().atOffset(ZoneOffset.UTC);

        List<DatapointValue> historyBefore = admin.seriesHistory("reads", a, from, to, 100_000).points();
        List<DatapointValue> stateBefore = admin.seriesHistory("reads", st, from.minusDays(30), to, 1000).points();
        SeriesAggregates hourlyBefore = admin.seriesAggregates("reads", a, from, to, "1h");
        FleetAggregates dailyBefore = admin.aggregates("reads", "key = discharge_pressure", from, to, "1d");
        assertThat(historyBefore).hasSize(4 * 1440);
        assertThat(stateBefore).hasSize(24);
        assertThat(hourlyBefore.buckets()).hasSize(4 * 24);
        assertThat(hourlyBefore.coldBefore()).isNull();
        assertThat(dailyBefore.series()).hasSize(2);
        // the figures are the data's: minute m of a day holds (m % 97) * 0.5 + series
        var firstDay = dailyBefore.series().get(0).buckets().get(0);
        assertThat(firstDay.count()).isEqualTo(1440);
        assertThat(firstDay.min()).isEqualTo(a);
        assertThat(firstDay.max()).isEqualTo(96 * 0.5 + a);
        assertThat(firstDay.first()).isEqualTo(a);
        assertThat(firstDay.last()).isEqualTo((1439 % 97) * 0.5 + a);

        Map<String, Object> report = admin.post("/api/v1/tenants/reads/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
        assertThat((List<?>) report.get("tiered")).hasSize(4); // three metric days, one state day
        assertThat(f.partitionExists("metric_datapoint", today.minusDays(10))).isFalse();
        assertThat(f.partitionExists("metric_datapoint", today.minusDays(2))).isTrue();

        assertThat(admin.seriesHistory("reads", a, from, to, 100_000).points()).isEqualTo(historyBefore);
        assertThat(admin.seriesHistory("reads", st, from.minusDays(30), to, 1000).points()).isEqualTo(stateBefore);
        SeriesAggregates hourlyAfter = admin.seriesAggregates("reads", a, from, to, "1h");
        assertThat(hourlyAfter.buckets()).isEqualTo(hourlyBefore.buckets());
        assertThat(hourlyAfter.coldBefore()).isEqualTo(today.minusDays(9).atStartOfDay().atOffset(ZoneOffset.UTC));
        FleetAggregates dailyAfter = admin.aggregates("reads", "key = discharge_pressure", from, to, "1d");
        for (int i = 0; i < 2; i++) {
            assertThat(dailyAfter.series().get(i).buckets()).isEqualTo(dailyBefore.series().get(i).buckets());
        }
        // a limit takes the newest rows across both tiers
        assertThat(admin.seriesHistory("reads", a, from, to, 2000).points()).isEqualTo(historyBefore.subList(0, 2000));

        // a token scoped to site-a reads pump-1 from the cold tier, and nothing of pump-2
        String token = admin.createToken(new CreateTokenRequest("viewer", "reads", "location:site-a", null)).token();
        OmniglassClient siteA = core.client(token);
        assertThat(siteA.seriesHistory("reads", a, from, to, 100_000).points()).isEqualTo(historyBefore);
        assertThat(siteA.seriesAggregates("reads", a, from, to, "1h").buckets()).isEqualTo(hourlyBefore.buckets());
        assertThatThrownBy(() -> siteA.seriesHistory("reads", b, from, to, 100))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> siteA.seriesAggregates("reads", b, from, to, "1d"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        FleetAggregates fleet = siteA.aggregates("reads", null, from, to, "1d");
        assertThat(fleet.series()).extracting(SeriesAggregates::seriesId).containsExactly(a);

        assertThatThrownBy(() -> admin.seriesAggregates("reads", a, from, to, "1 fortnight"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> admin.seriesAggregates("reads", a, from, to, "1s"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    /**
     * Hourly rollups written at tiering time answer exactly what the raw rows answer: for buckets
     * of whole hours (read from the rollups) and others (read raw), ranges on and off the hour, and
     * days whose manifest row names no rollup (tiered before rollups existed).
     */
    @Test
    void rollupsAnswerWhatTheRawRowsAnswer() throws Exception {
        Tenant t = core.createTenant("rollups");
        LifecycleFixture f = new LifecycleFixture(core.core().context().tenantDataSource(t), "rollups");
        long a = f.series("pump-1", "discharge_pressure");
        long b = f.series("pump-2", "discharge_pressure");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int d : new int[] {12, 11, 10, 2}) {
            f.metricDay(a, today.minusDays(d), 1);
            f.metricDay(b, today.minusDays(d), 7);
        }
        OffsetDateTime dayStart = today.minusDays(13).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime dayEnd = today.atStartOfDay().atOffset(ZoneOffset.UTC);
        // off the hour at both ends, inside tiered days: the partial hours come from the raw files
        OffsetDateTime offFrom = today.minusDays(12).atStartOfDay().atOffset(ZoneOffset.UTC).plusMinutes(80).plusSeconds(7);
        OffsetDateTime offTo = today.minusDays(10).atStartOfDay().atOffset(ZoneOffset.UTC).plusHours(17).plusMinutes(25);
        record Ask(OffsetDateTime from, OffsetDateTime to, String bucket) {
        }
        List<Ask> asks = List.of(new Ask(dayStart, dayEnd, "1h"), new Ask(dayStart, dayEnd, "1d"),
                new Ask(dayStart, dayEnd, "6h"), new Ask(offFrom, offTo, "1h"), new Ask(offFrom, offTo, "1d"),
                new Ask(offFrom, offTo, "5m"), new Ask(offFrom, offFrom.plusMinutes(30), "1h"));
        Map<Ask, FleetAggregates> hot = new java.util.LinkedHashMap<>();
        for (Ask q : asks) {
            hot.put(q, admin.aggregates("rollups", "key = discharge_pressure", q.from(), q.to(), q.bucket()));
            assertThat(hot.get(q).series()).hasSize(2);
            assertThat(hot.get(q).series().get(0).buckets()).isNotEmpty();
        }

        admin.post("/api/v1/tenants/rollups/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
        assertThat(f.value("SELECT count(*) FROM cold_file WHERE rollup_path IS NOT NULL")).isEqualTo(3);
        // 24 rows a series a day, counting every row of its day's file
        assertThat(f.value("SELECT sum(rollup_rows) FROM cold_file")).isEqualTo(3 * 2 * 24);
        java.nio.file.Path root = ColdTier.forCore(core.core().context()).root();
        for (Ask q : asks) {
            assertSameFigures(admin.aggregates("rollups", "key = discharge_pressure", q.from(), q.to(), q.bucket()), hot.get(q), q.toString());
        }

        // whole hours are read from the rollup: without the day's raw file they still answer
        String raw11 = f.text("SELECT path FROM cold_file WHERE day = '" + today.minusDays(11) + "'");
        java.nio.file.Path aside = root.resolve(raw11 + ".aside");
        java.nio.file.Files.move(root.resolve(raw11), aside);
        try {
            OffsetDateTime d11 = today.minusDays(11).atStartOfDay().atOffset(ZoneOffset.UTC);
            SeriesAggregates fromRollup = admin.seriesAggregates("rollups", a, d11, d11.plusDays(1), "1h");
            assertThat(fromRollup.buckets()).hasSize(24).allSatisfy(x -> assertThat(x.count()).isEqualTo(60));
        } finally {
            java.nio.file.Files.move(aside, root.resolve(raw11));
        }

        // a day without a rollup (tiered before they existed) is read raw, and the figures hold
        f.sql("UPDATE cold_file SET rollup_path = NULL WHERE day = '" + today.minusDays(11) + "'");
        for (Ask q : asks) {
            assertSameFigures(admin.aggregates("rollups", "key = discharge_pressure", q.from(), q.to(), q.bucket()), hot.get(q), q + " mixed");
        }
        f.sql("UPDATE cold_file SET rollup_path = NULL");
        for (Ask q : asks) {
            assertSameFigures(admin.aggregates("rollups", "key = discharge_pressure", q.from(), q.to(), q.bucket()), hot.get(q), q + " raw");
        }
    }

    private static void assertSameFigures(FleetAggregates actual, FleetAggregates expected, String what) {
        assertThat(actual.series()).as(what).hasSameSizeAs(expected.series());
        for (int i = 0; i < expected.series().size(); i++) {
            assertThat(actual.series().get(i).buckets()).as(what).isEqualTo(expected.series().get(i).buckets());
        }
    }
}
