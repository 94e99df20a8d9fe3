package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A past occurrence (one raise) of an alarm that resembles the one asked about: how close its
 * lead-up was ({@code distance}, smaller is closer), how it ended and what operators and action
 * rules did about it. {@code ended} is {@code cleared}, {@code raised_again} (a new raise of the
 * same alarm came first) or {@code active}; {@code keys} and {@code lead_up} are its fingerprint
 * (docs/similar.md), for charting it beside the alarm's own.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SimilarAlarm(@JsonProperty(value = "alarm_id", required = true) long alarmId, @JsonProperty(value = "raise_event_id", required = true) long raiseEventId, @JsonProperty(value = "rule", required = true) String rule, @JsonProperty(value = "owner", required = true) String owner, @JsonProperty(value = "raised_at", required = true) OffsetDateTime raisedAt,
                           @JsonProperty(value = "distance", required = true) double distance, @JsonProperty(value = "ended", required = true) String ended, @JsonProperty(value = "cleared_at", required = true) OffsetDateTime clearedAt,
                           @JsonProperty(value = "ack_reason", required = true) String ackReason, @JsonProperty(value = "acked_by", required = true) String ackedBy, OffsetDateTime ackedAt,
                           @JsonProperty(value = "snooze_reason", required = true) String snoozeReason, @JsonProperty(value = "snoozed_by", required = true) String snoozedBy, OffsetDateTime snoozedUntil,
                           @JsonProperty(value = "actions", required = true) List<Action> actions, @JsonProperty(value = "keys", required = true) List<String> keys, @JsonProperty(value = "lead_up", required = true) List<Float> leadUp) {

    /** A command that followed the raise (lineage: its command event names the raise as its trigger). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Action(long id, @JsonProperty(value = "owner", required = true) String owner, @JsonProperty(value = "key", required = true) String key, @JsonProperty(value = "status", required = true) String status, @JsonProperty(value = "command", required = true) Object command, OffsetDateTime createdAt) {
    }
}
