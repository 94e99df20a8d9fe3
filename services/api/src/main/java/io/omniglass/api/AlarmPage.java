package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/** A page of alarms; {@code next} is the {@code after} cursor of the next page (null at the end). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmPage(@JsonProperty(value = "items", required = true) List<AlarmInfo> items, @JsonProperty(value = "next", required = true) String next) {
}
