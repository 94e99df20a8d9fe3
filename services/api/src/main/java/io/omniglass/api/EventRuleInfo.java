package io.omniglass.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.OffsetDateTime;

/** An event rule at its current version. */
public record EventRuleInfo(long id, String name, int version, boolean enabled, String selector, String key,
                            JsonNode condition, String severity, String message,
                            OffsetDateTime createdAt, String createdBy) {
}
