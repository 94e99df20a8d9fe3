package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

/**
 * The past occurrences most like an alarm's current raise (GET .../alarms/{id}/similar): its own
 * fingerprint and the closest ones, each with how it ended and what was done.
 */
public record SimilarAlarms(long alarmId, Instant raisedAt, List<String> keys, List<Float> leadUp,
                            List<Occurrence> similar, String note) {

    /** One past occurrence (one raise) of an alarm. */
    public record Occurrence(long alarmId, long raiseEventId, String rule, String owner, Instant raisedAt,
                             double distance, String ended, Instant clearedAt,
                             String ackReason, String ackedBy, String snoozeReason, String snoozedBy,
                             List<String> actions, List<String> keys, List<Float> leadUp) {
    }
}
