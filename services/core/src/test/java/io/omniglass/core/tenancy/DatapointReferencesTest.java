package io.omniglass.core.tenancy;

import io.omniglass.core.testing.SchemaDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The datapoint tables' references are checked once per statement (tenant V235) instead of by
 * per-row foreign keys: the same refusals, from either side, with the foreign key's SQLSTATE, and
 * the same behaviour against a concurrent delete of the referenced row.
 */
class DatapointReferencesTest {

    static SchemaDatabase schema;
    static DataSource db;
    static long observed;
    static long intended;
    static long rule;
    static long command;

    @BeforeAll
    static void migrate() throws Exception {
        schema = SchemaDatabase.migratedTenant("datapoint_references_test");
        db = schema.dataSource();
        sql("SELECT og_ensure_partitions(current_date - 1, current_date + 1)");
        sql("INSERT INTO location (name) VALUES ('site-a')");
        sql("INSERT INTO component (name, location) VALUES ('pump-1', 'site-a')");
        sql("INSERT INTO datapoint_type (name, kind, unit) VALUES ('pressure', 'metric', 'bar')");
        rule = count("INSERT INTO source_rule (name, version) VALUES ('modbus-poll', 1) RETURNING id");
        command = count("INSERT INTO event (name, origin, owner_kind) VALUES ('command', 'scheduled', 'global') RETURNING id");
        observed = series("plc-1", "observed");
        intended = series("console", "intended");
    }

    @AfterAll
    static void stop() throws Exception {
        schema.close();
    }

    @Test
    void theDatapointTablesHaveNoPerRowForeignKeysLeft() throws Exception {
        assertThat(count("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid IN "
                + "(SELECT oid FROM pg_class WHERE relname LIKE '%\\_datapoint%')")).isZero();
    }

    @Test
    void aBatchWithOneRowNamingNoSeriesIsRefusedWhole() throws Exception {
        long before = count("SELECT count(*) FROM metric_datapoint");
        // 1,000 good rows and one whose series does not exist, in one statement
        assertForeignKeyViolation("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) "
                + "SELECT CASE WHEN g = 500 THEN 987654 ELSE " + observed + " END, now() - g * interval '1 ms', g, 'observed', " + rule
                + " FROM generate_series(1, 1000) g", "metric_datapoint_series_id_provenance_fkey", "(series_id, provenance)=(987654, observed)");
        assertThat(count("SELECT count(*) FROM metric_datapoint")).isEqualTo(before);
        assertThat(count("SELECT count(*) FROM series_latest WHERE series_id = 987654")).isZero();
    }

