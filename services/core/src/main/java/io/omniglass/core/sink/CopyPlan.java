package io.omniglass.core.sink;

import io.omniglass.core.lifecycle.Partitions;
import io.omniglass.schema.tenant.enums.DatapointKind;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A batch's direct COPY worked out before its transaction: the rows grouped by (kind, day), each
 * day's rows in lock order and encoded in COPY's binary format. The sink makes it on the preparing
 * lane, while the previous batch is still being written, so the writer's turn (and the connection
 * it holds) is the database's work only: sorting and encoding 20,000 rows is JVM time during which
 * Postgres would otherwise wait. Bound to the very list it was made from: a writer that had to drop
 * or change rows (cold copies, a re-made partition) makes a new one.
 */
final class CopyPlan {

    /** One day partition's rows, in (series_id, ts) order, encoded. */
    record Part(DatapointKind kind, String table, String partition, byte[] data) {
    }

    private final List<StagedRow> rows;
    private final List<Part> parts;

    private CopyPlan(List<StagedRow> rows, List<Part> parts) {
        this.rows = rows;
        this.parts = parts;
    }

    /** The plan of {@code rows}: parts in (kind, day) order, the order every writer locks in. */
    static CopyPlan of(List<StagedRow> rows) {
        Map<DatapointKind, TreeMap<Long, List<StagedRow>>> byDay = new EnumMap<>(DatapointKind.class);
        for (StagedRow r : rows) {
            byDay.computeIfAbsent(r.kind(), k -> new TreeMap<>()).computeIfAbsent(r.epochDay(), d -> new ArrayList<>()).add(r);
        }
        List<Part> parts = new ArrayList<>();
        for (Map.Entry<DatapointKind, TreeMap<Long, List<StagedRow>>> kind : byDay.entrySet()) {
            String table = DatapointWriter.table(kind.getKey());
            for (Map.Entry<Long, List<StagedRow>> day : kind.getValue().entrySet()) {
                List<StagedRow> sorted = day.getValue(); // a list of this plan's own
                sorted.sort(DatapointWriter.TABLE_ORDER);
                parts.add(new Part(kind.getKey(), table, Partitions.partitionName(table, java.time.LocalDate.ofEpochDay(day.getKey())),
                        DatapointWriter.encode(kind.getKey(), sorted)));
            }
        }
        return new CopyPlan(rows, List.copyOf(parts));
    }

    /** Whether this plan was made from exactly {@code rows} (the same list, not an equal one). */
    boolean isFor(List<StagedRow> rows) {
        return this.rows == rows;
    }

    List<Part> parts() {
        return parts;
    }
}
