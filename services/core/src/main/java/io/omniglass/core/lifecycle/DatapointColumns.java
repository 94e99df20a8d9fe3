package io.omniglass.core.lifecycle;

import java.util.List;

/**
 * The columns of each datapoint table as they travel to the cold tier: {@code ts} as integer
 * microseconds (exact in both engines, no time-zone text), everything else as stored.
 */
enum DatapointColumns {
    metric_datapoint(List.of(
            col("series_id", "BIGINT"), col("ts_us", "BIGINT"), col("value", "DOUBLE"), col("provenance", "VARCHAR"),
            col("source_rule_id", "INTEGER"), col("event_id", "BIGINT"), col("correlation_id", "VARCHAR"),
            col("caused_by_event_id", "BIGINT"))),
    state_datapoint(List.of(
            col("series_id", "BIGINT"), col("ts_us", "BIGINT"), col("value", "VARCHAR"), col("provenance", "VARCHAR"),
            col("source_rule_id", "INTEGER"), col("event_id", "BIGINT"), col("correlation_id", "VARCHAR"),
            col("caused_by_event_id", "BIGINT"))),
    log_datapoint(List.of(
            col("series_id", "BIGINT"), col("ts_us", "BIGINT"), col("severity", "VARCHAR"), col("message", "VARCHAR"),
            col("provenance", "VARCHAR"), col("source_rule_id", "INTEGER"), col("event_id", "BIGINT"),
            col("correlation_id", "VARCHAR"), col("caused_by_event_id", "BIGINT")));

    record Column(String name, String duckType) {
    }

    final List<Column> columns;

    DatapointColumns(List<Column> columns) {
        this.columns = columns;
    }

    private static Column col(String name, String type) {
        return new Column(name, type);
    }

    /** The Postgres select list: ts as exact integer microseconds, enums as text. */
    String postgresSelect() {
        StringBuilder b = new StringBuilder();
        for (Column c : columns) {
            if (b.length() > 0) {
                b.append(", ");
            }
            switch (c.name()) {
                case "ts_us" -> b.append("(extract(epoch FROM ts) * 1000000)::bigint AS ts_us");
                case "provenance", "severity" -> b.append(c.name()).append("::text");
                default -> b.append(c.name());
            }
        }
        return b.toString();
    }

    /** DuckDB's read_csv columns={...} map. */
    String duckColumns() {
        StringBuilder b = new StringBuilder("{");
        for (Column c : columns) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append('\'').append(c.name()).append("': '").append(c.duckType()).append('\'');
        }
        return b.append('}').toString();
    }

    /** The same names, comma-separated, for a select over the Parquet file. */
    String names() {
        return String.join(", ", columns.stream().map(Column::name).toList());
    }

    static DatapointColumns of(String table) {
        return DatapointColumns.valueOf(table);
    }
}
