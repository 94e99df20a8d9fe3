package io.omniglass.core.telemetry;

import io.omniglass.api.LatencyHeatmap;
import io.omniglass.api.SlowStatement;
import org.HdrHistogram.Histogram;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.omniglass.schema.control.Tables.LATENCY_HOUR;
import static io.omniglass.schema.control.Tables.LATENCY_SLOW_STATEMENT;

/**
 * The latency heatmap: hour columns by percentile rows, from the persisted hourly histograms of
 * every core instance (this instance's current hour is flushed first, so it is up to date).
 */
public final class LatencyHeatmaps {

    public static final List<String> ROWS = List.of("p50", "p90", "p95", "p99", "p99.9", "max");
    private static final double[] PERCENTILES = {50, 90, 95, 99, 99.9};
    public static final int SLOWEST_PER_HOUR = 5;

    private LatencyHeatmaps() {
    }

    public static LatencyHeatmap build(DSLContext control, LatencyTelemetry telemetry, Optional<String> tenant,
                                       Optional<String> action, int hours) {
        telemetry.flush();
        OffsetDateTime last = Instant.now().truncatedTo(ChronoUnit.HOURS).atOffset(ZoneOffset.UTC);
        OffsetDateTime first = last.minusHours(hours - 1L);
        List<OffsetDateTime> columns = new ArrayList<>();
        for (int k = 0; k < hours; k++) {
            columns.add(first.plusHours(k));
        }
        Condition where = LATENCY_HOUR.HOUR.ge(first)
                .and(tenant.map(LATENCY_HOUR.TENANT_SLUG::eq).orElse(DSL.trueCondition()))
                .and(action.map(LATENCY_HOUR.ACTION::eq).orElse(DSL.trueCondition()));
        Map<OffsetDateTime, Histogram> byHour = new HashMap<>();
        control.select(LATENCY_HOUR.HOUR, LATENCY_HOUR.HISTOGRAM).from(LATENCY_HOUR).where(where).fetch()
                .forEach(r -> byHour.computeIfAbsent(r.value1().withOffsetSameInstant(ZoneOffset.UTC), h -> new Histogram(3))
                        .add(LatencyTelemetry.decode(r.value2())));

        List<List<Double>> values = new ArrayList<>();
        for (int row = 0; row < ROWS.size(); row++) {
            List<Double> line = new ArrayList<>();
            for (OffsetDateTime hour : columns) {
                Histogram h = byHour.get(hour);
                if (h == null || h.getTotalCount() == 0) {
                    line.add(null);
                } else {
                    long micros = row < PERCENTILES.length ? h.getValueAtPercentile(PERCENTILES[row]) : h.getMaxValue();
                    line.add(micros / 1000.0);
                }
            }
            values.add(line);
        }
        List<Long> counts = columns.stream().map(h -> byHour.containsKey(h) ? byHour.get(h).getTotalCount() : 0L).toList();

        Condition slowWhere = LATENCY_SLOW_STATEMENT.HOUR.ge(first)
                .and(tenant.map(LATENCY_SLOW_STATEMENT.TENANT_SLUG::eq).orElse(DSL.trueCondition()))
                .and(action.map(LATENCY_SLOW_STATEMENT.ACTION::eq).orElse(DSL.trueCondition()));
        Map<OffsetDateTime, List<SlowStatement>> slowByHour = new HashMap<>();
        control.selectFrom(LATENCY_SLOW_STATEMENT).where(slowWhere).fetch().forEach(r -> {
            OffsetDateTime hour = r.getHour().withOffsetSameInstant(ZoneOffset.UTC);
            slowByHour.computeIfAbsent(hour, h -> new ArrayList<>()).add(new SlowStatement(hour, r.getTenantSlug(),
                    r.getAction(), r.getDurationUs() / 1000.0, r.getTs(), r.getSql()));
        });
        List<List<SlowStatement>> slowest = new ArrayList<>();
        for (OffsetDateTime hour : columns) {
            List<SlowStatement> list = new ArrayList<>(slowByHour.getOrDefault(hour, List.of()));
            list.sort(Comparator.comparingDouble(SlowStatement::durationMs).reversed());
            slowest.add(list.size() > SLOWEST_PER_HOUR ? List.copyOf(list.subList(0, SLOWEST_PER_HOUR)) : list);
        }
        return new LatencyHeatmap(tenant.orElse(null), action.orElse(null), columns, ROWS, values, counts, slowest);
    }
}
