package io.omniglass.core.testing;

import io.omniglass.core.tenancy.Migrations;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * An empty tenant database, migrated as the core migrates one, on an embedded Postgres of its
 * own: for tests of the schema itself (its constraints, triggers and write paths), without a core.
 */
public final class SchemaDatabase implements AutoCloseable {

    private final EmbeddedPostgres pg;
    private final DataSource db;

    private SchemaDatabase(EmbeddedPostgres pg, DataSource db) {
        this.pg = pg;
        this.db = db;
    }

    /** Starts Postgres, creates database {@code name} and runs every tenant migration on it. */
    public static SchemaDatabase migratedTenant(String name) throws IOException, SQLException {
        EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        DataSource db = pg.getDatabase("postgres", name);
        if (!Migrations.migrateTenant(db).success) {
            pg.close();
            throw new IllegalStateException("the tenant migrations failed on " + name);
        }
        return new SchemaDatabase(pg, db);
    }

    public DataSource dataSource() {
        return db;
    }

    public void sql(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of the first row, as a number. */
    public long count(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
