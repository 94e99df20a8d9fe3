package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/**
 * The latest value of one signal (owner, key, instance, provenance), fused across its sources by
 * the key's fusion policy. {@code value} for metrics, {@code text} for states and log messages,
 * {@code severity} for logs.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CurrentValue(@JsonProperty(value = "owner", required = true) String owner, String ownerKind, @JsonProperty(value = "key", required = true) String key, @JsonProperty(value = "kind", required = true) String kind, @JsonProperty(value = "unit", required = true) String unit, @JsonProperty(value = "instance", required = true) String instance,
                           @JsonProperty(value = "provenance", required = true) String provenance, String fusionPolicy, Double value, String text, String severity,
                           @JsonProperty(value = "ts", required = true) OffsetDateTime ts, long sourceCount, @JsonProperty(value = "series_id", required = true) long seriesId) {
}
