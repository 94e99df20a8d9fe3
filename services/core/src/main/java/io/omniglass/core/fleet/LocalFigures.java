package io.omniglass.core.fleet;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.HashMap;
import java.util.Map;

/**
 * The per-tenant figures the sink and CDC keep in memory on this core, read from their meters
 * (the same numbers /metrics shows), so the board costs one pass over the registry.
 */
final class LocalFigures {

    static final String INGEST_RATE = "og.sink.ingest.rate";
    static final String DLQ_LAST_DAY = "og.sink.dlq.last.day";
    static final String NEWEST_DATAPOINT = "og.sink.newest.datapoint.timestamp";
    static final String SINK_PENDING = "og.sink.pending.messages";
    static final String CDC_LAG_SECONDS = "og_cdc_slot_lag_seconds";

    private final Map<String, Map<String, Double>> byName = new HashMap<>();

    private LocalFigures() {
    }

    static LocalFigures read(MeterRegistry registry) {
        LocalFigures f = new LocalFigures();
        for (String name : new String[]{INGEST_RATE, DLQ_LAST_DAY, NEWEST_DATAPOINT, SINK_PENDING, CDC_LAG_SECONDS}) {
            Map<String, Double> values = new HashMap<>();
            for (Gauge g : registry.find(name).gauges()) {
                String tenant = g.getId().getTag("tenant");
                double v = g.value();
                if (tenant != null && !Double.isNaN(v)) {
                    values.put(tenant, v);
                }
            }
            f.byName.put(name, values);
        }
        return f;
    }

    /** The tenants any of the figures names. */
    java.util.Set<String> tenants() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        byName.values().forEach(m -> out.addAll(m.keySet()));
        return out;
    }

    /** The figure, or null when this core has none for the tenant (its sink or CDC not running here). */
    Double get(String name, String tenant) {
        return byName.getOrDefault(name, Map.of()).get(tenant);
    }
}
