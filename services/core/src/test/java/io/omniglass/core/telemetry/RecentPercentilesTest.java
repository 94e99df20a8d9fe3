package io.omniglass.core.telemetry;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The per-tenant stages' recent percentiles: what /metrics and bench fleet report, within the
 * buckets' 1/16, over the last one to two minutes only.
 */
class RecentPercentilesTest {

    @Test
    void percentilesAreWithinASixteenthOfTheExactOnesAndNeverBelow() {
        MockClock clock = new MockClock();
        RecentPercentiles r = new RecentPercentiles(clock);
        Random random = new Random(7);
        long[] values = new long[10_000];
        for (int i = 0; i < values.length; i++) {
            // live stages span 10 µs .. 60 s: log-uniform
            values[i] = (long) Math.pow(10, 4 + random.nextDouble() * 6.8);
            r.record(values[i], TimeUnit.NANOSECONDS);
        }
        Arrays.sort(values);
        for (double q : new double[] {0.5, 0.99, 1.0}) {
            double exact = values[(int) Math.ceil(q * values.length) - 1] / 1e6;
            double reported = r.percentile(q, TimeUnit.MILLISECONDS);
            assertThat(reported).isGreaterThanOrEqualTo(exact - 0.001).isLessThanOrEqualTo(exact * (1 + 1.0 / 16) + 0.001);
        }
        assertThat(r.count()).isEqualTo(values.length);
    }

    @Test
    void valuesOlderThanTwoMinutesFallOut() {
        MockClock clock = new MockClock();
        RecentPercentiles r = new RecentPercentiles(clock);
        r.record(5, TimeUnit.SECONDS);
        clock.add(70, TimeUnit.SECONDS);
        r.record(10, TimeUnit.MILLISECONDS);
        // both windows are recent: the 5 s is the max
        assertThat(r.percentile(1.0, TimeUnit.SECONDS)).isCloseTo(5, within(5 / 16.0));
        clock.add(60, TimeUnit.SECONDS);
        // the 5 s window is two windows back now
        assertThat(r.percentile(1.0, TimeUnit.MILLISECONDS)).isCloseTo(10, within(10 / 16.0));
        clock.add(120, TimeUnit.SECONDS);
        assertThat(r.count()).isZero();
        assertThat(r.percentile(0.99, TimeUnit.MILLISECONDS)).isZero();
    }

    @Test
    void aQuantileOutsideZeroToOneIsRefused() {
        RecentPercentiles r = new RecentPercentiles(new MockClock());
        assertThatThrownBy(() -> r.percentile(99, TimeUnit.MILLISECONDS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 1");
    }

    @Test
    void metricsShowATenantsStageAsCountSumMaxAndItsRecentP50AndP99() {
        MockClock clock = new MockClock();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
        StageTimer stage = StageTimer.register(registry, "og.sink.stored.to.ack", "stored -> acked", "acme");
        for (int i = 1; i <= 100; i++) {
            stage.record(i, TimeUnit.MILLISECONDS);
        }
        String metrics = registry.scrape();
        assertThat(metrics).contains("og_sink_stored_to_ack_seconds_count{tenant=\"acme\"} 100")
                .contains("og_sink_stored_to_ack_seconds_max{tenant=\"acme\"}")
                .contains("og_sink_stored_to_ack_recent_seconds{quantile=\"0.5\",tenant=\"acme\"}")
                .contains("og_sink_stored_to_ack_recent_seconds{quantile=\"0.99\",tenant=\"acme\"}")
                // no client-side percentiles on the timer itself (an HdrHistogram per tenant and stage)
                .doesNotContain("og_sink_stored_to_ack_seconds{quantile");
        double p99 = registry.find("og.sink.stored.to.ack.recent").tag("quantile", "0.99").gauge().value();
        assertThat(p99).isCloseTo(0.099, within(0.099 / 16));
        assertThat(stage.timer().count()).isEqualTo(100);
    }
}
