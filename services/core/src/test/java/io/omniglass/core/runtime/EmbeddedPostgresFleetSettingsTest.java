package io.omniglass.core.runtime;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded server's settings for a fleet of tenant databases (docs/fleet.md, s11-pgprof): a
 * full-page image costs the WAL (which every tenant's logical slot reads) a compressed page, not
 * 8 kB, and the autovacuum launcher visits each database every 10 minutes, not every minute.
 */
class EmbeddedPostgresFleetSettingsTest {

    @Test
    void aFullPageImageIsCompressedAndTheLauncherNapsTenMinutes() throws Exception {
        Path root = Files.createTempDirectory("og-pg-fleet-settings-");
        try {
            Path passwordFile = root.resolve("postgres.password");
            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root.resolve("data"), passwordFile);
                 Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", Files.readString(passwordFile).trim());
                 Statement st = c.createStatement()) {
                assertThat(one(st, "SELECT setting FROM pg_settings WHERE name = 'autovacuum_naptime'")).isEqualTo("600");
                // one heap page filled to the brim with rows alike (no hole for the image to leave out)
                st.execute("CREATE TABLE page (id int, filler text) WITH (fillfactor = 100, autovacuum_enabled = false)");
                st.execute("INSERT INTO page SELECT g, repeat('x', 100) FROM generate_series(1, 50) g");
                assertThat(Long.parseLong(one(st, "SELECT pg_relation_size('page') / current_setting('block_size')::int"))).isEqualTo(1);
                st.execute("CHECKPOINT");
                st.execute("SELECT pg_stat_force_next_flush()"); // this session's WAL counters reach pg_stat_wal as it goes idle
                long fpi0 = Long.parseLong(one(st, "SELECT wal_fpi FROM pg_stat_wal"));
                String lsn0 = one(st, "SELECT pg_current_wal_insert_lsn()");
                // the page's first change after the checkpoint logs an image of it
                st.execute("UPDATE page SET id = -1 WHERE id = 1");
                st.execute("SELECT pg_stat_force_next_flush()");
                long bytes = Long.parseLong(one(st, "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '" + lsn0 + "')::bigint"));
                assertThat(Long.parseLong(one(st, "SELECT wal_fpi FROM pg_stat_wal")) - fpi0).as("images logged").isPositive();
                assertThat(bytes).as("WAL bytes of the first update after a checkpoint (an 8 kB page uncompressed)").isLessThan(3000);
            }
        } finally {
            io.omniglass.core.testing.TestFiles.deleteQuietly(root);
        }
    }

    private static String one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
