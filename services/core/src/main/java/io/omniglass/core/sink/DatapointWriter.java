package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
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

    /** The order rows are written in, so concurrent writers lock in the same order. */
    static final Comparator<StagedRow> TABLE_ORDER = (a, b) -> a.seriesId() != b.seriesId()
            ? Long.compare(a.seriesId(), b.seriesId()) : Long.compare(a.micros(), b.micros());
    /** The provenance literals as COPY sends them, encoded once rather than per row. */
    private static final Map<Provenance, byte[]> PROVENANCE = new EnumMap<>(Provenance.class);

    static {
        for (Provenance p : Provenance.values()) {
            PROVENANCE.put(p, p.getLiteral().getBytes(StandardCharsets.UTF_8));
        }
    }

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
                copy.copyIn(copyIn(stage, columns), new ByteArrayInputStream(data));
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
            sorted.sort(TABLE_ORDER);
            byte[] data = encode(e.getKey(), sorted);
            try {
                n += copy.copyIn(copyIn(table(e.getKey()), columns(e.getKey())), new ByteArrayInputStream(data));
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

    /**
     * COPY's binary format: no number or timestamp printed here and parsed again by the server
     * (about a tenth of the server's time per row in text), no escaping. The timestamp is the
     * row's microseconds, rounded once by the decoder's side as {@link TenantSink}'s repeat
     * detection uses them, so a batch's "same (series, ts)" is the table's; NUL, which Postgres text cannot hold, is dropped from text as
     * the decoder's checks leave only correlation ids able to carry one.
     */
    static byte[] encode(DatapointKind kind, List<StagedRow> rows) {
        CopyBinary out = new CopyBinary(rows.size() * 64 + 32);
        for (StagedRow r : rows) {
            out.tuple(kind == DatapointKind.log ? 9 : 8);
            out.int8(r.seriesId());
            out.timestamptz(r.micros());
            switch (kind) {
                case metric -> out.float8(r.number());
                case state -> out.text(r.text());
                case log -> {
                    out.text(r.severity());
                    out.text(r.text());
                }
            }
            out.text(PROVENANCE.get(r.provenance()));
            if (r.sourceRuleId() == null) {
                out.nul();
            } else {
                out.int4(r.sourceRuleId());
            }
            out.int8OrNull(r.eventId());
            if (r.correlationId() == null) {
                out.nul();
            } else {
                out.text(r.correlationId());
            }
            out.int8OrNull(r.causedByEventId());
        }
        return out.finish();
    }

    private static String copyIn(String table, String columns) {
        return "COPY " + table + " (" + columns + ") FROM STDIN (FORMAT binary)";
    }
}
