package io.omniglass.core.lanes;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * og_lanes_wait_seconds (a ready lane's wait for a worker) and og_lanes_turn_seconds (the turn it
 * then ran), tagged by the lane's kind and by queue: {@code fresh} for a lane woken by new work
 * (a live tenant's datapoint), {@code backlog} for a lane that had more after its last turn or is
 * {@link Lane#markBehind marked behind}. A fresh lane's wait is what a live tenant pays for the
 * others' turns; tags do not grow with tenants.
 */
final class TurnTimers {

    private final MeterRegistry registry;
    private final Map<String, Timer[]> byKind = new ConcurrentHashMap<>();

    TurnTimers(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String kind, boolean backlog, long waitedNanos, long turnNanos) {
        Timer[] t = byKind.computeIfAbsent(kind + (backlog ? "/backlog" : "/fresh"), k -> new Timer[] {
                timer("og.lanes.wait", "a ready lane's wait for a shared worker", kind, backlog),
                timer("og.lanes.turn", "one lane turn on a shared worker", kind, backlog)});
        t[0].record(waitedNanos, TimeUnit.NANOSECONDS);
        t[1].record(turnNanos, TimeUnit.NANOSECONDS);
    }

    private Timer timer(String name, String description, String kind, boolean backlog) {
        return Timer.builder(name).description(description)
                .tag("kind", kind).tag("queue", backlog ? "backlog" : "fresh")
                .publishPercentiles(0.5, 0.99).register(registry);
    }
}
