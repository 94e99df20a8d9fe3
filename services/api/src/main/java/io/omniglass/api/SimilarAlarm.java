package io.omniglass.api;

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
public record SimilarAlarm(long alarmId, long raiseEventId, String rule, String owner, OffsetDateTime raisedAt,
                           double distance, String ended, OffsetDateTime clearedAt,
                           String ackReason, String ackedBy, OffsetDateTime ackedAt,
                           String snoozeReason, String snoozedBy, OffsetDateTime snoozedUntil,
                           List<Action> actions, List<String> keys, List<Float> leadUp) {

    /** A command that followed the raise (lineage: its command event names the raise as its trigger). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Action(long id, String owner, String key, String status, Object command, OffsetDateTime createdAt) {
    }
}
