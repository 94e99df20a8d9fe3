package io.omniglass.core.sink;

import io.omniglass.api.lane.LaneTimestamp;
import io.omniglass.core.testing.SchemaDatabase;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binary COPY rows land exactly as given, on both write paths (direct COPY and the staged
 * merge), for every kind and every awkward value the text format had to escape.
 */
class DatapointWriterTest {

    static SchemaDatabase schema;
    static DataSource db;
    static long metric;
    static long state;
    static long log;
    static long intended;
    static int rule;
    static long event;

    @BeforeAll
    static void migrate() throws Exception {
        schema = SchemaDatabase.migratedTenant("datapoint_writer_test");
        db = schema.dataSource();
        sql("SELECT og_ensure_partitions(current_date - 2, current_date + 1)");
        sql("INSERT INTO location (name) VALUES ('site-a')");
        sql("INSERT INTO component (name, location) VALUES ('pump-1', 'site-a')");
        sql("INSERT INTO datapoint_type (name, kind, unit) VALUES ('w_pressure', 'metric', 'bar'), ('w_mode', 'state', ''), ('w_log', 'log', '')");
        rule = (int) count("INSERT INTO source_rule (name, version) VALUES ('w-rule', 1) RETURNING id");
        event = count("INSERT INTO event (name, origin, owner_kind) VALUES ('command', 'scheduled', 'global') RETURNING id");
        metric = series("w_pressure", "observed");
        state = series("w_mode", "observed");
        log = series("w_log", "observed");
        intended = series("w_pressure", "intended");
    }

    @AfterAll
    static void stop() throws Exception {
        schema.close();
    }

