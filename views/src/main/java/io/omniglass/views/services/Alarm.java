package io.omniglass.views.services;

import java.time.Instant;

/** An alarm as the console shows it. */
public record Alarm(long id, String owner, String rule, String state, String severity, String message,
                    Instant raisedAt, Instant clearedAt,
                    boolean acked, String ackedBy, Instant ackedAt, String ackReason,
                    Instant snoozedUntil, String snoozedBy, String snoozeReason,
                    Long triggerSeriesId, Instant triggerTs, String triggerKind) {

    public boolean isActive() {
        return "active".equals(state);
    }

    public boolean isSnoozed(Instant now) {
        return snoozedUntil != null && snoozedUntil.isAfter(now);
    }
}
