package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * New tenant databases are copies of the migrated template (real embedded Postgres): the copy is
 * current and complete (its own publication and slot, the reference rows), its provisioning writes
 * little WAL (the slots of every tenant decode what it writes), and when the template cannot be
 * copied the tenant is still made, the slow way.
 */
class TenantTemplateTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of());
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    @Test
    void aTenantIsACopyOfTheTemplateWithItsOwnObjectsAndWritesLessWalThanAMigration() throws Exception {
        core.createTenant("tpl_first"); // makes the template current
        long walBefore = walBytes();
        long t0 = System.nanoTime();
        Tenant copied = core.createTenant("tpl_copy");
        long copyMs = (System.nanoTime() - t0) / 1_000_000;
        long copyWal = walBytes() - walBefore;
        assertComplete(copied);
        assertThat(text(NAME_OF_TEMPLATE, HISTORY)).isEqualTo(text(copied.databaseName(), HISTORY));
        // the tenant's own objects are not in the template
        assertThat(count(NAME_OF_TEMPLATE, "SELECT count(*) FROM pg_publication")).isZero();
        assertThat(count("postgres", "SELECT count(*) FROM pg_replication_slots WHERE database = '" + NAME_OF_TEMPLATE + "'")).isZero();

        // a session connected to the template: Postgres refuses to copy it (55006), the tenant is migrated instead
        long migratedWal;
        long migratedMs;
        try (Connection holder = connect(NAME_OF_TEMPLATE)) {
            assertThat(holder.isValid(1)).isTrue();
            walBefore = walBytes();
            t0 = System.nanoTime();
            Tenant migrated = core.createTenant("tpl_slow");
            migratedMs = (System.nanoTime() - t0) / 1_000_000;
            migratedWal = walBytes() - walBefore;
            assertComplete(migrated);
            assertThat(text(migrated.databaseName(), HISTORY)).isEqualTo(text(copied.databaseName(), HISTORY));
        }
        System.out.printf("provisioning: copied from the template %d ms, %d bytes of WAL; migrated %d ms, %d bytes of WAL%n",
                copyMs, copyWal, migratedMs, migratedWal);
        // every tenant's CDC slot decodes what a provisioning writes
        assertThat(copyWal).as("WAL of a copy vs a migration").isLessThan(migratedWal / 2);
    }

    private static final String HISTORY =
            "SELECT string_agg(version, ',' ORDER BY installed_rank) FROM flyway_schema_history WHERE success";

    private static void assertComplete(Tenant t) throws SQLException {
        String db = t.databaseName();
        assertThat(count(db, "SELECT count(*) FROM flyway_schema_history WHERE NOT success")).isZero();
        assertThat(count(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'metric_datapoint'")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM datapoint_type WHERE scope = 'official'")).isPositive();
        assertThat(count(db, "SELECT count(*) FROM pg_publication WHERE pubname = 'og_cdc'")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'metric_datapoint'"))
                .as("today's partitions and the days around it").isGreaterThanOrEqualTo(BootPhase.PARTITION_DAYS_AHEAD);
        assertThat(text("postgres", "SELECT database FROM pg_replication_slots WHERE slot_name = '" + t.slotName() + "'")).isEqualTo(db);
        assertThat(text("postgres", "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '" + db + "'"))
                .isEqualTo(TenantProvisioner.marker(t));
    }

    private static final String NAME_OF_TEMPLATE = TenantTemplate.NAME;

    private static long walBytes() throws SQLException {
        return count("postgres", "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
    }

    private static PgServer pg() {
        return core.core().context().infrastructure().pg();
    }

    private static Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(pg().jdbcUrl(db), pg().user(), pg().password());
    }

    private static long count(String db, String sql) throws SQLException {
        try (Connection c = connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String text(String db, String sql) throws SQLException {
        try (Connection c = connect(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
