package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;

import java.time.OffsetDateTime;

/**
 * One validated datapoint ready for its table: narrow on purpose (no JSON tree), since a batch
 * holds tens of thousands. {@code message} and {@code index} point back into the batch, so a row
 * the database still refuses can be dead-lettered with its original JSON.
 */
record StagedRow(
        int message,
        int index,
        DatapointKind kind,
        long seriesId,
        OffsetDateTime ts,
        double number,
        String text,
        String severity,
        Provenance provenance,
        Integer sourceRuleId,
        Long eventId,
        String correlationId,
        Long causedByEventId) {
}
