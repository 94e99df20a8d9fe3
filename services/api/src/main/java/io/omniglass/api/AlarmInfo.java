package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/** One alarm (one per event rule and owner): its state, acknowledgement and snooze (shelve). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmInfo(long id, long eventRuleId, int eventRuleVersion, String rule, String owner,
                        String state, String severity, String message,
                        OffsetDateTime raisedAt, OffsetDateTime clearedAt, long raiseEventId, long lastEventId,
                        boolean acked, OffsetDateTime ackedAt, String ackedBy, String ackReason,
                        boolean snoozed, OffsetDateTime snoozedUntil, OffsetDateTime snoozedAt, String snoozedBy,
                        String snoozeReason, OffsetDateTime updatedAt) {
}
