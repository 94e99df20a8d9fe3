package io.omniglass.api;

import java.time.OffsetDateTime;

/** One bucket of a metric series: [ts, ts + bucket), with count, min, max, avg and the first and last value by time. */
public record AggregateBucket(OffsetDateTime ts, long count, double min, double max, double avg, double first, double last) {
}
