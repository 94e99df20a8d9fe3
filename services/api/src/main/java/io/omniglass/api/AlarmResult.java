package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** The outcome for one alarm of a (bulk) operation: {@code status} is the HTTP status it would have had alone. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmResult(@JsonProperty(value = "id", required = true) long id, @JsonProperty(value = "status", required = true) int status, @JsonProperty(value = "error", required = true) String error, AlarmInfo alarm) {
}
