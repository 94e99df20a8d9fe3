package io.omniglass.core.tenancy;

import io.omniglass.api.AddServerRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.ServerInfo;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * server add / list / drain and placement, against a second real Postgres: a tenant goes on the
 * server with the fewest tenants or on the one named, its database and CDC slot live there, a
 * drained server takes none, and the password is neither shown nor stored in clear.
 */
class ServerPlacementTest {

    static TestCore core;
    static ExtraPostgres pg2;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        pg2 = ExtraPostgres.start();
        core = TestCore.start(List.of());
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
        if (pg2 != null) {
            pg2.close();
        }
    }

    @Test
    void tenantsArePlacedOnRegisteredServersAndADrainedServerTakesNone() throws Exception {
        ServerInfo added = admin.addServer(new AddServerRequest("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null));
        assertThat(added.name()).isEqualTo("pg2");
        assertThat(added.role()).isEqualTo("primary");
        assertThat(added.state()).isEqualTo("active");
        assertThat(admin.servers()).extracting(ServerInfo::name).containsExactly("default", "pg2");

        // the fewest tenants first (ties by name), or the server named
        TenantInfo a = admin.createTenant("place_a", null);
        TenantInfo b = admin.createTenant("place_b", null);
        TenantInfo c = admin.createTenant("place_c", null, "pg2");
        assertThat(List.of(a.server(), b.server(), c.server())).containsExactly("default", "pg2", "pg2");
        assertThat(admin.tenants()).filteredOn(t -> t.slug().equals("place_b")).extracting(TenantInfo::server).containsExactly("pg2");

        // the database, its migrations and its CDC slot are on the tenant's server, and only there
        try (Connection onPg2 = pg2.connect("postgres")) {
            assertThat(strings(onPg2, "SELECT datname FROM pg_database WHERE datname LIKE 'og_t_place_%' ORDER BY 1"))
                    .containsExactly("og_t_place_b", "og_t_place_c");
            assertThat(strings(onPg2, "SELECT slot_name FROM pg_replication_slots ORDER BY 1"))
                    .containsExactly("og_cdc_place_b", "og_cdc_place_c");
        }
        try (Connection control = core.core().context().controlDataSource().getConnection()) {
            assertThat(strings(control, "SELECT datname FROM pg_database WHERE datname LIKE 'og_t_place_%' ORDER BY 1"))
                    .containsExactly("og_t_place_a");
        }
        try (Connection tenantDb = pg2.connect("og_t_place_b")) {
            assertThat(strings(tenantDb, "SELECT count(*)::text FROM flyway_schema_history WHERE success")).isNotEqualTo(List.of("0"));
        }

        // drained: no new tenants, whether named or by placement; the ones there stay
        ServerInfo drained = admin.drainServer("pg2");
        assertThat(drained.state()).isEqualTo("draining");
        assertThat(drained.tenants()).isEqualTo(2);
        assertThatThrownBy(() -> admin.createTenant("place_d", null, "pg2"))
                .isInstanceOf(OmniglassClient.ApiException.class)
                .satisfies(e -> {
                    assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400);
                    assertThat(((OmniglassClient.ApiException) e).error().detail()).contains("drained");
                });
        assertThat(core.core().context().tenants().find("place_d")).isEmpty();
        assertThat(admin.createTenant("place_e", null).server()).isEqualTo("default");
        assertThat(admin.createTenant("place_f", null).server()).isEqualTo("default");

        // audited, and the password is nowhere in clear: not in the API, the table or the audit row
        try (Connection control = core.core().context().controlDataSource().getConnection()) {
            assertThat(strings(control, "SELECT verb FROM audit_log WHERE resource = 'server:pg2' ORDER BY id"))
                    .containsExactly("server.add", "server.drain");
            List<String> stored = strings(control, "SELECT concat_ws(' ', name, jdbc_url, username, encode(password_sealed, 'escape'))"
                    + " FROM pg_server UNION ALL SELECT coalesce(new::text, '') FROM audit_log WHERE resource = 'server:pg2'");
            assertThat(String.join("\n", stored)).doesNotContain(pg2.password()).contains("pg2");
        }
        assertThat(OmniglassClient.JSON.writeValueAsString(admin.servers())).doesNotContain(pg2.password());
        // one server under two names would hide its load from placement
        assertThatThrownBy(() -> admin.addServer(new AddServerRequest("pg2_again", pg2.jdbcUrl(), pg2.user(), pg2.password(), null)))
                .satisfies(e -> {
                    assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(409);
                    assertThat(((OmniglassClient.ApiException) e).error().detail()).contains("already registered as 'pg2'");
                });
    }

    @Test
    void aServerThatCannotBeReachedOrIsNamedTwiceIsRefusedWithAReason() {
        assertThatThrownBy(() -> admin.addServer(new AddServerRequest("wrongpw", pg2.jdbcUrl(), pg2.user(), "not-the-password", null)))
                .isInstanceOf(OmniglassClient.ApiException.class)
                .satisfies(e -> {
                    assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400);
                    assertThat(((OmniglassClient.ApiException) e).error().detail()).contains("cannot reach server 'wrongpw'")
                            .doesNotContain("not-the-password");
                });
        assertThatThrownBy(() -> admin.addServer(new AddServerRequest("Bad Name", pg2.jdbcUrl(), pg2.user(), pg2.password(), null)))
                .satisfies(e -> assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> admin.addServer(new AddServerRequest("nohost", "postgres://x", "u", "p", null)))
                .satisfies(e -> assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> admin.addServer(new AddServerRequest("default", pg2.jdbcUrl(), pg2.user(), pg2.password(), null)))
                .satisfies(e -> assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(409));
        assertThatThrownBy(() -> admin.addServer(new AddServerRequest("standby", pg2.jdbcUrl(), pg2.user(), pg2.password(), "default")))
                .satisfies(e -> {
                    assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(400);
                    assertThat(((OmniglassClient.ApiException) e).error().detail()).contains("not in recovery");
                });
        assertThat(admin.servers()).extracting(ServerInfo::name).doesNotContain("wrongpw", "Bad Name", "nohost", "standby");
        assertThatThrownBy(() -> admin.drainServer("nosuch"))
                .satisfies(e -> assertThat(((OmniglassClient.ApiException) e).status()).isEqualTo(404));
    }

    private static List<String> strings(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

}
