package io.omniglass.api;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * The body of an alarm operation: {@code reason} (ack, snooze: required), {@code until} (snooze),
 * {@code ids} (bulk operations only).
 */
public record AlarmCommand(List<Long> ids, String reason, OffsetDateTime until) {
}
