package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/**
 * One line of an alarm's journal: a transition ({@code kind} transition: {@code what} raised or
 * cleared, from its event) or an operator action ({@code kind} action: ack, snooze, unsnooze,
 * snooze_expired, from its audit row), with who ({@code actor}: an operator, or {@code rule:NAME}
 * and {@code system:scheduler} for the core's own) and why. {@code ref} is the event or audit id.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmJournalEntry(@JsonProperty(value = "at", required = true) OffsetDateTime at,
                                @JsonProperty(value = "alarm_id", required = true) long alarmId,
                                @JsonProperty(value = "owner", required = true) String owner,
                                @JsonProperty(value = "rule", required = true) String rule,
                                @JsonProperty(value = "kind", required = true) String kind,
                                @JsonProperty(value = "what", required = true) String what,
                                @JsonProperty(value = "actor", required = true) String actor,
                                @JsonProperty(value = "reason", required = true) String reason,
                                @JsonProperty(value = "severity", required = true) String severity,
                                @JsonProperty(value = "message", required = true) String message,
                                @JsonProperty(value = "snoozed_until", required = true) OffsetDateTime snoozedUntil,
                                @JsonProperty(value = "ref", required = true) long ref) {

    public static final String TRANSITION = "transition";
    public static final String ACTION = "action";
}
