package io.omniglass.views.services;

import java.time.Instant;

/**
 * One line of the alarm journal: a transition ({@code kind} transition: raised, cleared) or an
 * operator action ({@code kind} action: ack, snooze, unsnooze, snooze_expired), who and why.
 */
public record JournalEntry(Instant at, long alarmId, String owner, String rule, String kind, String what,
                           String actor, String reason, String severity, String message, Instant snoozedUntil) {
}
