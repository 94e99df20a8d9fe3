package io.omniglass.core.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.omniglass.core.tenancy.Migrations;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * By hand: {@code ./mvnw -B -q -pl services/core -am test -Dtest=SinkSchemaCostBench -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.rounds=R -Dbench.batches=B -Dbench.batchRows=N -Dbench.series=S}). Where the
 * database's time per sink batch goes: the sink's own writer ({@link DatapointWriter}, binary
 * COPY, sorted, one transaction per batch of {@code batchRows}) into eight shapes of the metric
 * table on one Postgres, interleaved round by round so that each sees the same machine:
 * a bare partitioned table (primary key only); the same with the lineage CHECK and the partial
 * indexes; the real table with both statement triggers off (their transition table is still
 * captured); with the current-value trigger only; the real
 * table as shipped (tenant V235: current values and references per statement), by COPY into the
 * parent (the sink's direct path until the sixth session), by the idempotent staged merge, and by
 * the sink's direct path now (COPY into the day partitions, {@link DatapointWriter#copyDirect});
 * and the shape before V235 (per-row foreign keys and the
 * current-value trigger). Writes
 * docs/bench/sink-schema-cost.json.
 */
class SinkSchemaCostBench {

    static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    static final int BATCHES = Integer.getInteger("bench.batches", 5);
    static final int BATCH_ROWS = Integer.getInteger("bench.batchRows", 20_000);
    static final int SERIES = Integer.getInteger("bench.series", 1000);

    private long[] series;
    private int rule;
    private long tick;
    private final Instant base = Instant.now().minus(3, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);

    @Test
    void whereTheTimeOfABatchGoes() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on").setServerConfig("shared_buffers", "256MB")
                .setServerConfig("wal_level", "logical").setServerConfig("max_wal_size", "4GB").start()) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE sink_cost");
            }
            DataSource db = pg.getDatabase("postgres", "sink_cost");
            assertThat(Migrations.migrateTenant(db).success).isTrue();
            prepare(db);

            Map<String, String> variants = new LinkedHashMap<>();
            variants.put("bare", "bench_bare_metric: partitioned, primary key only");
            variants.put("check_and_indexes", "bench_plain_metric: partitioned, primary key, the lineage CHECK and the two partial indexes, no trigger");
            variants.put("no_triggers", "metric_datapoint with both statement triggers disabled (PostgreSQL still captures their "
                    + "transition table: capture follows the triggers' definitions, not whether they are enabled)");
            variants.put("current_values_only", "metric_datapoint with the current-value statement trigger only");
            variants.put("shipped", "metric_datapoint as shipped (V235), COPY into the parent: current values and references per statement "
                    + "(the sink's direct path before the sixth session)");
            variants.put("partitions_direct", "the sink's direct path since the sixth session (DatapointWriter.copyDirect): COPY into each "
                    + "day's partition, the references held and the current values moved once per batch by the writer");
            variants.put("shipped_staged_merge", "metric_datapoint as shipped, by the idempotent path: binary COPY into a TEMP table, "
                    + "INSERT ... SELECT ... ORDER BY ... ON CONFLICT DO NOTHING (what a batch with a repeat takes)");
            variants.put("per_row_foreign_keys", "the shape before V235: four per-row foreign keys and the current-value trigger");
            Map<String, long[]> nanos = new LinkedHashMap<>();
            variants.keySet().forEach(v -> nanos.put(v, new long[3])); // nanoseconds, WAL records, WAL bytes
            sql(db, "CREATE EXTENSION IF NOT EXISTS pg_walinspect");

            String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
            for (int r = 0; r < ROUNDS; r++) {
                for (String v : variants.keySet()) {
                    long[] spent = run(db, v);
                    for (int i = 0; i < spent.length; i++) {
                        nanos.get(v)[i] += spent[i];
                    }
                }
            }
            String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();

            long rowsPerVariant = (long) ROUNDS * BATCHES * BATCH_ROWS;
            Map<String, Object> out = new LinkedHashMap<>();
            Map<String, Object> shapes = new LinkedHashMap<>();
            double bare = rowsPerVariant / (nanos.get("bare")[0] / 1e9);
            for (String v : variants.keySet()) {
                double secs = nanos.get(v)[0] / 1e9;
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("what", variants.get(v));
                s.put("rows", rowsPerVariant);
                s.put("seconds", round(secs));
                s.put("rows_per_s", Math.round(rowsPerVariant / secs));
                s.put("ms_per_batch", round(secs * 1000 / (ROUNDS * BATCHES)));
                s.put("vs_bare", round(rowsPerVariant / secs / bare));
                s.put("wal_records_per_row", round(nanos.get(v)[1] / (double) rowsPerVariant));
                s.put("wal_bytes_per_row", round(nanos.get(v)[2] / (double) rowsPerVariant));
                shapes.put(v, s);
                System.out.printf("%-22s %,9.0f rows/s  %7.1f ms a batch  %.2fx bare  %.2f WAL records, %.1f WAL bytes a row%n", v,
                        rowsPerVariant / secs, secs * 1000 / (ROUNDS * BATCHES), rowsPerVariant / secs / bare,
                        nanos.get(v)[1] / (double) rowsPerVariant, nanos.get(v)[2] / (double) rowsPerVariant);
            }
            out.put("shapes", shapes);
            Map<String, Object> set = new LinkedHashMap<>();
            set.put("rounds", ROUNDS);
            set.put("batches_per_round", BATCHES);
            set.put("batch_rows", BATCH_ROWS);
            set.put("series", SERIES);
            set.put("writer", "the sink's binary COPY encoding, rows sorted by (series_id, ts), one transaction per batch");
            set.put("wal", "pg_walinspect's pg_get_wal_stats between the insert positions before and after each batch (this "
                    + "server has nothing else writing): records and bytes, full-page images included");
            set.put("postgres", "embedded " + value(db, "SHOW server_version") + ", fsync on, synchronous_commit on, shared_buffers 256MB");
            set.put("cpus", Runtime.getRuntime().availableProcessors());
            out.put("settings", set);
            out.put("load_average_before", loadBefore);
            out.put("load_average_after", loadAfter);
            out.put("command", "./mvnw -B -q -pl services/core -am test -Dtest=SinkSchemaCostBench -Dsurefire.failIfNoSpecifiedTests=false");
            Path file = Paths.get(System.getProperty("bench.out", "../../docs/bench/sink-schema-cost.json"));
            Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n");
            System.out.println("written to " + file.toAbsolutePath());
            // every shape holds every row it was given
            assertThat(count(db, "SELECT count(*) FROM bench_bare_metric")).isEqualTo(rowsPerVariant);
            assertThat(count(db, "SELECT count(*) FROM metric_datapoint")).isEqualTo(5 * rowsPerVariant);
            assertThat(count(db, "SELECT count(*) FROM bench_fk_metric")).isEqualTo(rowsPerVariant);
            assertThat(count(db, "SELECT count(*) FROM bench_plain_metric")).isEqualTo(rowsPerVariant);
        }
    }

    private void prepare(DataSource db) throws SQLException {
        java.time.LocalDate today = java.time.LocalDate.now(ZoneOffset.UTC);
        sql(db, "SELECT og_ensure_partitions('" + today.minusDays(1) + "', '" + today.plusDays(1) + "')");
        sql(db, "INSERT INTO location (name) VALUES ('site')");
        sql(db, "INSERT INTO component (name, location) SELECT 'c-' || g, 'site' FROM generate_series(1, " + SERIES + ") g");
        sql(db, "INSERT INTO datapoint_type (name, kind, unit) VALUES ('cost_flow', 'metric', 'm3/h')");
        rule = (int) count(db, "INSERT INTO source_rule (name, version) VALUES ('bench', 1) RETURNING id");
        sql(db, "INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                + "SELECT 'component', c.name, t.id, 'metric', 'observed', 'bench' FROM component c, datapoint_type t WHERE t.name = 'cost_flow'");
        series = new long[SERIES];
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM series ORDER BY id")) {
            for (int i = 0; rs.next(); i++) {
                series[i] = rs.getLong(1);
            }
        }
        String columns = "series_id bigint NOT NULL, ts timestamptz NOT NULL, value double precision NOT NULL, "
                + "provenance provenance NOT NULL, source_rule_id int, event_id bigint, correlation_id text, caused_by_event_id bigint, "
                + "PRIMARY KEY (series_id, ts)";
        sql(db, "CREATE TABLE bench_bare_metric (" + columns + ") PARTITION BY RANGE (ts)");
        // the V1 table: foreign keys per row, the lineage CHECK, the partial indexes, the current-value trigger
        sql(db, "CREATE TABLE bench_fk_metric (" + columns
                + ", FOREIGN KEY (series_id, provenance) REFERENCES series (id, provenance)"
                + ", FOREIGN KEY (source_rule_id) REFERENCES source_rule (id), FOREIGN KEY (event_id) REFERENCES event (id)"
                + ", FOREIGN KEY (caused_by_event_id) REFERENCES event (id)"
                + ", CHECK ((provenance IN ('observed', 'calculated') AND source_rule_id IS NOT NULL AND event_id IS NULL) OR "
                + "(provenance = 'intended' AND event_id IS NOT NULL AND source_rule_id IS NULL))) PARTITION BY RANGE (ts)");
        String lineage = "CHECK ((provenance IN ('observed', 'calculated') AND source_rule_id IS NOT NULL AND event_id IS NULL) OR "
                + "(provenance = 'intended' AND event_id IS NOT NULL AND source_rule_id IS NULL))";
        sql(db, "CREATE TABLE bench_plain_metric (" + columns + ", " + lineage + ") PARTITION BY RANGE (ts)");
        sql(db, "CREATE INDEX ON bench_plain_metric (caused_by_event_id) WHERE caused_by_event_id IS NOT NULL");
        sql(db, "CREATE INDEX ON bench_plain_metric (event_id) WHERE event_id IS NOT NULL");
        sql(db, "CREATE INDEX ON bench_fk_metric (caused_by_event_id) WHERE caused_by_event_id IS NOT NULL");
        sql(db, "CREATE INDEX ON bench_fk_metric (event_id) WHERE event_id IS NOT NULL");
        sql(db, "CREATE TRIGGER bench_fk_metric_latest AFTER INSERT ON bench_fk_metric REFERENCING NEW TABLE AS new_rows "
                + "FOR EACH STATEMENT EXECUTE FUNCTION og_latest_metric()");
        for (String t : List.of("bench_bare_metric", "bench_plain_metric", "bench_fk_metric")) {
            for (java.time.LocalDate d = today.minusDays(1); !d.isAfter(today.plusDays(1)); d = d.plusDays(1)) {
                sql(db, "CREATE TABLE " + t + "_p" + d.toString().replace("-", "") + " PARTITION OF " + t
                        + " FOR VALUES FROM ('" + d + " 00:00:00+00') TO ('" + d.plusDays(1) + " 00:00:00+00')");
            }
        }
    }

    /** BATCHES batches into the variant's table; returns the nanoseconds spent writing and committing, and the WAL written. */
    private long[] run(DataSource db, String variant) throws Exception {
        String table = switch (variant) {
            case "bare" -> "bench_bare_metric";
            case "per_row_foreign_keys" -> "bench_fk_metric";
            case "check_and_indexes" -> "bench_plain_metric";
            default -> "metric_datapoint";
        };
        if (table.equals("metric_datapoint")) {
            boolean latest = !variant.equals("no_triggers");
            boolean refs = !variant.equals("no_triggers") && !variant.equals("current_values_only");
            sql(db, "ALTER TABLE metric_datapoint " + (latest ? "ENABLE" : "DISABLE") + " TRIGGER metric_datapoint_latest");
            sql(db, "ALTER TABLE metric_datapoint " + (refs ? "ENABLE" : "DISABLE") + " TRIGGER metric_datapoint_foreign_keys");
        }
        long spent = 0;
        long records = 0;
        long bytes = 0;
        for (int b = 0; b < BATCHES; b++) {
            List<StagedRow> rows = batch();
            String from = value(db, "SELECT pg_current_wal_insert_lsn()");
            long t0 = System.nanoTime();
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                if (variant.equals("shipped_staged_merge")) {
                    assertThat(DatapointWriter.write(c, rows)).isEqualTo(rows.size());
                } else if (variant.equals("partitions_direct")) {
                    assertThat(DatapointWriter.copyDirect(c, rows)).isEqualTo(rows.size());
                } else {
                    // the writer's own sort and encoding, into the variant's table (the parent, for metric_datapoint)
                    List<StagedRow> sorted = new ArrayList<>(rows);
                    sorted.sort(DatapointWriter.TABLE_ORDER);
                    c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " (series_id, ts, value, provenance, "
                                    + "source_rule_id, event_id, correlation_id, caused_by_event_id) FROM STDIN (FORMAT binary)",
                            new ByteArrayInputStream(DatapointWriter.encode(DatapointKind.metric, sorted)));
                }
                c.commit();
            }
            spent += System.nanoTime() - t0;
            try (Connection c = db.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT sum(count), sum(combined_size) FROM pg_get_wal_stats('" + from
                         + "', pg_current_wal_insert_lsn())")) {
                rs.next();
                records += rs.getLong(1);
                bytes += rs.getLong(2);
            }
        }
        return new long[] {spent, records, bytes};
    }

    /** BATCH_ROWS new rows: round-robin over the series, each round 1 ms later than the last. */
    private List<StagedRow> batch() {
        List<StagedRow> rows = new ArrayList<>(BATCH_ROWS);
        for (int i = 0; i < BATCH_ROWS; i++, tick++) {
            java.time.OffsetDateTime ts = base.plusMillis(tick / SERIES).atOffset(ZoneOffset.UTC);
            rows.add(new StagedRow(0, i, DatapointKind.metric, series[(int) (tick % SERIES)],
                    io.omniglass.api.lane.LaneTimestamp.epochMicros(ts), (tick % 1000) / 10.0, null, null,
                    Provenance.observed, rule, null, null, null));
        }
        return rows;
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private static void sql(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static long count(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String value(DataSource db, String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
