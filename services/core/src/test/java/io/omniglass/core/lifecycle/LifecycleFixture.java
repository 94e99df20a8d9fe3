package io.omniglass.core.lifecycle;

import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** A tenant database with a small plant in two sites and datapoints on chosen days, for the lifecycle tests. */
final class LifecycleFixture {

    static final String PLANT = """
            name: lifecycle-plant
            locations: [{name: site-a}, {name: site-b}]
            systems: [{name: loop-a, location: site-a}, {name: loop-b, location: site-b}]
            components:
              - {name: pump-1, type: pump, system: loop-a, location: site-a}
              - {name: pump-2, type: pump, system: loop-b, location: site-b}
            datapoint_types:
              - {name: discharge_pressure, kind: metric, unit: bar}
              - {name: mode, kind: state}
            """;

    final DataSource db;

    LifecycleFixture(DataSource db, String slug) throws SQLException {
        this.db = db;
        new PlantImporter(db).importPlant(PlantDescription.parseTree(PLANT), "test", slug);
        sql("INSERT INTO source_rule (name, version) VALUES ('lifecycle-test', 1) ON CONFLICT DO NOTHING");
    }

    long series(String component, String key) throws SQLException {
        return value("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source)"
                + " SELECT 'component', '" + component + "', id, kind, 'observed', 'test' FROM datapoint_type WHERE name = '" + key + "'"
                + " ON CONFLICT DO NOTHING RETURNING id");
    }

    /** One metric row a minute over the day, values derived from the minute (so figures are checkable). */
    void metricDay(long series, LocalDate day, int everyMinutes) throws SQLException {
        String start = day.atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        sql("SELECT og_create_partition('metric_datapoint', '" + day + "')");
        sql("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id)"
                + " SELECT " + series + ", '" + start + "'::timestamptz + make_interval(mins => m), (m % 97) * 0.5 + " + series
                + ", 'observed', (SELECT id FROM source_rule WHERE name = 'lifecycle-test')"
                + " FROM generate_series(0, 1439, " + everyMinutes + ") m");
    }

    void stateDay(long series, LocalDate day) throws SQLException {
        String start = day.atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        sql("SELECT og_create_partition('state_datapoint', '" + day + "')");
        sql("INSERT INTO state_datapoint (series_id, ts, value, provenance, source_rule_id)"
                + " SELECT " + series + ", '" + start + "'::timestamptz + make_interval(hours => h),"
                + " CASE WHEN h % 2 = 0 THEN 'run, \"fast\"' ELSE E'stop\\nnow' END, 'observed',"
                + " (SELECT id FROM source_rule WHERE name = 'lifecycle-test') FROM generate_series(0, 23) h");
    }

    long value(String query) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    String text(String query) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    void sql(String statement) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    boolean partitionExists(String table, LocalDate day) throws SQLException {
        return value("SELECT count(*) FROM pg_class WHERE relname = '" + Partitions.partitionName(table, day) + "'") == 1;
    }
}
