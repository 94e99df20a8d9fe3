package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

/** The alarm journal: one alarm's, or across alarms by owner (a glob), rule and operator; null for none. */
public interface AlarmJournalService {

    Journal journal(String tenant, Long alarmId, String owner, String rule, String operator, Instant from, Instant to, int limit);

    /** Lines in time order; {@code truncated} when more matched than the limit. */
    record Journal(List<JournalEntry> entries, boolean truncated) {
    }
}
