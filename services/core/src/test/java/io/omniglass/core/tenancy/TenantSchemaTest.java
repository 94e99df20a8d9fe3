package io.omniglass.core.tenancy;

import io.omniglass.core.testing.SchemaDatabase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The data model's conventions are enforced by the database itself, not by the code that writes it. */
class TenantSchemaTest {

    static SchemaDatabase schema;
    static DataSource db;

    @BeforeAll
    static void migrateEmptyDatabase() throws Exception {
        schema = SchemaDatabase.migratedTenant("tenant_schema_test");
        db = schema.dataSource();
        sql("SELECT og_ensure_partitions(current_date - 1, current_date + 1)");
        sql("INSERT INTO location (name) VALUES ('site-a')");
        sql("INSERT INTO system (name, location) VALUES ('loop-1', 'site-a')");
        sql("INSERT INTO component (name, system, location) VALUES ('pump-1', 'loop-1', 'site-a')");
        sql("INSERT INTO datapoint_type (name, kind, unit) VALUES ('pressure', 'metric', 'bar')");
        sql("INSERT INTO source_rule (name, version) VALUES ('modbus-poll', 1)");
        sql("INSERT INTO event (name, origin, owner_kind) VALUES ('command', 'scheduled', 'global')");
    }

    @AfterAll
    static void stop() throws Exception {
        schema.close();
    }

    @Test
    void migrationsApplyToAnEmptyDatabase() throws Exception {
        assertThat(count("SELECT count(*) FROM flyway_schema_history WHERE success")).isGreaterThanOrEqualTo(1);
        assertThat(count("SELECT count(*) FROM pg_class WHERE relname IN ('metric_datapoint','state_datapoint','log_datapoint') AND relkind = 'p'"))
                .isEqualTo(3);
        // created ahead, and no default partition to lock and scan
        assertThat(count("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                + "WHERE i.inhparent = 'metric_datapoint'::regclass")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM pg_partitioned_table WHERE partdefid <> 0")).isZero();
    }

    @Test
    void seriesOwnerArcMustMatchOwnerKind() throws Exception {
        long ok = seriesFor("component", "'pump-1'", "NULL", "observed");
        assertThat(ok).isPositive();
        assertThat(value("SELECT owner FROM series WHERE id = " + ok)).isEqualTo("component:pump-1");
        // two owner FKs set
        assertCheckViolation("INSERT INTO series (owner_kind, component_id, system_id, datapoint_type_id, kind, provenance) "
                + "SELECT 'component', 'pump-1', 'loop-1', id, kind, 'observed' FROM datapoint_type WHERE name = 'pressure'");
        // owner_kind not matching its FK
        assertCheckViolation("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                + "SELECT 'system', 'pump-1', id, kind, 'observed' FROM datapoint_type WHERE name = 'pressure'");
        // global with an FK set
        assertCheckViolation("INSERT INTO series (owner_kind, location_id, datapoint_type_id, kind, provenance) "
                + "SELECT 'global', 'site-a', id, kind, 'observed' FROM datapoint_type WHERE name = 'pressure'");
        // the FK makes the name real
        assertThatThrownBy(() -> sql("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                + "SELECT 'component', 'no-such-pump', id, kind, 'observed' FROM datapoint_type WHERE name = 'pressure'"))
                .isInstanceOf(PSQLException.class).hasMessageContaining("foreign key");
    }

    @Test
    void ownerArcHoldsOnEventAlarmAndVariableToo() {
        assertCheckViolation("INSERT INTO event (name, origin, owner_kind, component_id, system_id) "
                + "VALUES ('x', 'scheduled', 'component', 'pump-1', 'loop-1')");
        assertCheckViolation("INSERT INTO event (name, origin, owner_kind, component_id) VALUES ('x', 'scheduled', 'node', 'pump-1')");
        assertCheckViolation("INSERT INTO variable (name, variable_type, owner_kind, system_id, value) "
                + "VALUES ('v', 'setpoint', 'component', 'loop-1', '1')");
        // an alarm's arc (the rest of the row valid, so only the arc can fail)
        assertThatThrownBy(() -> sql("""
                WITH r AS (INSERT INTO event_rule (name) VALUES ('arc-test') RETURNING id),
                     v AS (INSERT INTO event_rule_version (event_rule_id, version, selector, key, condition)
                           SELECT id, 1, 'component:*', 'pressure', '{}' FROM r RETURNING event_rule_id),
                     e AS (SELECT id FROM event LIMIT 1)
                INSERT INTO alarm (event_rule_id, event_rule_version, owner_kind, location_id, state, severity,
                                   raised_at, raise_event_id, last_event_id)
                SELECT v.event_rule_id, 1, 'component', 'site-a', 'active', 'warning', now(), e.id, e.id FROM v, e"""))
                .isInstanceOf(PSQLException.class).hasMessageContaining("alarm_owner_arc");
    }

    @Test
    void lineageCheckPerProvenance() throws Exception {
        long observed = seriesFor("component", "'pump-1'", "'plc-1'", "observed");
        long intended = seriesFor("component", "'pump-1'", "'console'", "intended");
        long rule = count("SELECT id FROM source_rule WHERE name = 'modbus-poll'");
        long command = count("SELECT min(id) FROM event");
        // valid rows
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES (" + observed + ", now(), 4.2, 'observed', " + rule + ")");
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, event_id) VALUES (" + intended + ", now(), 5.0, 'intended', " + command + ")");
        // observed without source_rule
        assertCheckViolation("INSERT INTO metric_datapoint (series_id, ts, value, provenance) VALUES (" + observed + ", now() - interval '1 s', 1, 'observed')");
        // intended without event_id
        assertCheckViolation("INSERT INTO metric_datapoint (series_id, ts, value, provenance) VALUES (" + intended + ", now() - interval '1 s', 1, 'intended')");
        // intended carrying a source_rule as well
        assertCheckViolation("INSERT INTO metric_datapoint (series_id, ts, value, provenance, event_id, source_rule_id) VALUES ("
                + intended + ", now() - interval '2 s', 1, 'intended', " + command + ", " + rule + ")");
        // a row's provenance must be its series' provenance
        assertThatThrownBy(() -> sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, event_id) VALUES ("
                + observed + ", now() - interval '3 s', 1, 'intended', " + command + ")"))
                .isInstanceOf(PSQLException.class).hasMessageContaining("foreign key");
        // the lineage pointer must be a real event
        assertThatThrownBy(() -> sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, event_id) VALUES ("
                + intended + ", now() - interval '4 s', 1, 'intended', 999999)"))
                .isInstanceOf(PSQLException.class).hasMessageContaining("foreign key");
        // outside every partition: there is no default partition to swallow it
        assertThatThrownBy(() -> sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES ("
                + observed + ", now() + interval '30 days', 1, 'observed', " + rule + ")"))
                .isInstanceOf(PSQLException.class).hasMessageContaining("no partition");
    }

