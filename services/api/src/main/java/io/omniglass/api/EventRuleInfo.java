package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/** An event rule at its current version. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EventRuleInfo(long id, String name, int version, boolean enabled, String selector, String key,
                            JsonNode condition, String severity, String message,
                            OffsetDateTime createdAt, String createdBy) {
}
