package io.omniglass.core.gateway;

import java.util.Locale;

/**
 * What the core's own work on a tenant database is for. A system session names one: its
 * statements are timed under {@code system:<purpose>} (Prometheus {@code og.gateway.query}; not in
 * the operators' latency heatmap, which is the requests'), and audit rows it writes say who wrote them.
 */
public enum SystemPurpose {
    /** The persistence consumer: catalog lookups, COPY of datapoint batches, partitions ahead. */
    SINK,
    /** Event, action and calc rules: alarm transitions, actions, calculated datapoints. */
    RULES,
    /** Partition upkeep, tiering to Parquet, retention, secret and personal-data expiry. */
    LIFECYCLE,
    /** Alarm fingerprints and the similar-alarms search. */
    SIMILAR,
    /** Loading a plant description (the CLI's import, the demo plant). */
    PLANT_IMPORT,
    /** The benchmarks, which set up and count rows around the code they measure. */
    BENCH;

    public String label() {
        return "system:" + name().toLowerCase(Locale.ROOT);
    }
}
