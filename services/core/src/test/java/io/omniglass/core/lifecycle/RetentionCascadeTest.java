package io.omniglass.core.lifecycle;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The cascade: default < table < class (type) < owner, value by value; the most specific level that sets one wins. */
class RetentionCascadeTest {

    private static final RetentionCascade CASCADE = new RetentionCascade(
            Map.of("metric_datapoint", level("metric_datapoint", null, null, "7d", "90d", Tier.parquet),
                    "audit_log", level("audit_log", null, null, null, "7y", Tier.none)),
            List.of(
                    // the tenant keeps metrics longer than the default, leaving hot and tier to it
                    level("metric_datapoint", null, null, null, "180d", null),
                    // a class: vibration spectra are bulky, shorter hot period
                    level("metric_datapoint", "vibration", null, "2d", null, null),
                    // a class that is never tiered
                    level("metric_datapoint", "energy", null, null, "400d", Tier.none),
                    // an owner: a pump under warranty keeps everything 2 years
                    level("metric_datapoint", null, "component:pump-7", null, "730d", null)));

    private static RetentionLevel level(String table, String type, String owner, String hot, String keep, Tier tier) {
        return new RetentionLevel(table, type, owner, hot == null ? null : RetentionDuration.parse(hot),
                keep == null ? null : RetentionDuration.parse(keep), tier);
    }

    @ParameterizedTest(name = "{0} type={1} owner={2}: hot {3} ({4}), keep {5} ({6}), tier {7} ({8})")
    @CsvSource(nullValues = "-", value = {
            // table            type        owner               hot   from                 keep   from                 tier     from
            "metric_datapoint,  -,          -,                  7d,   default,             180d,  table,               parquet, default",
            "metric_datapoint,  pressure,   -,                  7d,   default,             180d,  table,               parquet, default",
            "metric_datapoint,  vibration,  -,                  2d,   type:vibration,      180d,  table,               parquet, default",
            "metric_datapoint,  energy,     -,                  400d, type:energy,             400d,  type:energy,         none,    type:energy",
            "metric_datapoint,  -,          component:pump-7,   7d,   default,             730d,  owner:component:pump-7, parquet, default",
            "metric_datapoint,  vibration,  component:pump-7,   2d,   type:vibration,      730d,  owner:component:pump-7, parquet, default",
            "metric_datapoint,  energy,     component:pump-7,   730d, owner:component:pump-7,             730d,  owner:component:pump-7, none, type:energy",
            "metric_datapoint,  vibration,  component:pump-8,   2d,   type:vibration,      180d,  table,               parquet, default",
            "audit_log,         -,          -,                  2555d, default,            2555d, default,             none,    default",
            "internal_log,      -,          -,                  365d, default,             365d,  default,             none,    default",
    })
    void theMostSpecificLevelWinsValueByValue(String table, String type, String owner, String hot, String hotFrom,
                                               String keep, String keepFrom, String tier, String tierFrom) {
        ResolvedRetention r = CASCADE.resolve(table, type, owner);
        assertThat(RetentionDuration.format(r.hot())).isEqualTo(hot);
        assertThat(r.hotFrom()).isEqualTo(hotFrom);
        assertThat(RetentionDuration.format(r.keep())).isEqualTo(keep);
        assertThat(r.keepFrom()).isEqualTo(keepFrom);
        assertThat(r.tier().name()).isEqualTo(tier);
        assertThat(r.tierFrom()).isEqualTo(tierFrom);
    }

    @ParameterizedTest
    @CsvSource({
            // partitions leave Postgres only when no policy needs them hot (energy: hot until 400d, then gone) ...
            "metric_datapoint, 730, 730",
    })
    void aPartitionGoesOnlyWhenEveryPolicyLetsItGo(String table, long leaveHotDays, long dropDays) {
        assertThat(CASCADE.leaveHotAfter(table)).isEqualTo(Duration.ofDays(leaveHotDays));
        assertThat(CASCADE.dropAfter(table)).isEqualTo(Duration.ofDays(dropDays));
    }

    @ParameterizedTest
    @CsvSource({"90d, 90", "7 days, 7", "2w, 14", "1y, 365", "7 years, 2555", "P30D, 30", "P1Y, 365"})
    void periodsAreReadAsPeopleWriteThem(String text, long days) {
        assertThat(RetentionDuration.parse(text)).isEqualTo(Duration.ofDays(days));
    }
}
