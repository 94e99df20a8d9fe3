package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.OffsetDateTime;

/** One stored datapoint of a series: {@code value} (metric), {@code text} (state, log message), {@code severity} (log). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatapointValue(@JsonProperty(value = "ts", required = true) OffsetDateTime ts, Double value, String text, String severity, String provenance) {
}
