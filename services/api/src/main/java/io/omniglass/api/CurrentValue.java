package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/**
 * The latest value of one signal (owner, key, instance, provenance), fused across its sources by
 * the key's fusion policy. {@code value} for metrics, {@code text} for states and log messages,
 * {@code severity} for logs.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CurrentValue(String owner, String ownerKind, String key, String kind, String unit, String instance,
                           String provenance, String fusionPolicy, Double value, String text, String severity,
                           OffsetDateTime ts, long sourceCount, long seriesId) {
}
