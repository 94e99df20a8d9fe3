package io.omniglass.core.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A per-tenant stage of the data lane (the sink's stages, the rules' decision) in /metrics: a
 * Micrometer timer of count, sum and max ({@code <name>_seconds_count}, {@code _sum}, {@code _max}),
 * and its recent p50 and p99 as the gauges {@code <name>_recent_seconds{tenant, quantile}}, read
 * from a {@link RecentPercentiles} (the last one to two minutes). Until s12 the percentiles were the
 * timer's own ({@code <name>_seconds{quantile}}); they cost a tenth of the core's CPU at fleet size.
 */
public final class StageTimer {

    /** The quantiles /metrics and the benchmarks show. */
    public static final List<Double> QUANTILES = List.of(0.5, 0.99);
    /** The gauges' name: the timer's name and this. */
    public static final String RECENT_SUFFIX = ".recent";

    private final Timer timer;
    private final RecentPercentiles recent;

    private StageTimer(Timer timer, RecentPercentiles recent) {
        this.timer = timer;
        this.recent = recent;
    }

    public static StageTimer register(MeterRegistry registry, String name, String description, String tenant) {
        Timer timer = Timer.builder(name).description(description).tag("tenant", tenant).register(registry);
        RecentPercentiles recent = new RecentPercentiles(registry.config().clock());
        for (double q : QUANTILES) {
            Gauge.builder(name + RECENT_SUFFIX, recent, r -> r.percentile(q, TimeUnit.SECONDS))
                    .description(description + ": p" + Math.round(q * 100) + " of the last one to two minutes")
                    .baseUnit("seconds").tag("tenant", tenant).tag("quantile", Double.toString(q)).register(registry);
        }
        return new StageTimer(timer, recent);
    }

    public void record(long amount, TimeUnit unit) {
        timer.record(amount, unit);
        recent.record(amount, unit);
    }

    public void record(Duration d) {
        record(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    public Timer timer() {
        return timer;
    }

    public RecentPercentiles recent() {
        return recent;
    }
}
