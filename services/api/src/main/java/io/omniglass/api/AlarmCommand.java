package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * The body of an alarm operation: {@code reason} (ack, snooze: required), {@code until} (snooze),
 * {@code ids} (bulk operations only).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmCommand(List<Long> ids, String reason, OffsetDateTime until) {
}
