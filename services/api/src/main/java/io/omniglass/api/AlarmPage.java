package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/** A page of alarms; {@code next} is the {@code after} cursor of the next page (null at the end). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmPage(List<AlarmInfo> items, String next) {
}
