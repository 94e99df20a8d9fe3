package io.omniglass.core.sink;

import io.omniglass.core.lifecycle.Partitions;
import io.omniglass.core.testing.SchemaDatabase;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * By hand: {@code ./mvnw -B -q -pl services/core -am test -Dtest=SinkWriteStepsBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * Where a batch of the sink's direct path spends its time, step by step, on one Postgres: the
 * references' key-share locks ({@link DatapointWriter#holdReferences}), the binary COPY into the
 * day's partition, the current values ({@link DatapointWriter#moveCurrentValues}) and the commit;
 * 20 batches of 20,000 rows over 1,000 series, the first 5 not counted (warm-up). Prints one line.
 */
class SinkWriteStepsBench {
    @Test
    void whereABatchOfTheDirectPathSpendsItsTime() throws Exception {
        try (SchemaDatabase schema = SchemaDatabase.migratedTenant("steps_probe")) {
            DataSource db = schema.dataSource();
            long[] series = new long[1000];
            int rule;
            try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("SELECT og_ensure_partitions(current_date - 1, current_date + 1)");
                st.execute("INSERT INTO location (name) VALUES ('site')");
                st.execute("INSERT INTO component (name, location) SELECT 'c-' || g, 'site' FROM generate_series(1, 1000) g");
                st.execute("INSERT INTO datapoint_type (name, kind, unit) VALUES ('p_flow', 'metric', 'm3/h')");
                try (ResultSet rs = st.executeQuery("INSERT INTO source_rule (name, version) VALUES ('p', 1) RETURNING id")) { rs.next(); rule = rs.getInt(1); }
                st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                        + "SELECT 'component', c.name, t.id, 'metric', 'observed', 'bench' FROM component c, datapoint_type t WHERE t.name = 'p_flow'");
                try (ResultSet rs = st.executeQuery("SELECT id FROM series ORDER BY id")) { for (int i = 0; rs.next(); i++) series[i] = rs.getLong(1); }
            }
            Instant base = Instant.now().minusSeconds(7200);
            long tick = 0;
            long refs = 0, copy = 0, latest = 0, commit = 0;
            for (int b = 0; b < 20; b++) {
                List<StagedRow> rows = new ArrayList<>();
                for (int i = 0; i < 20000; i++, tick++) {
                    rows.add(new StagedRow(0, i, DatapointKind.metric, series[(int) (tick % 1000)],
                            io.omniglass.api.lane.LaneTimestamp.epochMicros(base.plusMillis(tick / 1000).atOffset(ZoneOffset.UTC)),
                            tick % 100, null, null, Provenance.observed, rule, null, null, null));
                }
                try (Connection c = db.getConnection()) {
                    c.setAutoCommit(false);
                    long t0 = System.nanoTime();
                    DatapointWriter.holdReferences(c, rows);
                    long t1 = System.nanoTime();
                    List<StagedRow> sorted = new ArrayList<>(rows);
                    sorted.sort(DatapointWriter.TABLE_ORDER);
                    String part = Partitions.partitionName("metric_datapoint", LocalDate.ofEpochDay(Math.floorDiv(rows.get(0).micros(), 86_400_000_000L)));
                    c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + part + " (series_id, ts, value, provenance, source_rule_id, event_id, correlation_id, caused_by_event_id) FROM STDIN (FORMAT binary)",
                            new ByteArrayInputStream(DatapointWriter.encode(DatapointKind.metric, sorted)));
                    long t2 = System.nanoTime();
                    DatapointWriter.moveCurrentValues(c, rows);
                    long t3 = System.nanoTime();
                    c.commit();
                    long t4 = System.nanoTime();
                    if (b >= 5) { refs += t1 - t0; copy += t2 - t1; latest += t3 - t2; commit += t4 - t3; }
                }
            }
            System.out.printf("per batch (15 batches of 20000): refs %.1f ms, copy %.1f ms, latest %.1f ms, commit %.1f ms%n",
                    refs / 15e6, copy / 15e6, latest / 15e6, commit / 15e6);
            try (Connection c = db.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*), (SELECT count(*) FROM series_latest WHERE ts IS NOT NULL) FROM metric_datapoint")) {
                rs.next();
                org.assertj.core.api.Assertions.assertThat(rs.getLong(1)).isEqualTo(20L * 20_000);
                org.assertj.core.api.Assertions.assertThat(rs.getLong(2)).isEqualTo(1000);
            }
        }
    }
}
