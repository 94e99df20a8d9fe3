package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/** One of the slowest gateway statements of an hour (SQL with bind markers, never the values). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SlowStatement(OffsetDateTime hour, @JsonProperty(value = "tenant", required = true) String tenant, @JsonProperty(value = "action", required = true) String action, @JsonProperty(value = "duration_ms", required = true) double durationMs, @JsonProperty(value = "ts", required = true) OffsetDateTime ts,
                            @JsonProperty(value = "sql", required = true) String sql) {
}
