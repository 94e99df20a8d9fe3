package io.omniglass.core.tenancy;

import io.nats.client.JetStreamManagement;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** tenant create: a real database, migrations, boot and streams; bad or taken slugs change nothing. */
class TenantProvisioningTest {

    static TestCore core;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of());
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    @Test
    void createsDatabaseMigrationsBootAndStreams() throws Exception {
        TenantInfo t = admin.createTenant("plant_7", "Plant Seven");
        assertThat(t.status()).isEqualTo("active");
        assertThat(admin.tenants()).extracting(TenantInfo::slug).contains("plant_7");
        assertThat(databases()).contains("og_t_plant_7");
        assertThat(streams()).contains("OG_PLANT_7_DATA", "OG_PLANT_7_CDC", "OG_PLANT_7_DLQ");
        assertThat(controlCount("SELECT count(*) FROM audit_log WHERE verb = 'tenant.create' AND resource = 'tenant:plant_7'")).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1plant", "Plant", "plant-7", "plant 7", "pl\u00e4nt", "a;drop database x",
            "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd", "_x"})
    void badSlugIsRefusedWithoutSideEffects(String slug) throws Exception {
        Snapshot before = snapshot();
        assertThatThrownBy(() -> admin.createTenant(slug, null))
                .isInstanceOf(OmniglassClient.ApiException.class)
                .satisfies(e -> {
                    OmniglassClient.ApiException api = (OmniglassClient.ApiException) e;
                    assertThat(api.status()).isEqualTo(400);
                    assertThat(api.error().detail()).contains("invalid tenant slug");
                });
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void duplicateSlugIsRefusedWithoutSideEffects() throws Exception {
        admin.createTenant("twice", null);
        Snapshot before = snapshot();
        assertThatThrownBy(() -> admin.createTenant("twice", "again"))
                .isInstanceOf(OmniglassClient.ApiException.class)
                .satisfies(e -> {
                    OmniglassClient.ApiException api = (OmniglassClient.ApiException) e;
                    assertThat(api.status()).isEqualTo(409);
                    assertThat(api.error().detail()).contains("already exists");
                });
        // and through the provisioner directly (what a second core racing the first would hit)
        assertThatThrownBy(() -> core.core().context().provisioner().create("twice", "again", "test"))
                .isInstanceOf(Tenant.DuplicateTenantException.class);
        assertThat(snapshot()).isEqualTo(before);
        assertThat(core.core().context().tenants().find("twice").orElseThrow().displayName()).isEqualTo("twice");
    }

    record Snapshot(List<String> tenants, List<String> databases, List<String> streams, long audit) {
    }

    private static Snapshot snapshot() throws Exception {
        return new Snapshot(admin.tenants().stream().map(t -> t.slug() + "/" + t.status() + "/" + t.displayName()).toList(),
                databases(), streams(), controlCount("SELECT count(*) FROM audit_log"));
    }

    private static List<String> databases() throws Exception {
        List<String> out = new ArrayList<>();
        var pg = core.core().context().infrastructure().pg();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), pg.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT datname FROM pg_database ORDER BY datname")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<String> streams() throws Exception {
        JetStreamManagement jsm = core.core().context().nats().jetStreamManagement();
        return jsm.getStreamNames().stream().sorted().toList();
    }

    private static long controlCount(String sql) throws Exception {
        try (Connection c = core.core().context().controlDataSource().getConnection();
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
