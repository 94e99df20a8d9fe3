package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;

/**
 * One validated datapoint ready for its table: narrow on purpose (no JSON tree), since a batch
 * holds tens of thousands. {@code message} and {@code index} point back into the batch, so a row
 * the database still refuses can be dead-lettered with its original JSON. {@code micros} is the
 * ts in microseconds since 1970 UTC as Postgres rounds it: no date object per row from here on.
 */
record StagedRow(
        int message,
        int index,
        DatapointKind kind,
        long seriesId,
        long micros,
        double number,
        String text,
        String severity,
        Provenance provenance,
        Integer sourceRuleId,
        Long eventId,
        String correlationId,
        Long causedByEventId) {

    private static final long MICROS_PER_DAY = 86_400_000_000L;

    /** The UTC day of ts, days since 1970: the day partition the row belongs in. */
    long epochDay() {
        return Math.floorDiv(micros, MICROS_PER_DAY);
    }
}
