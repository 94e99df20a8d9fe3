package io.omniglass.core.tenancy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A tenant made before its logs were partitioned (tenant V121) keeps every log row, with its id,
 * through tenant V210, and its CDC publication keeps the logs under their own names.
 */
class LogPartitioningUpgradeTest {

    static EmbeddedPostgres pg;
    static DataSource db;

    @BeforeAll
    static void tenantAtV121WithLogRowsThenUpgraded() throws Exception {
        pg = EmbeddedPostgres.builder().setServerConfig("wal_level", "logical").start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE log_upgrade_test");
        }
        db = pg.getDatabase("postgres", "log_upgrade_test");
        Flyway.configure().dataSource(db).locations("classpath:omniglass/db/tenant").target("121").load().migrate();
        sql("INSERT INTO node (name) VALUES ('edge-1')");
        sql("INSERT INTO audit_log (ts, actor, verb, resource, actor_id) VALUES "
                + "(now() - interval '400 days', 'alice', 'alarm.ack', 'alarm:1', 7), (now(), 'bob', 'alarm.ack', 'alarm:2', 8)");
        sql("INSERT INTO session_log (ts, node, interface, status) VALUES (now() - interval '2 days', 'edge-1', 'modbus', 'opened'),"
                + " (now() - interval '1 day', 'edge-1', 'modbus', 'activity')");
        sql("INSERT INTO internal_log (subsystem, message) VALUES ('test', 'before')");
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            // as a core at V121 made it: the plain tables, not via the partition root
            st.execute("CREATE PUBLICATION " + Tenant.publicationName() + " FOR TABLE "
                    + String.join(", ", BootPhase.recordLaneTables(c)));
        }
        assertThat(text("SELECT pubviaroot::text FROM pg_publication")).isEqualTo("false");

        assertThat(Migrations.migrateTenant(db).success).isTrue();
        try (Connection c = db.getConnection()) {
            BootPhase.ensurePublication(c);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    @Test
    void everyLogRowKeepsItsIdInItsPartitionAndNewIdsContinue() throws Exception {
        assertThat(rows("SELECT tableoid::regclass || ' ' || id || ' ' || actor FROM audit_log ORDER BY id")).containsExactly(
                "audit_log_p" + text("SELECT to_char(date_trunc('month', (now() - interval '400 days') AT TIME ZONE 'UTC'), 'YYYYMMDD')") + " 1 alice",
                "audit_log_p" + text("SELECT to_char(date_trunc('month', now() AT TIME ZONE 'UTC'), 'YYYYMMDD')") + " 2 bob");
        assertThat(text("SELECT count(*) FROM session_log")).isEqualTo("2");
        assertThat(text("SELECT status FROM session WHERE node = 'edge-1'")).isEqualTo("activity");
        assertThat(text("INSERT INTO audit_log (actor, verb, resource) VALUES ('carol', 'x', 'y') RETURNING id")).isEqualTo("3");
        assertThat(text("SELECT relkind::text FROM pg_class WHERE relname = 'internal_log'")).isEqualTo("p");
        assertThat(text("SELECT count(*) FROM pg_class WHERE relname LIKE '%\\_unpartitioned'")).isEqualTo("0");
        // still append-only, and the pseudonym rewrite the audit trigger admits is still admitted
        assertThatThrownBy(() -> sql("DELETE FROM session_log")).hasMessageContaining("append-only");
        assertThatThrownBy(() -> sql("UPDATE audit_log SET verb = 'y' WHERE id = 1")).hasMessageContaining("append-only");
        sql("UPDATE audit_log SET actor = 'og:erased-7' WHERE id = 1");
        assertThat(text("SELECT actor FROM audit_log WHERE id = 1")).isEqualTo("og:erased-7");
    }

    @Test
    void thePublicationCarriesTheLogsUnderTheirOwnNames() throws Exception {
        assertThat(text("SELECT pubviaroot::text FROM pg_publication")).isEqualTo("true");
        List<String> published = rows("SELECT tablename FROM pg_publication_tables ORDER BY 1");
        assertThat(published).contains("audit_log", "collection_log", "internal_log", "node_log", "session_log")
                .noneMatch(t -> t.matches(".*_p\\d{8}"))
                .doesNotContain("metric_datapoint", "state_datapoint", "log_datapoint");
    }

    private static void sql(String s) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(s);
        }
    }

    private static String text(String q) throws SQLException {
        List<String> r = rows(q);
        return r.isEmpty() ? null : r.get(0);
    }

    private static List<String> rows(String q) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(q)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
