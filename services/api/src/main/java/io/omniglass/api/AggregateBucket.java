package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;

/** One bucket of a metric series: [ts, ts + bucket), with count, min, max, avg and the first and last value by time. */
public record AggregateBucket(@JsonProperty(value = "ts", required = true) OffsetDateTime ts, @JsonProperty(value = "count", required = true) long count, @JsonProperty(value = "min", required = true) double min, @JsonProperty(value = "max", required = true) double max, @JsonProperty(value = "avg", required = true) double avg, double first, double last) {
}
