package io.omniglass.core.telemetry;

import io.omniglass.api.LatencyHeatmap;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Recorded latencies come back from the control database as the right percentiles. */
class LatencyHeatmapTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    @Test
    void percentilesOfKnownSamples() {
        LatencyTelemetry t = Gateway.forCore(core.core().context()).telemetry();
        for (int ms = 1; ms <= 1000; ms++) {
            t.record("hm", "known", ms * 1_000_000L, "select ? /* " + ms + " */");
        }
        t.record("other", "known", 5_000_000_000L, "select 1");
        var control = core.core().context().control();
        LatencyHeatmap h = LatencyHeatmaps.build(control, t, Optional.of("hm"), Optional.of("known"), 24);
        int now = 23;
        assertThat(h.counts().get(now)).isEqualTo(1000L);
        List<Double> col = h.valuesMs().stream().map(r -> r.get(now)).toList();
        // HdrHistogram with 3 significant digits: within 0.1 %
        assertThat(col.get(0)).isCloseTo(500.0, within(1.0));   // p50
        assertThat(col.get(1)).isCloseTo(900.0, within(1.0));   // p90
        assertThat(col.get(2)).isCloseTo(950.0, within(1.0));   // p95
        assertThat(col.get(3)).isCloseTo(990.0, within(1.0));   // p99
        assertThat(col.get(4)).isCloseTo(999.0, within(1.0));   // p99.9
        assertThat(col.get(5)).isCloseTo(1000.0, within(1.0));  // max
        assertThat(h.slowest().get(now)).hasSize(LatencyHeatmaps.SLOWEST_PER_HOUR);
        assertThat(h.slowest().get(now).get(0).durationMs()).isCloseTo(1000.0, within(0.01));
        assertThat(h.slowest().get(now).get(0).sql()).isEqualTo("select ? /* 1000 */");

        // persisted: a fresh reader over the control database alone sees the same hour
        t.flush();
        int rows = control.fetchCount(io.omniglass.schema.control.Tables.LATENCY_HOUR,
                io.omniglass.schema.control.Tables.LATENCY_HOUR.TENANT_SLUG.eq("hm"));
        assertThat(rows).isEqualTo(1);
        // other tenants' samples stay out; all tenants include them
        assertThat(LatencyHeatmaps.build(control, t, Optional.empty(), Optional.of("known"), 24).counts().get(now)).isEqualTo(1001L);
    }
}
