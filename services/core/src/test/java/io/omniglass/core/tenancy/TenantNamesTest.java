package io.omniglass.core.tenancy;

import io.omniglass.api.EntityInfo;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 16, finding 3: long slugs used to be cut to Postgres's 63-byte names, so two slugs sharing
 * their first 58 characters shared one database (and shorter shared prefixes one replication
 * slot), and "already exists" was taken for success.
 */
class TenantNamesTest {

    static TestCore core;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    static PgServer pg() {
        return core.core().context().infrastructure().pg();
    }

    static List<String> column(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(pg().jdbcUrl("postgres"), pg().user(), pg().password());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static void execute(String database, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(pg().jdbcUrl(database), pg().user(), pg().password());
             Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void slugsSharingTheirFirst58CharactersGetTheirOwnDatabaseAndSlot() throws Exception {
        String common = "long_" + "x".repeat(53); // 58 characters: og_t_ + 58 = 63 bytes
        String one = common + "_one1";
        String two = common + "_two2";
        assertThat(one).hasSize(63);
        admin.createTenant(one, null);
        admin.createTenant(two, null);

        Tenant t1 = core.core().context().tenants().find(one).orElseThrow();
        Tenant t2 = core.core().context().tenants().find(two).orElseThrow();
        assertThat(t1.databaseName()).isNotEqualTo(t2.databaseName());
        assertThat(t1.slotName()).isNotEqualTo(t2.slotName());
        for (Tenant t : List.of(t1, t2)) {
            // the registry's names are the real objects' names: nothing was cut by Postgres
            assertThat(t.databaseName().getBytes()).hasSizeLessThanOrEqualTo(63);
            assertThat(t.slotName().getBytes()).hasSizeLessThanOrEqualTo(63);
            assertThat(t.databaseName()).startsWith("og_t_long_x");
            assertThat(column("SELECT datname FROM pg_database")).contains(t.databaseName());
            assertThat(column("SELECT database FROM pg_replication_slots WHERE slot_name = '" + t.slotName() + "'"))
                    .containsExactly(t.databaseName());
        }
        // and each sees only its own data
        admin.createEntity(one, new EntityInfo("location", "only-in-one", null, null, null, null, null, null, null));
        assertThat(admin.entities(one).locations()).extracting(EntityInfo::name).contains("only-in-one");
        assertThat(admin.entities(two).locations()).extracting(EntityInfo::name).doesNotContain("only-in-one");
    }

    @Test
    void shortSlugsKeepTheirReadableNames() {
        admin.createTenant("short_one", null);
        Tenant t = core.core().context().tenants().find("short_one").orElseThrow();
        assertThat(t.databaseName()).isEqualTo("og_t_short_one");
        assertThat(t.slotName()).isEqualTo("og_cdc_short_one");
    }

    @Test
    void aDatabaseThatIsNotTheTenantsIsNeverTakenForSuccess() throws Exception {
        execute("postgres", "CREATE DATABASE og_t_squatted");
        execute("og_t_squatted", "CREATE TABLE strangers_data (x int)");
        assertThatThrownBy(() -> admin.createTenant("squatted", null))
                .isInstanceOf(OmniglassClient.ApiException.class)
                .satisfies(e -> {
                    assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400);
                    assertThat(((OmniglassClient.ApiException) e).error().detail()).contains("already exists and is not tenant");
                });
        assertThat(core.core().context().tenants().find("squatted")).isEmpty();
        // untouched: still there, no migrations ran in it
        assertThat(column("SELECT datname FROM pg_database")).contains("og_t_squatted");
        try (Connection c = DriverManager.getConnection(pg().jdbcUrl("og_t_squatted"), pg().user(), pg().password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void aReplicationSlotOfAnotherDatabaseIsNeverShared() throws Exception {
        execute("postgres", "SELECT pg_create_logical_replication_slot('og_cdc_slot_squat', 'pgoutput')");
        assertThatThrownBy(() -> admin.createTenant("slot_squat", null))
                .isInstanceOf(OmniglassClient.ApiException.class)
                .satisfies(e -> assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400));
        assertThat(core.core().context().tenants().find("slot_squat")).isEmpty();
        assertThat(column("SELECT database FROM pg_replication_slots WHERE slot_name = 'og_cdc_slot_squat'"))
                .containsExactly("postgres");
        assertThat(column("SELECT datname FROM pg_database")).doesNotContain("og_t_slot_squat");
        execute("postgres", "SELECT pg_drop_replication_slot('og_cdc_slot_squat')");
    }

    /**
     * V60 on a control database of before: tenants keep the names Postgres really gave them (the
     * 63-byte truncation), and of two whose truncated slot names met, the later one gets its own.
     * The upgrade must not fail on the very collision it is about.
     */
    @Test
    void existingTenantsKeepTheirRealNamesThroughV60() throws Exception {
        io.omniglass.core.runtime.Infrastructure.ensureDatabase(pg(), "og_v60_upgrade");
        String url = pg().jdbcUrl("og_v60_upgrade");
        org.flywaydb.core.Flyway.configure().dataSource(url, pg().user(), pg().password())
                .locations("classpath:omniglass/db/control").target("30").load().migrate();
        String older = "upgrade_" + "s".repeat(50) + "_old1"; // 63 characters: og_cdc_ + 56 of them fit
        String newer = "upgrade_" + "s".repeat(50) + "_new2";
        execute("og_v60_upgrade", "INSERT INTO tenant (slug, display_name, database_name, created_at) VALUES "
                + "('short_old', 'x', 'og_t_short_old', now() - interval '2 days'), "
                + "('" + older + "', 'x', 'og_t_" + older + "', now() - interval '1 day'), "
                + "('" + newer + "', 'x', 'og_t_" + newer + "', now())");
        org.flywaydb.core.Flyway.configure().dataSource(url, pg().user(), pg().password())
                .locations("classpath:omniglass/db/control").load().migrate();
        java.util.Map<String, String[]> rows = new java.util.HashMap<>();
        try (Connection c = DriverManager.getConnection(url, pg().user(), pg().password());
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT slug, database_name, slot_name FROM tenant")) {
            while (rs.next()) {
                rows.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3)});
            }
        }
        assertThat(rows.get("short_old")).containsExactly("og_t_short_old", "og_cdc_short_old");
        // what Postgres made of the long names: cut at 63 bytes
        assertThat(rows.get(older)).containsExactly(("og_t_" + older).substring(0, 63), ("og_cdc_" + older).substring(0, 63));
        // the later one really shared that database: its row keeps the long name it had (the core logs it)
        assertThat(rows.get(newer)[0]).isEqualTo("og_t_" + newer);
        assertThat(rows.get(newer)[1]).isNotEqualTo(rows.get(older)[1]).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9_]+");
        execute("postgres", "DROP DATABASE og_v60_upgrade WITH (FORCE)");
    }

    @Test
    void derivedNamesFitAndNeverMeet() {
        String a = "a".repeat(63);
        String b = "a".repeat(62) + "b";
        assertThat(Tenant.databaseFor(a)).hasSize(63).isNotEqualTo(Tenant.databaseFor(b));
        assertThat(Tenant.slotFor(a)).hasSize(63).isNotEqualTo(Tenant.slotFor(b)).matches("[a-z0-9_]+");
        // a plain name is at most 62 bytes, a hashed one exactly 63: a slug shaped like another's hash cannot meet it
        String shaped = Tenant.databaseFor(a).substring("og_t_".length());
        assertThat(Tenant.databaseFor(shaped)).isNotEqualTo(Tenant.databaseFor(a));
    }
}
