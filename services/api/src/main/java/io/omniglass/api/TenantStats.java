package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A tenant at a glance, within the token's scope: signals with a current value, series, alarms
 * active and active-and-unacknowledged.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TenantStats(@JsonProperty(value = "signals", required = true) long signals, long series, @JsonProperty(value = "active_alarms", required = true) long activeAlarms, long unackedAlarms) {
}
