package io.omniglass.core.sink;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
     * The optimistic path, for rows never stored before: binary COPY straight into each day's
     * partition, then the current values, in the caller's transaction. Fails with unique_violation
     * (23505) when any row is already stored, with foreign_key_violation (23503) when a series,
     * source rule or event it names is gone, and as a missing partition (23514, as the parent
     * says it) when the upkeep dropped a day under it; the caller then rolls back and takes
     * {@link #write}, which goes through the parent and its statement triggers.
     *
     * <p>Why the partitions and not the parent (docs/peers.md, "Sixth session"): a COPY into a
     * partitioned table that has a statement trigger with a transition table inserts row by row
     * (PostgreSQL's CopyFrom falls back from its multi-insert buffers then), so every row was a
     * heap WAL record of its own and the two statement triggers re-read every row. A partition
     * inherits neither trigger, so here the rows go in by multi-insert and the triggers' two jobs
     * are done once per batch from what the sink already knows: {@link #holdReferences} takes the
     * foreign keys' key-share locks, {@link #moveCurrentValues} the newest row of each series.
     * Writers that bypass the sink still write through the parent, whose triggers keep both.
     *
     * <p>Lock order: every writer takes its key locks in (kind, day, series_id, ts) order, then
     * series_latest in series_id order, so two sinks of one tenant never wait on each other in
     * a cycle.
     */
    static int copyDirect(Connection c, List<StagedRow> rows) throws SQLException {
        return copyDirect(c, rows, CopyPlan.of(rows));
    }

    /** {@link #copyDirect(Connection, List)} with the COPY worked out ahead ({@code plan} made from {@code rows}). */
    static int copyDirect(Connection c, List<StagedRow> rows, CopyPlan plan) throws SQLException {
        if (!plan.isFor(rows)) {
            throw new IllegalArgumentException("the plan was made from other rows");
        }
        holdReferences(c, rows);
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        long n = 0;
        for (CopyPlan.Part part : plan.parts()) {
            try {
                n += copy.copyIn(copyIn(part.partition(), columns(part.kind())), new ByteArrayInputStream(part.data()));
            } catch (SQLException e) {
                if ("42P01".equals(e.getSQLState())) { // dropped by the upkeep since the sink made it
                    throw new SQLException("no partition of relation \"" + part.table() + "\" found for row (" + part.partition()
                            + " is gone)", "23514", e);
                }
                throw e;
            } catch (IOException io) {
                throw new SQLException("COPY into " + part.partition() + " failed: " + io.getMessage(), "08006", io);
            }
        }
        moveCurrentValues(c, rows);
        return (int) n;
    }

    /**
     * What the parent's statement trigger og_datapoint_references (tenant V235) does for its rows:
     * each distinct series (with its provenance), source rule and event the rows name is locked
     * FOR KEY SHARE, as a foreign key's lookup locks it, so that a concurrent delete either waits
     * for this transaction or has won and the row is missing. Missing rows fail the batch with
     * 23503; the staged merge then names the row through the parent's trigger and sets it aside.
     */
    static void holdReferences(Connection c, List<StagedRow> rows) throws SQLException {
        Map<Long, Provenance> series = new java.util.TreeMap<>();
        java.util.TreeSet<Integer> rules = new java.util.TreeSet<>();
        java.util.TreeSet<Long> events = new java.util.TreeSet<>();
        for (StagedRow r : rows) {
            Provenance was = series.putIfAbsent(r.seriesId(), r.provenance());
            if (was != null && was != r.provenance()) {
                throw new SQLException("insert or update on table \"" + table(r.kind()) + "\" violates foreign key constraint \""
                        + table(r.kind()) + "_series_id_provenance_fkey\"", "23503");
            }
            if (r.sourceRuleId() != null) {
                rules.add(r.sourceRuleId());
            }
            if (r.eventId() != null) {
                events.add(r.eventId());
            }
            if (r.causedByEventId() != null) {
                events.add(r.causedByEventId());
            }
        }
        Long[] ids = series.keySet().toArray(Long[]::new);
        String[] provenances = new String[ids.length];
        int i = 0;
        for (Provenance p : series.values()) {
            provenances[i++] = p.getLiteral();
        }
        try (PreparedStatement ps = c.prepareStatement(HOLD_REFERENCES)) {
            ps.setArray(1, c.createArrayOf("int8", ids));
            ps.setArray(2, c.createArrayOf("text", provenances));
            ps.setArray(3, c.createArrayOf("int4", rules.toArray(Integer[]::new)));
            ps.setArray(4, c.createArrayOf("int8", events.toArray(Long[]::new)));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) != ids.length || rs.getInt(2) != rules.size() || rs.getInt(3) != events.size()) {
                    throw new SQLException("a series, source rule or event the batch names is not present (it was deleted)", "23503");
                }
            }
        }
    }

    /** Row locks in id order. The sink's system session is not under row-level security: a missing row is missing. */
    private static final String HOLD_REFERENCES = """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM series s
                        JOIN unnest(?::bigint[], ?::provenance[]) AS w (id, provenance)
                          ON s.id = w.id AND s.provenance = w.provenance
                        ORDER BY s.id FOR KEY SHARE OF s) x),
                   (SELECT count(*) FROM (SELECT 1 FROM source_rule r WHERE r.id = ANY (?::int[])
                        ORDER BY r.id FOR KEY SHARE) x),
                   (SELECT count(*) FROM (SELECT 1 FROM event e WHERE e.id = ANY (?::bigint[])
                        ORDER BY e.id FOR KEY SHARE) x)""";

    /**
     * What the parent's current-value triggers (og_latest_metric and friends, tenant V33) do for
     * their statement's rows: each series' newest row of the batch becomes its current value
     * unless a newer one is there already (never backwards), one statement per kind (the arrays
     * are sorted by series_id). Timestamps travel as epoch
     * microseconds and are made exact on the server.
     */
    static void moveCurrentValues(Connection c, List<StagedRow> rows) throws SQLException {
        Map<DatapointKind, java.util.TreeMap<Long, StagedRow>> newest = new EnumMap<>(DatapointKind.class);
        for (StagedRow r : rows) {
            newest.computeIfAbsent(r.kind(), k -> new java.util.TreeMap<>())
                    .merge(r.seriesId(), r, (a, b) -> b.micros() > a.micros() ? b : a);
        }
        try (Statement st = c.createStatement()) {
            st.execute(IN_SERIES_ORDER);
        }
        for (Map.Entry<DatapointKind, java.util.TreeMap<Long, StagedRow>> e : newest.entrySet()) {
            List<StagedRow> latest = new ArrayList<>(e.getValue().values());
            Long[] ids = new Long[latest.size()];
            Long[] micros = new Long[latest.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = latest.get(i).seriesId();
                micros[i] = latest.get(i).micros();
            }
            try (PreparedStatement ps = c.prepareStatement(switch (e.getKey()) {
                case metric -> LATEST_METRIC;
                case state -> LATEST_STATE;
                case log -> LATEST_LOG;
            })) {
                ps.setArray(1, c.createArrayOf("int8", ids));
                ps.setArray(2, c.createArrayOf("int8", micros));
                switch (e.getKey()) {
                    case metric -> ps.setArray(3, c.createArrayOf("float8",
                            latest.stream().map(StagedRow::number).toArray(Double[]::new)));
                    case state -> ps.setArray(3, c.createArrayOf("text",
                            latest.stream().map(r -> noNul(r.text())).toArray(String[]::new)));
                    case log -> {
                        ps.setArray(3, c.createArrayOf("text", latest.stream().map(r -> noNul(r.text())).toArray(String[]::new)));
                        ps.setArray(4, c.createArrayOf("text", latest.stream().map(StagedRow::severity).toArray(String[]::new)));
                    }
                }
                ps.executeUpdate();
            }
        }
    }

    /** As {@link CopyBinary#text(String)} writes it into the datapoint row. */
    private static String noNul(String s) {
        return s.indexOf('\0') >= 0 ? s.replace("\0", "") : s;
    }

    /** The microseconds since 1970 as a timestamptz, exactly (integer microseconds, no float seconds). */
    private static final String TS_OF_MICROS = "timestamptz 'epoch' + w.micros * interval '1 microsecond'";
    /*
     * An UPDATE of the latest rows that exist (every series' row is made with the series, V33), and
     * an insert only for a row that is missing. INSERT ... ON CONFLICT DO UPDATE locked the
     * conflicting row before updating it: a Heap/LOCK WAL record besides the HOT update for every
     * series of every batch, and a lock record alone for a datapoint older than the current value.
     * Every logical slot of the server decodes each record (docs/fleet.md, s12-walperdp). The
     * UPDATE's own row lock is part of its update record; a row that is not newer is not touched.
     * A row made by another transaction after this statement's snapshot is left to the insert's
     * ON CONFLICT, as before.
     */
    /*
     * The UPDATE below locks rows in its join's order. Planned freely it hashes the batch and scans
     * series_latest (heap order), so two writers of the same series (sinks on two cores, or the
     * staged merge's trigger, which follows the sorted input) could lock them in different orders
     * and deadlock. For the rest of this transaction (set_config local: undone at its end) only a
     * nested loop of the sorted batch over the primary key is left: series_id order, as the
     * INSERT ... ON CONFLICT had. The plans are made under it at every execution, cached or not.
     */
    private static final String IN_SERIES_ORDER = "SELECT set_config('enable_seqscan', 'off', true), "
            + "set_config('enable_bitmapscan', 'off', true), set_config('enable_hashjoin', 'off', true), "
            + "set_config('enable_mergejoin', 'off', true)";

    private static final String LATEST_ROWS = "WITH w AS MATERIALIZED (SELECT w.id, " + TS_OF_MICROS + " AS ts, %s "
            + "FROM unnest(?::bigint[], ?::bigint[], %s) AS w (id, micros, %s)), "
            + "moved AS (UPDATE series_latest l SET ts = w.ts, %s FROM w "
            + "WHERE l.series_id = w.id AND (l.ts IS NULL OR l.ts < w.ts) RETURNING l.series_id) "
            + "INSERT INTO series_latest AS l (series_id, ts, %s) SELECT w.id, w.ts, %s FROM w "
            + "WHERE NOT EXISTS (SELECT 1 FROM series_latest x WHERE x.series_id = w.id) "
            + "ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, %s WHERE l.ts IS NULL OR l.ts < excluded.ts";
    private static final String LATEST_METRIC = LATEST_ROWS.formatted("w.v", "?::float8[]", "v",
            "value_num = w.v", "value_num", "w.v", "value_num = excluded.value_num");
    private static final String LATEST_STATE = LATEST_ROWS.formatted("w.v", "?::text[]", "v",
            "value_text = w.v", "value_text", "w.v", "value_text = excluded.value_text");
    private static final String LATEST_LOG = LATEST_ROWS.formatted("w.v, w.sev::severity AS sev", "?::text[], ?::text[]", "v, sev",
            "value_text = w.v, severity = w.sev", "value_text, severity", "w.v, w.sev",
            "value_text = excluded.value_text, severity = excluded.severity");

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
