package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/** One alarm (one per event rule and owner): its state, acknowledgement and snooze (shelve). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmInfo(@JsonProperty(value = "id", required = true) long id, @JsonProperty(value = "event_rule_id", required = true) long eventRuleId, int eventRuleVersion, @JsonProperty(value = "rule", required = true) String rule, @JsonProperty(value = "owner", required = true) String owner,
                        @JsonProperty(value = "state", required = true) String state, @JsonProperty(value = "severity", required = true) String severity, @JsonProperty(value = "message", required = true) String message,
                        @JsonProperty(value = "raised_at", required = true) OffsetDateTime raisedAt, @JsonProperty(value = "cleared_at", required = true) OffsetDateTime clearedAt, long raiseEventId, long lastEventId,
                        @JsonProperty(value = "acked", required = true) boolean acked, @JsonProperty(value = "acked_at", required = true) OffsetDateTime ackedAt, @JsonProperty(value = "acked_by", required = true) String ackedBy, @JsonProperty(value = "ack_reason", required = true) String ackReason,
                        boolean snoozed, @JsonProperty(value = "snoozed_until", required = true) OffsetDateTime snoozedUntil, OffsetDateTime snoozedAt, @JsonProperty(value = "snoozed_by", required = true) String snoozedBy,
                        @JsonProperty(value = "snooze_reason", required = true) String snoozeReason, OffsetDateTime updatedAt) {
}
