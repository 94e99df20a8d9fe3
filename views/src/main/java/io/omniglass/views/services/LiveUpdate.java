package io.omniglass.views.services;

import java.util.Map;

/** What the live feed delivers. */
public sealed interface LiveUpdate {

    /** A current value changed. */
    record Value(CurrentValue value) implements LiveUpdate {
    }

    /** A committed record-lane change (alarm, event, audit_log ...). */
    record RecordChange(String table, String op, Map<String, Object> row) implements LiveUpdate {
    }
}
