package io.omniglass.views.heatmap;

import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Heatmap;
import io.omniglass.views.services.HeatmapService;
import io.omniglass.views.services.SlowStatement;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HeatmapTest {

    private static final Instant H0 = Instant.parse("2026-11-21T00:00:00Z");

    static Heatmap sample() {
        List<Instant> hours = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            hours.add(H0.plusSeconds(3600L * i));
        }
        Double[][] ms = new Double[3][24];
        long[][] counts = new long[3][24];
        ms[0][5] = 1.25;
        counts[0][5] = 1200;
        ms[2][5] = 48.0;
        counts[2][5] = 1200;
        return new Heatmap(hours, List.of("p50", "p95", "p99"), ms, counts);
    }

    @Test
    void theTooltipGivesTheExactValueAndCountOrSaysThereIsNoData() {
        Heatmap h = sample();
        assertThat(HeatmapViewModel.describe(h, 0, 5)).endsWith("p50: 1.25 ms (1,200 samples)");
        assertThat(HeatmapViewModel.describe(h, 1, 5)).endsWith("p95: no data");
    }

    @Test
    void clickingACellAsksForThatHoursSlowestStatements() {
        List<String> asked = new ArrayList<>();
        HeatmapService service = new HeatmapService() {
            @Override
            public Heatmap heatmap(String tenant, int hours) {
                asked.add("heatmap " + tenant + " " + hours);
                return sample();
            }

            @Override
            public List<SlowStatement> slowest(String tenant, Instant hour, int limit) {
                asked.add("slowest " + tenant + " " + hour);
                return List.of(new SlowStatement(hour, "demo", "select ... from current_value", 48.0));
            }
        };
        HeatmapViewModel vm = new HeatmapViewModel(service, new ImmediateExecutor());
        vm.tenants().add("demo");
        vm.refresh();
        vm.tenantProperty().set("demo");
        vm.select(2, 5);
        assertThat(asked).containsExactly("heatmap null 24", "heatmap demo 24", "slowest demo 2026-11-21T05:00:00Z");
        assertThat(vm.slowest()).hasSize(1);
        assertThat(vm.selectedCellProperty().get()).contains("p99: 48.00 ms");
    }

    @Test
    void thePaintScaleIsGreyWithoutDataAndRunsGreenToRedOnALogScale() {
        LatencyPaintScale s = new LatencyPaintScale(1, 1000);
        assertThat(s.getPaint(Double.NaN)).isEqualTo(LatencyPaintScale.NO_DATA);
        Color low = (Color) s.getPaint(1);
        Color high = (Color) s.getPaint(1000);
        assertThat(low.getGreen()).isGreaterThan(low.getRed());
        assertThat(high.getRed()).isGreaterThan(high.getGreen());
        assertThat(s.position(31.62)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.01));
        assertThat(s.position(5000)).isEqualTo(1.0);
    }
}
