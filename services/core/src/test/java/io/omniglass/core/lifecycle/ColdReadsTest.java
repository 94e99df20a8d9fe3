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
}
