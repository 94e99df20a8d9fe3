package io.omniglass.views.services;

import java.time.Instant;

/** One slow statement of an hour, for the heatmap's drill-down. */
public record SlowStatement(Instant ts, String tenant, String statement, double ms) {
}
