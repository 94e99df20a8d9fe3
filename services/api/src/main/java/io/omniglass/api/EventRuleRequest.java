package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An event rule as written (POST creates it, PUT makes a new version). {@code condition} is one of
 * {"type": "high"|"low", "threshold": n, "deadband": n}, {"type": "rate", "max_per_second": n,
 * "deadband": n}, {"type": "state", "equals": "..."}, {"type": "no_data", "seconds": n}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EventRuleRequest(String name, String selector, String key, JsonNode condition,
                               String severity, String message, Boolean enabled) {
}
