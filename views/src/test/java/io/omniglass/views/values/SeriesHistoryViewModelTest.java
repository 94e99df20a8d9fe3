package io.omniglass.views.values;

import io.omniglass.views.Fakes;
import io.omniglass.views.common.ImmediateExecutor;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Up to a week the chart shows raw points; 30 d, 90 d and 1 y read aggregates (a band) and mark where the cold tier ends. */
class SeriesHistoryViewModelTest {

    private static final Instant NOW = Instant.parse("2026-11-21T07:00:00Z");

    private final Fakes.Values service = new Fakes.Values();
    private final SeriesHistoryViewModel vm = new SeriesHistoryViewModel(service, new ImmediateExecutor(),
            Clock.fixed(NOW, ZoneOffset.UTC), "demo", Fakes.value("component:pump-1", "pressure", "observed", 4.0, NOW));

    @Test
    void longWindowsReadAggregatesAndMarkTheColdTier() {
        vm.windowProperty().set(Duration.ofDays(90));
        assertThat(service.buckets).containsExactly("6h");
        assertThat(vm.buckets()).hasSize(2);
        assertThat(vm.buckets().get(0).min()).isEqualTo(1.0);
        assertThat(vm.buckets().get(0).max()).isEqualTo(3.0);
        assertThat(vm.points()).isEmpty();
        assertThat(vm.coldBeforeProperty().get()).isEqualTo(NOW.minus(Duration.ofDays(7)));

        vm.windowProperty().set(Duration.ofDays(365));
        vm.windowProperty().set(Duration.ofDays(30));
        assertThat(service.buckets).containsExactly("6h", "1d", "1h");

        vm.windowProperty().set(Duration.ofHours(24));
        assertThat(vm.points()).hasSize(2);
        assertThat(vm.buckets()).isEmpty();
        assertThat(vm.coldBeforeProperty().get()).isNull();
    }
}
