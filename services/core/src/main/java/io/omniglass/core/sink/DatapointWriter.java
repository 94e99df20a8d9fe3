package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Writes validated rows. {@link #copyDirect} is the fast path for rows never stored before (the
 * common case); {@link #write} is the idempotent path that never fails on a repeat: COPY into a per-session TEMP staging table,
 * then {@code INSERT ... SELECT ... ORDER BY series_id, ts ON CONFLICT DO NOTHING} into the
 * partitioned table (COPY has no ON CONFLICT). The ORDER BY makes two sink instances that insert
 * overlapping keys take their locks in the same order, so they never deadlock. The caller owns
 * the transaction.
 */
final class DatapointWriter {

    private static final String COLUMNS_METRIC = "series_id, ts, value, provenance, source_rule_id, event_id, correlation_id, caused_by_event_id";
    private static final String COLUMNS_STATE = COLUMNS_METRIC;
    private static final String COLUMNS_LOG = "series_id, ts, severity, message, provenance, source_rule_id, event_id, correlation_id, caused_by_event_id";

    private static final java.time.format.DateTimeFormatter TS = java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME;

    private DatapointWriter() {
    }

    /** Stages and merges {@code rows} in the caller's transaction; returns how many were new. */
    static int write(Connection c, List<StagedRow> rows) throws SQLException {
        Map<DatapointKind, List<StagedRow>> byKind = new EnumMap<>(DatapointKind.class);
        for (StagedRow r : rows) {
            byKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r);
        }
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        int inserted = 0;
        for (Map.Entry<DatapointKind, List<StagedRow>> e : byKind.entrySet()) {
            String table = table(e.getKey());
            String stage = "og_stage_" + e.getKey().getLiteral();
            String columns = columns(e.getKey());
            try (Statement st = c.createStatement()) {
                // a TEMP table lives in this session only; ON COMMIT DELETE ROWS empties it at every commit
                st.execute("CREATE TEMP TABLE IF NOT EXISTS " + stage + " (LIKE " + table + ") ON COMMIT DELETE ROWS");
            }
            byte[] data = encode(e.getKey(), e.getValue());
            try {
                copy.copyIn("COPY " + stage + " (" + columns + ") FROM STDIN", new ByteArrayInputStream(data));
            } catch (IOException io) {
                throw new SQLException("COPY into " + stage + " failed: " + io.getMessage(), "08006", io);
            }
            try (Statement st = c.createStatement()) {
                inserted += st.executeUpdate("INSERT INTO " + table + " (" + columns + ") SELECT " + columns
                        + " FROM " + stage + " ORDER BY series_id, ts ON CONFLICT DO NOTHING");
            }
        }
        return inserted;
    }

    /**
     * The optimistic path: COPY straight into the datapoint tables, rows sorted by (series_id, ts)
     * so concurrent writers lock in the same order. Fails with unique_violation (23505) when any
     * row is already stored; the caller then rolls back and uses {@link #write}.
     */
    static int copyDirect(Connection c, List<StagedRow> rows) throws SQLException {
        Map<DatapointKind, List<StagedRow>> byKind = new EnumMap<>(DatapointKind.class);
        for (StagedRow r : rows) {
            byKind.computeIfAbsent(r.kind(), k -> new ArrayList<>()).add(r);
        }
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        long n = 0;
        for (Map.Entry<DatapointKind, List<StagedRow>> e : byKind.entrySet()) {
            List<StagedRow> sorted = new ArrayList<>(e.getValue());
            sorted.sort(java.util.Comparator.comparingLong(StagedRow::seriesId)
                    .thenComparing(r -> r.ts().toInstant()));
            byte[] data = encode(e.getKey(), sorted);
            try {
                n += copy.copyIn("COPY " + table(e.getKey()) + " (" + columns(e.getKey()) + ") FROM STDIN",
                        new ByteArrayInputStream(data));
            } catch (IOException io) {
                throw new SQLException("COPY into " + table(e.getKey()) + " failed: " + io.getMessage(), "08006", io);
            }
        }
        return (int) n;
    }

    static String table(DatapointKind kind) {
        return switch (kind) {
            case metric -> "metric_datapoint";
            case state -> "state_datapoint";
            case log -> "log_datapoint";
        };
    }

    private static String columns(DatapointKind kind) {
        return switch (kind) {
            case metric -> COLUMNS_METRIC;
            case state -> COLUMNS_STATE;
            case log -> COLUMNS_LOG;
        };
    }

    /** COPY text format: tab-separated, \N for null, backslash escapes in text. */
    static byte[] encode(DatapointKind kind, List<StagedRow> rows) {
        StringBuilder sb = new StringBuilder(rows.size() * 96);
        for (StagedRow r : rows) {
            sb.append(r.seriesId()).append('\t');
            TS.formatTo(r.ts(), sb); // always with seconds, unlike OffsetDateTime.toString
            sb.append('\t');
            switch (kind) {
                case metric -> sb.append(r.number());
                case state -> escape(sb, r.text());
                case log -> {
                    sb.append(r.severity()).append('\t');
                    escape(sb, r.text());
                }
            }
            sb.append('\t').append(r.provenance().getLiteral()).append('\t');
            nullable(sb, r.sourceRuleId());
            sb.append('\t');
            nullable(sb, r.eventId());
            sb.append('\t');
            if (r.correlationId() == null) {
                sb.append("\\N");
            } else {
                escape(sb, r.correlationId());
            }
            sb.append('\t');
            nullable(sb, r.causedByEventId());
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void nullable(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("\\N");
        } else {
            sb.append(v);
        }
    }

    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\0' -> { } // Postgres text cannot hold NUL
                default -> sb.append(ch);
            }
        }
    }
}