    @Test
    void everyKindRoundTripsThroughTheDirectCopy() throws Exception {
        OffsetDateTime base = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.ofHours(2));
        List<StagedRow> rows = new ArrayList<>();
        rows.add(row(DatapointKind.metric, metric, base.plusNanos(123_456_000), -0.0, null, null, rule, null, "corr\tid\nwith\\escapes", event));
        rows.add(row(DatapointKind.metric, metric, base.plusSeconds(1), 1.7976931348623157e308, null, null, rule, null, null, null));
        rows.add(row(DatapointKind.metric, metric, base.plusSeconds(2), -4.9e-324, null, null, rule, null, "ünïcødé ✓", null));
        rows.add(row(DatapointKind.metric, intended, base.plusSeconds(3), 42.5, null, null, null, event, null, null));
        rows.add(row(DatapointKind.state, state, base, 0, "line1\nline2\\ and\ttab \"quoted\"", null, rule, null, null, null));
        rows.add(row(DatapointKind.state, state, base.plusSeconds(1), 0, "", null, rule, null, null, null));
        rows.add(row(DatapointKind.log, log, base, 0, "a message with a NUL\0 dropped", "warning", rule, null, "c-1", null));
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            assertThat(DatapointWriter.copyDirect(c, rows)).isEqualTo(rows.size());
            c.commit();
        }
        assertThat(rows("SELECT series_id, ts, value::text, provenance, source_rule_id, event_id, correlation_id, caused_by_event_id "
                + "FROM metric_datapoint WHERE series_id IN (" + metric + ", " + intended + ") AND ts >= '" + base + "' ORDER BY ts")).containsExactly(
                List.of(metric, base.plusNanos(123_456_000).toInstant(), "-0", "observed", rule, "", "corr\tid\nwith\\escapes", event),
                List.of(metric, base.plusSeconds(1).toInstant(), "1.7976931348623157e+308", "observed", rule, "", "", ""),
                List.of(metric, base.plusSeconds(2).toInstant(), "-5e-324", "observed", rule, "", "ünïcødé ✓", ""),
                List.of(intended, base.plusSeconds(3).toInstant(), "42.5", "intended", "", event, "", ""));
        assertThat(rows("SELECT series_id, ts, value FROM state_datapoint WHERE series_id = " + state + " ORDER BY ts")).containsExactly(
                List.of(state, base.toInstant(), "line1\nline2\\ and\ttab \"quoted\""),
                List.of(state, base.plusSeconds(1).toInstant(), ""));
        assertThat(rows("SELECT severity, message, correlation_id FROM log_datapoint WHERE series_id = " + log)).containsExactly(
                List.of("warning", "a message with a NUL dropped", "c-1"));
        // the current values came with them: the newest row of each series
        assertThat(rows("SELECT ts, value_num::text FROM series_latest WHERE series_id = " + metric))
                .containsExactly(List.of(base.plusSeconds(2).toInstant(), "-5e-324"));
        assertThat(rows("SELECT ts, value_text, severity FROM series_latest WHERE series_id = " + log))
                .containsExactly(List.of(base.toInstant(), "a message with a NUL dropped", "warning"));
        assertThat(count("SELECT count(*) FROM series_latest WHERE series_id = " + state + " AND value_text = ''")).isEqualTo(1);
    }

    @Test
    void aCopyPlanMadeAheadWritesItsRowsByDayPartitionAndIsBoundToThoseRows() throws Exception {
        long pump = seriesOf("plan-pump", "w_pressure");
        long valve = seriesOf("plan-valve", "w_mode");
        OffsetDateTime today = Instant.now().truncatedTo(ChronoUnit.DAYS).atOffset(ZoneOffset.UTC);
        OffsetDateTime yesterday = today.minusDays(1);
        // out of order on purpose: the plan sorts each day's rows and puts the days in order
        List<StagedRow> rows = new ArrayList<>(List.of(
                row(DatapointKind.metric, pump, today.plusSeconds(2), 3.0, null, null, rule, null, null, null),
                row(DatapointKind.state, valve, yesterday.plusSeconds(5), 0, "open", null, rule, null, null, null),
                row(DatapointKind.metric, pump, yesterday.plusSeconds(9), 2.0, null, null, rule, null, null, null),
                row(DatapointKind.metric, pump, today.plusSeconds(1), 4.0, null, null, rule, null, null, null),
                row(DatapointKind.metric, pump, yesterday.plusSeconds(3), 1.0, null, null, rule, null, null, null)));
        CopyPlan plan = CopyPlan.of(rows);
        assertThat(plan.parts()).extracting(CopyPlan.Part::partition).containsExactly(
                io.omniglass.core.lifecycle.Partitions.partitionName("metric_datapoint", yesterday.toLocalDate()),
                io.omniglass.core.lifecycle.Partitions.partitionName("metric_datapoint", today.toLocalDate()),
                io.omniglass.core.lifecycle.Partitions.partitionName("state_datapoint", yesterday.toLocalDate()));
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            // equal rows in another list (what the writer has after dropping cold copies): not this plan's
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> DatapointWriter.copyDirect(c, List.copyOf(rows), plan))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(DatapointWriter.copyDirect(c, rows, plan)).isEqualTo(5);
            c.commit();
        }
        assertThat(rows("SELECT ts, value::text FROM metric_datapoint WHERE series_id = " + pump + " ORDER BY ts")).containsExactly(
                List.of(yesterday.plusSeconds(3).toInstant(), "1"), List.of(yesterday.plusSeconds(9).toInstant(), "2"),
                List.of(today.plusSeconds(1).toInstant(), "4"), List.of(today.plusSeconds(2).toInstant(), "3"));
        assertThat(rows("SELECT ts, value FROM state_datapoint WHERE series_id = " + valve)).containsExactly(
                List.of(yesterday.plusSeconds(5).toInstant(), "open"));
        assertThat(rows("SELECT ts, value_num::text FROM series_latest WHERE series_id = " + pump))
                .containsExactly(List.of(today.plusSeconds(2).toInstant(), "3"));
    }

    @Test
    void theStagedMergeKeepsTheFirstStoredAndRoundsAsTheBatchDoes() throws Exception {
        OffsetDateTime base = Instant.now().minus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        // half a microsecond rounds up (text input would round half to even: 2), as TenantSink's
        // repeat detection rounds, so the batch's (series, ts) is the table's
        OffsetDateTime half = base.plusNanos(2_500);
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            assertThat(DatapointWriter.copyDirect(c, List.of(row(DatapointKind.metric, metric, half, 1.0, null, null, rule, null, null, null)))).isEqualTo(1);
            c.commit();
            // a repeat (same series and ts) and a new row: one new, the first stored wins
            int n = DatapointWriter.write(c, List.of(
                    row(DatapointKind.metric, metric, half, 99.0, null, null, rule, null, null, null),
                    row(DatapointKind.metric, metric, base.plusSeconds(1), 2.0, null, null, rule, null, null, null)));
            c.commit();
            assertThat(n).isEqualTo(1);
        }
        assertThat(rows("SELECT ts, value FROM metric_datapoint WHERE series_id = " + metric + " AND ts >= '" + base + "' AND ts < '"
                + base.plusMinutes(1) + "' ORDER BY ts")).containsExactly(
                List.of(base.plusNanos(3_000).toInstant(), "1"),
                List.of(base.plusSeconds(1).toInstant(), "2"));
    }

    @Test
    void theDirectCopyMovesEachCurrentValueToItsNewestRowAndNeverBack() throws Exception {
        long pump = seriesOf("pump-newest", "w_pressure");
        OffsetDateTime base = Instant.now().minus(90, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        OffsetDateTime newest = base.plusNanos(5_000_123_000L); // microseconds survive the trip as they are
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            // out of order within the batch, and over two days' partitions
            DatapointWriter.copyDirect(c, List.of(
                    row(DatapointKind.metric, pump, base.plusSeconds(2), 2.0, null, null, rule, null, null, null),
                    row(DatapointKind.metric, pump, newest, 5.0, null, null, rule, null, null, null),
                    row(DatapointKind.metric, pump, base.minusDays(1), -1.0, null, null, rule, null, null, null)));
            c.commit();
        }
        assertThat(rows("SELECT ts, value_num::text FROM series_latest WHERE series_id = " + pump))
                .containsExactly(List.of(newest.toInstant(), "5"));
        assertThat(count("SELECT count(*) FROM metric_datapoint WHERE series_id = " + pump)).isEqualTo(3);
        // an older batch (late data, a backfill) stores its rows and leaves the current value alone
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DatapointWriter.copyDirect(c, List.of(row(DatapointKind.metric, pump, base.plusSeconds(3), 3.0, null, null, rule, null, null, null)));
            c.commit();
        }
        assertThat(rows("SELECT ts, value_num::text FROM series_latest WHERE series_id = " + pump))
                .containsExactly(List.of(newest.toInstant(), "5"));
        assertThat(count("SELECT count(*) FROM metric_datapoint WHERE series_id = " + pump)).isEqualTo(4);
    }

    /**
     * What every logical slot of the server decodes for a current value (docs/fleet.md,
     * s12-walperdp): a newer datapoint is one in-place update of its series' latest row, no row
     * lock record before it; an older one (late data) writes nothing for the row.
     */
    @Test
    void aCurrentValueMovesWithOneWalRecordAndLateDataWritesNone() throws Exception {
        long pump = seriesOf("pump-wal", "w_pressure");
        long valve = seriesOf("valve-wal", "w_mode");
        OffsetDateTime base = Instant.now().minus(70, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        copy(List.of(row(DatapointKind.metric, pump, base, 1.0, null, null, rule, null, null, null),
                row(DatapointKind.state, valve, base, 0, "open", null, rule, null, null, null)));

        io.omniglass.core.testing.WalRecords newer = io.omniglass.core.testing.WalRecords.mark(db);
        copy(List.of(row(DatapointKind.metric, pump, base.plusSeconds(1), 2.0, null, null, rule, null, null, null),
                row(DatapointKind.state, valve, base.plusSeconds(1), 0, "shut", null, rule, null, null, null)));
        assertThat(newer.since("series_latest")).containsExactly("Heap/HOT_UPDATE", "Heap/HOT_UPDATE");

        io.omniglass.core.testing.WalRecords late = io.omniglass.core.testing.WalRecords.mark(db);
        copy(List.of(row(DatapointKind.metric, pump, base.minusSeconds(5), -1.0, null, null, rule, null, null, null)));
        assertThat(late.since("series_latest")).isEmpty();
        assertThat(rows("SELECT series_id, ts, coalesce(value_num::text, value_text) FROM series_latest WHERE series_id IN ("
                + pump + ", " + valve + ") ORDER BY series_id")).containsExactly(
                List.of(pump, base.plusSeconds(1).toInstant(), "2"),
                List.of(valve, base.plusSeconds(1).toInstant(), "shut"));
    }

    /** A series whose latest row is missing (made by a writer that bypassed the series triggers) gets one. */
    @Test
    void aMissingLatestRowIsMadeByTheDirectCopy() throws Exception {
        long pump = seriesOf("pump-no-latest", "w_pressure");
        sql("DELETE FROM series_latest WHERE series_id = " + pump);
        OffsetDateTime ts = Instant.now().minus(60, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        copy(List.of(row(DatapointKind.metric, pump, ts, 7.0, null, null, rule, null, null, null)));
        assertThat(rows("SELECT ts, value_num::text FROM series_latest WHERE series_id = " + pump))
                .containsExactly(List.of(ts.toInstant(), "7"));
    }

    /**
     * The current values' update probes the primary key from the sorted batch (series_id lock
     * order, as the upsert had), planned so for the batch's transaction only: the pooled
     * connection is given back with the planner's defaults.
     */
    @Test
    void theCurrentValuesLockInSeriesOrderAndTheConnectionKeepsItsPlannerDefaults() throws Exception {
        long pump = seriesOf("pump-order", "w_pressure");
        OffsetDateTime ts = Instant.now().minus(50, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DatapointWriter.copyDirect(c, List.of(row(DatapointKind.metric, pump, ts, 1.0, null, null, rule, null, null, null)));
            StringBuilder plan = new StringBuilder();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("EXPLAIN (COSTS OFF) UPDATE series_latest l "
                    + "SET ts = w.ts FROM (SELECT * FROM unnest(ARRAY[1, 2, 3]::bigint[], ARRAY[now(), now(), now()]) AS w (id, ts)) w "
                    + "WHERE l.series_id = w.id")) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            assertThat(plan.toString()).contains("Nested Loop", "Index Scan using series_latest_pkey").doesNotContain("Hash", "Seq Scan");
            c.commit();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT current_setting('enable_seqscan') || current_setting('enable_hashjoin')")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("onon");
            }
        }
    }

    private static void copy(List<StagedRow> rows) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DatapointWriter.copyDirect(c, rows);
            c.commit();
        }
    }

    @Test
    void aWriterThatBypassesTheSinkStillMovesTheCurrentValue() throws Exception {
        long valve = seriesOf("valve-bypass", "w_mode");
        OffsetDateTime base = Instant.now().minus(80, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        // a plain INSERT into the parent table, as an operator's script or an import would write
        sql("INSERT INTO state_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES ("
                + valve + ", '" + base + "', 'open', 'observed', " + rule + "), ("
                + valve + ", '" + base.plusSeconds(1) + "', 'closed', 'observed', " + rule + ")");
        assertThat(rows("SELECT ts, value_text FROM series_latest WHERE series_id = " + valve))
                .containsExactly(List.of(base.plusSeconds(1).toInstant(), "closed"));
        // and the sink after it moves it on
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DatapointWriter.copyDirect(c, List.of(row(DatapointKind.state, valve, base.plusSeconds(2), 0, "opening", null, rule, null, null, null)));
            c.commit();
        }
        assertThat(rows("SELECT ts, value_text FROM series_latest WHERE series_id = " + valve))
                .containsExactly(List.of(base.plusSeconds(2).toInstant(), "opening"));
    }

    @Test
    void theDirectCopyRefusesARowThatIsStoredAndARowWhoseSeriesIsGone() throws Exception {
        long pump = seriesOf("pump-refused", "w_log");
        OffsetDateTime base = Instant.now().minus(70, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC);
        StagedRow first = row(DatapointKind.log, pump, base, 0, "m", "info", rule, null, null, null);
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DatapointWriter.copyDirect(c, List.of(first));
            c.commit();
            // a repeat: unique_violation, so the sink takes the staged merge
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> DatapointWriter.copyDirect(c, List.of(first)))
                    .isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("23505");
            c.rollback();
            // a series that does not exist: foreign_key_violation, as the parent's trigger says it
            StagedRow orphan = row(DatapointKind.log, Long.MAX_VALUE, base.plusSeconds(1), 0, "m", "info", rule, null, null, null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> DatapointWriter.copyDirect(c, List.of(orphan)))
                    .isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("23503");
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM log_datapoint WHERE series_id = " + pump)).isEqualTo(1);
    }

    private static StagedRow row(DatapointKind kind, long series, OffsetDateTime ts, double number, String text, String severity,
                                 Integer rule, Long eventId, String correlation, Long causedBy) {
        Provenance p = eventId != null ? Provenance.intended : Provenance.observed;
        return new StagedRow(0, 0, kind, series, LaneTimestamp.epochMicros(ts), number, text, severity, p, rule, eventId, correlation, causedBy);
    }

    /** An observed series of {@code key} on a component of its own. */
    private static long seriesOf(String component, String key) throws SQLException {
        sql("INSERT INTO component (name, location) VALUES ('" + component + "', 'site-a')");
        return count("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                + "SELECT 'component', '" + component + "', id, kind, 'observed' FROM datapoint_type WHERE name = '" + key + "' RETURNING id");
    }

    private static long series(String key, String provenance) throws SQLException {
        return count("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                + "SELECT 'component', 'pump-1', id, kind, '" + provenance + "' FROM datapoint_type WHERE name = '" + key + "' RETURNING id");
    }

    /** Each row as a list: timestamps as Instants, numbers as longs or ints, NULL as "". */
    private static List<List<Object>> rows(String sql) throws SQLException {
        List<List<Object>> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    Object v = switch (rs.getMetaData().getColumnTypeName(i)) {
                        case "timestamptz" -> rs.getObject(i, OffsetDateTime.class).toInstant();
                        case "int8" -> rs.getObject(i) == null ? null : rs.getLong(i);
                        case "int4" -> rs.getObject(i) == null ? null : rs.getInt(i);
                        default -> rs.getString(i);
                    };
                    row.add(v == null ? "" : v);
                }
                out.add(row);
            }
        }
        return out;
    }

    static void sql(String sql) throws SQLException {
        schema.sql(sql);
    }

    static long count(String sql) throws SQLException {
        return schema.count(sql);
    }
}
