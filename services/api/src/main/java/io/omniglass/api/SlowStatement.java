package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/** One of the slowest gateway statements of an hour (SQL with bind markers, never the values). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SlowStatement(OffsetDateTime hour, String tenant, String action, double durationMs, OffsetDateTime ts,
                            String sql) {
}