    @Test
    void appendOnlyTablesRefuseUpdateAndDelete() throws Exception {
        long series = seriesFor("location", "'site-a'", "'append-test'", "observed");
        long rule = count("SELECT id FROM source_rule WHERE name = 'modbus-poll'");
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES (" + series + ", now(), 1, 'observed', " + rule + ")");
        sql("INSERT INTO node (name) VALUES ('edge-1') ON CONFLICT DO NOTHING");
        sql("INSERT INTO audit_log (actor, verb, resource) VALUES ('tester', 'test', 'x')");
        sql("INSERT INTO session_log (node, interface, status) VALUES ('edge-1', 'modbus', 'opened')");
        sql("INSERT INTO internal_log (subsystem, message) VALUES ('test', 'hello')");
        sql("INSERT INTO collection_log (task, status) VALUES ('t', 'ok')");
        sql("INSERT INTO node_log (node, message) VALUES ('edge-1', 'hello')");
        for (String table : new String[]{"metric_datapoint", "audit_log", "session_log", "internal_log", "collection_log", "node_log"}) {
            String setCol = table.equals("metric_datapoint") ? "value = value" : "ts = ts";
            assertThatThrownBy(() -> sql("UPDATE " + table + " SET " + setCol))
                    .as("UPDATE %s", table).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql("DELETE FROM " + table))
                    .as("DELETE %s", table).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql("TRUNCATE " + table + " CASCADE"))
                    .as("TRUNCATE %s", table).hasMessageContaining("append-only");
        }
        sql("INSERT INTO datapoint_type (name, kind) VALUES ('ao_state', 'state'), ('ao_log', 'log')");
        long stateSeries = seriesForKey("ao_state", "'append-test'");
        long logSeries = seriesForKey("ao_log", "'append-test'");
        sql("INSERT INTO state_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES (" + stateSeries + ", now(), 'running', 'observed', " + rule + ")");
        sql("INSERT INTO log_datapoint (series_id, ts, severity, message, provenance, source_rule_id) VALUES (" + logSeries + ", now(), 'info', 'hello', 'observed', " + rule + ")");
        for (String table : new String[]{"state_datapoint", "log_datapoint"}) {
            assertThatThrownBy(() -> sql("UPDATE " + table + " SET ts = ts")).hasMessageContaining("append-only");
            assertThatThrownBy(() -> sql("DELETE FROM " + table)).hasMessageContaining("append-only");
        }
    }

    @Test
    void currentValueIsLatestPerSeriesFusedBySourcePolicy() throws Exception {
        sql("INSERT INTO datapoint_type (name, kind, unit, fusion_policy) VALUES ('cv_temp', 'metric', 'degC', 'max')");
        long a = seriesForKey("cv_temp", "'sensor-a'");
        long b = seriesForKey("cv_temp", "'sensor-b'");
        long rule = count("SELECT id FROM source_rule WHERE name = 'modbus-poll'");
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES "
                + "(" + a + ", now() - interval '2 s', 10, 'observed', " + rule + "),"
                + "(" + a + ", now() - interval '1 s', 11, 'observed', " + rule + "),"
                + "(" + b + ", now() - interval '3 s', 30, 'observed', " + rule + ")");
        // an older point arriving late must not move the latest back
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES "
                + "(" + a + ", now() - interval '10 s', 99, 'observed', " + rule + ")");
        assertThat(value("SELECT value_num FROM series_latest WHERE series_id = " + a)).isEqualTo("11");
        assertThat(value("SELECT value_num FROM current_value WHERE key = 'cv_temp'")).isEqualTo("30");
        assertThat(value("SELECT source_count FROM current_value WHERE key = 'cv_temp'")).isEqualTo("2");
        // the group shows as its freshest source: a's series and ts, with the group's max
        assertThat(value("SELECT series_id FROM current_value WHERE key = 'cv_temp'")).isEqualTo(Long.toString(a));
        assertThat(value("SELECT ts = (SELECT ts FROM series_latest WHERE series_id = " + a + ") FROM current_value WHERE key = 'cv_temp'"))
                .isEqualTo("t");
    }

    @Test
    void currentValueFollowsRenamesUnitsAndNewSources() throws Exception {
        sql("INSERT INTO component (name, system, location) VALUES ('cv-ren', 'loop-1', 'site-a')");
        sql("INSERT INTO datapoint_type (name, kind, unit) VALUES ('cv_level', 'metric', 'm')");
        long rule = count("SELECT id FROM source_rule WHERE name = 'modbus-poll'");
        long a = count("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                + "SELECT 'component', 'cv-ren', id, kind, 'observed', 'a' FROM datapoint_type WHERE name = 'cv_level' RETURNING id");
        // a series with no datapoint yet has no current value
        assertThat(count("SELECT count(*) FROM current_value WHERE key = 'cv_level'")).isZero();
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES (" + a + ", now() - interval '5 s', 1.5, 'observed', " + rule + ")");
        assertThat(value("SELECT owner || ' ' || owner_kind || ' ' || unit || ' ' || value_num || ' ' || source_count FROM current_value WHERE key = 'cv_level'"))
                .isEqualTo("component:cv-ren component m 1.5 1");

        sql("UPDATE component SET name = 'cv-renamed' WHERE name = 'cv-ren'");
        sql("UPDATE datapoint_type SET unit = 'cm' WHERE name = 'cv_level'");
        assertThat(value("SELECT owner || ' ' || unit FROM current_value WHERE key = 'cv_level'")).isEqualTo("component:cv-renamed cm");
        assertThat(count("SELECT count(*) FROM current_value WHERE owner = 'component:cv-ren'")).isZero();

        // a second source makes a group of two: one row, the freshest source's value (policy latest)
        long b = count("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                + "SELECT 'component', 'cv-renamed', id, kind, 'observed', 'b' FROM datapoint_type WHERE name = 'cv_level' RETURNING id");
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) VALUES (" + b + ", now() - interval '1 s', 2.5, 'observed', " + rule + ")");
        assertThat(value("SELECT value_num || ' ' || source_count || ' ' || (series_id = " + b + ") FROM current_value WHERE key = 'cv_level'"))
                .isEqualTo("2.5 2 true");
        assertThat(count("SELECT count(*) FROM current_value WHERE key = 'cv_level'")).isEqualTo(1);
    }

    private static long seriesForKey(String key, String source) throws SQLException {
        return count("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source) "
                + "SELECT 'component', 'pump-1', id, kind, 'observed', " + source + " FROM datapoint_type WHERE name = '" + key + "' RETURNING id");
    }

    private static long seriesFor(String kind, String name, String source, String provenance) throws SQLException {
        String col = switch (kind) {
            case "component" -> "component_id";
            case "system" -> "system_id";
            case "location" -> "location_id";
            default -> "node_id";
        };
        return count("INSERT INTO series (owner_kind, " + col + ", datapoint_type_id, kind, provenance, source) "
                + "SELECT '" + kind + "', " + name + ", id, kind, '" + provenance + "', coalesce(" + source + ", '') "
                + "FROM datapoint_type WHERE name = 'pressure' RETURNING id");
    }

    private static void assertCheckViolation(String sql) {
        assertThatThrownBy(() -> sql(sql))
                .isInstanceOf(PSQLException.class)
                .satisfies(e -> assertThat(((PSQLException) e).getSQLState()).isEqualTo("23514"));
    }

    static void sql(String sql) throws SQLException {
        schema.sql(sql);
    }

    static long count(String sql) throws SQLException {
        return schema.count(sql);
    }

    static String value(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
