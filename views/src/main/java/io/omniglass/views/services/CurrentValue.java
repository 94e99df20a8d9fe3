package io.omniglass.views.services;

import java.time.Instant;

/** One row of the current-value projection. {@code value} is already rendered (number, state text or log message). */
public record CurrentValue(long seriesId, String owner, String key, String instance, String provenance,
                           String kind, String value, Double numeric, String unit, Instant ts) {

    /** Identity of a row in the projection: observed and intended of the same point are different rows. */
    public String rowKey() {
        return owner + "|" + key + "|" + instance + "|" + provenance;
    }

    /** This update completed with what it does not carry (live events have no series id, kind or unit). */
    public CurrentValue over(CurrentValue previous) {
        if (previous == null) {
            return this;
        }
        return new CurrentValue(seriesId != 0 ? seriesId : previous.seriesId, owner, key, instance, provenance,
                kind != null ? kind : previous.kind, value, numeric, unit != null ? unit : previous.unit, ts);
    }

    /** Identity of the point regardless of provenance, to pair observed with intended. */
    public String pointKey() {
        return owner + "|" + key + "|" + instance;
    }
}