    @Test
    void everyReferenceIsChecked() throws Exception {
        // a row's provenance must be its series' provenance
        assertForeignKeyViolation("INSERT INTO metric_datapoint (series_id, ts, value, provenance, event_id) VALUES ("
                + observed + ", now() - interval '1 h', 1, 'intended', " + command + ")", "series_id_provenance_fkey", "intended");
        assertForeignKeyViolation("INSERT INTO state_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES ("
                + observed + ", now() - interval '1 h', 'on', 'observed', 424242)", "state_datapoint_source_rule_id_fkey", "(source_rule_id)=(424242)");
        assertForeignKeyViolation("INSERT INTO log_datapoint (series_id, ts, severity, message, provenance, event_id) VALUES ("
                + intended + ", now() - interval '1 h', 'info', 'm', 'intended', 999999)", "log_datapoint_event_id_fkey", "(event_id)=(999999)");
        assertForeignKeyViolation("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id, caused_by_event_id) VALUES ("
                + observed + ", now() - interval '1 h', 1, 'observed', " + rule + ", 888888)", "caused_by_event_id_fkey", "(caused_by_event_id)=(888888)");
        // and rows that name real rows land, with their current value
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, event_id) VALUES (" + intended + ", now() - interval '2 h', 7.5, 'intended', " + command + ")");
        assertThat(count("SELECT count(*) FROM series_latest WHERE series_id = " + intended + " AND value_num = 7.5")).isEqualTo(1);
    }

    @Test
    void aReferencedRowCannotBeDeletedOrRekeyedButAnUnreferencedOneCan() throws Exception {
        long s = series("delete-me", "observed");
        long r = count("INSERT INTO source_rule (name, version) VALUES ('delete-me', 1) RETURNING id");
        long e = count("INSERT INTO event (name, origin, owner_kind) VALUES ('cause', 'scheduled', 'global') RETURNING id");
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id, caused_by_event_id) VALUES ("
                + s + ", now() - interval '3 h', 1, 'observed', " + r + ", " + e + ")");
        // series_latest's own foreign key refuses the series first; without its row the datapoint still does
        sql("DELETE FROM series_latest WHERE series_id = " + s);
        assertForeignKeyViolation("DELETE FROM series WHERE id = " + s, "series_id_provenance_fkey", "(series_id)=(" + s + ")");
        assertForeignKeyViolation("UPDATE series SET provenance = 'calculated' WHERE id = " + s, "series_id_provenance_fkey", "(series_id)=(" + s + ")");
        assertForeignKeyViolation("DELETE FROM source_rule WHERE id = " + r, "source_rule_id_fkey", "(source_rule_id)=(" + r + ")");
        assertForeignKeyViolation("DELETE FROM event WHERE id = " + e, "caused_by_event_id_fkey", "(caused_by_event_id)=(" + e + ")");
        assertThatThrownBy(() -> sql("TRUNCATE source_rule")).isInstanceOf(PSQLException.class);
        // renames and flags of a referenced series are fine
        sql("UPDATE series SET source = 'renamed' WHERE id = " + s);

        long unused = series("never-written", "observed");
        long unusedEvent = count("INSERT INTO event (name, origin, owner_kind) VALUES ('noop', 'scheduled', 'global') RETURNING id");
        sql("DELETE FROM series_latest WHERE series_id = " + unused);
        sql("DELETE FROM series WHERE id = " + unused);
        sql("DELETE FROM event WHERE id = " + unusedEvent);
        assertThat(count("SELECT count(*) FROM series WHERE id = " + unused)).isZero();

        // under REPEATABLE READ the check could not see rows committed after the snapshot: refused outright
        long late = count("INSERT INTO event (name, origin, owner_kind) VALUES ('late', 'scheduled', 'global') RETURNING id");
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            assertThatThrownBy(() -> st.execute("DELETE FROM event WHERE id = " + late))
                    .isInstanceOfSatisfying(PSQLException.class, ex -> assertThat(ex.getSQLState()).isEqualTo("0A000"));
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM event WHERE id = " + late)).isEqualTo(1);
    }

    /**
     * As with a foreign key: a series deleted while a batch naming it is uncommitted waits for it,
     * then is refused (the wait is also series_latest's foreign key's; the refusal is the datapoints').
     */
    @Test
    void aDeleteRacingAnUncommittedBatchWaitsAndIsRefused() throws Exception {
        long s = series("race", "observed");
        sql("DELETE FROM series_latest WHERE series_id = " + s); // only the datapoints may hold the series
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Connection writer = db.getConnection()) {
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement()) {
                st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES ("
                        + s + ", now() - interval '4 h', 1, 'observed', " + rule + ")");
                st.execute("DELETE FROM series_latest WHERE series_id = " + s);
            }
            CompletableFuture<Void> delete = CompletableFuture.runAsync(() -> {
                try {
                    sql("DELETE FROM series WHERE id = " + s);
                } catch (SQLException ex) {
                    throw new java.util.concurrent.CompletionException(ex);
                }
            }, other);
            // the delete is blocked on the batch's key-share lock, as it is on a foreign key's
            await().atMost(Duration.ofSeconds(30)).until(() -> count(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM series WHERE id = %'") == 1);
            assertThat(delete).isNotDone();
            writer.commit();
            assertThat(delete).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
                    .havingRootCause().isInstanceOfSatisfying(PSQLException.class,
                            ex -> assertThat(ex.getSQLState()).isEqualTo("23503"));
        } finally {
            other.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM series WHERE id = " + s)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM metric_datapoint WHERE series_id = " + s)).isEqualTo(1);
    }

    /** The other order: the series is deleted first; the batch naming it waits, then is refused. */
    @Test
    void aBatchRacingAnUncommittedDeleteWaitsAndIsRefused() throws Exception {
        long s = series("race-2", "observed");
        sql("DELETE FROM series_latest WHERE series_id = " + s);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (Connection deleter = db.getConnection()) {
            deleter.setAutoCommit(false);
            try (Statement st = deleter.createStatement()) {
                st.execute("DELETE FROM series WHERE id = " + s);
            }
            CompletableFuture<Void> insert = CompletableFuture.runAsync(() -> {
                try {
                    sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES ("
                            + s + ", now() - interval '5 h', 1, 'observed', " + rule + ")");
                } catch (SQLException ex) {
                    throw new java.util.concurrent.CompletionException(ex);
                }
            }, other);
            await().atMost(Duration.ofSeconds(30)).until(() -> count(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO metric_datapoint%'") == 1);
            deleter.commit();
            // refused by the datapoint table's own check, whose key-share lock waited for the delete
            // (a lookup without the lock would have seen the series and let the batch through)
            assertThat(insert).failsWithin(Duration.ofSeconds(30)).withThrowableThat()
                    .havingRootCause().isInstanceOfSatisfying(PSQLException.class, ex -> {
                        assertThat(ex.getSQLState()).isEqualTo("23503");
                        assertThat(ex.getMessage()).contains("metric_datapoint_series_id_provenance_fkey");
                    });
        } finally {
            other.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM metric_datapoint WHERE series_id = " + s)).isZero();
    }

    private static void assertForeignKeyViolation(String sql, String constraint, String detail) {
        assertThatThrownBy(() -> sql(sql))
                .isInstanceOfSatisfying(PSQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("23503");
                    assertThat(e.getMessage()).contains("violates foreign key constraint").contains(constraint).contains(detail);
                });
    }

    private static long series(String source, String provenance) throws SQLException {
        return count("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                + "SELECT 'component', 'pump-1', id, kind, '" + provenance + "', '" + source + "' FROM datapoint_type "
                + "WHERE name = 'pressure' RETURNING id");
    }

    static void sql(String sql) throws SQLException {
        schema.sql(sql);
    }

    static long count(String sql) throws SQLException {
        return schema.count(sql);
    }
}
