package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;

import java.time.OffsetDateTime;

/**
 * One validated datapoint ready for its table. {@code origin} points back to the candidate so a row
 * the database still refuses can be dead-lettered with its own body.
 */
record StagedRow(
        Candidate origin,
        DatapointKind kind,
        long seriesId,
        OffsetDateTime ts,
        double number,
        String text,
        String severity,
        Integer sourceRuleId,
        Long eventId) {
}
