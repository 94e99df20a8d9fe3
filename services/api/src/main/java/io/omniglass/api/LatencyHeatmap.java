package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * Gateway query latency: {@code hours} columns (oldest first, the current hour last) by
 * {@code percentiles} rows (p50, p90, p95, p99, p99.9, max). {@code valuesMs.get(row).get(col)} is
 * null where the hour has no samples; {@code counts.get(col)} is the hour's sample count;
 * {@code slowest.get(col)} its slowest statements. {@code tenant} null: every tenant (admin).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record LatencyHeatmap(String tenant, String action, @JsonProperty(value = "hours", required = true) List<OffsetDateTime> hours, @JsonProperty(value = "percentiles", required = true) List<String> percentiles,
                             @JsonProperty(value = "values_ms", required = true) List<List<Double>> valuesMs, @JsonProperty(value = "counts", required = true) List<Long> counts, @JsonProperty(value = "slowest", required = true) List<List<SlowStatement>> slowest) {
}
