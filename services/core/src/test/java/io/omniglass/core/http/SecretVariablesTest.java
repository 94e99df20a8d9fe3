package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.AuditEntry;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.SecretValue;
import io.omniglass.api.VariableInfo;
import io.omniglass.api.VariableRequest;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.gateway.GatewayTestFixtures;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Secret variables on a real core and Postgres: sealed before they reach the database, never
 * listed, decrypted only by an admin in scope, and every decrypt and write audited in its own
 * transaction without the secret in the audit row.
 */
class SecretVariablesTest {

    static final String PASSWORD = "pa55-\"word\"-ü-" + "x".repeat(40);
    static TestCore core;
    static OmniglassClient admin;
    static DataSource db;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        admin = core.admin();
        Tenant t = core.createTenant("vault");
        GatewayTestFixtures.loadScopeFixture(Gateway.forCore(core.core().context()), t);
        db = core.core().context().tenantDataSource(t);
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    static OmniglassClient token(String role, String scope) {
        return core.client(admin.createToken(new CreateTokenRequest(role, "vault", scope, role + "-" + scope)).token());
    }

    static int status(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (OmniglassClient.ApiException e) {
            return e.status();
        }
    }

    @Test
    void aSecretIsSealedNeverListedAndEveryDecryptIsAudited() throws Exception {
        VariableInfo created = admin.setVariable("vault", new VariableRequest("modbus_password", "component:pump-1", "credential", null, PASSWORD));
        assertThat(created.secret()).isTrue();
        assertThat(created.value()).isNull();
        VariableInfo setpoint = admin.setVariable("vault", new VariableRequest("flow_setpoint", "component:pump-1", "setpoint",
                OmniglassClient.JSON.readTree("{\"m3h\": 42.5}"), null));

        // the database holds ciphertext only, and the list shows no secret
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ciphertext, value FROM variable WHERE id = " + created.id())) {
            rs.next();
            byte[] sealed = rs.getBytes(1);
            assertThat(rs.getString(2)).isNull();
            assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("pa55").doesNotContain("xxxx");
            assertThat(sealed.length).isGreaterThan(PASSWORD.getBytes(StandardCharsets.UTF_8).length);
        }
        List<VariableInfo> listed = token("viewer", null).variables("vault");
        assertThat(listed).extracting(VariableInfo::name).contains("modbus_password", "flow_setpoint");
        assertThat(OmniglassClient.JSON.writeValueAsString(listed)).doesNotContain("pa55");
        assertThat(listed.stream().filter(v -> v.name().equals("flow_setpoint")).findFirst().orElseThrow().value().path("m3h").asDouble())
                .isEqualTo(42.5);

        // only an admin decrypts; operators and viewers get 403, another tenant's token 404
        assertThat(status(() -> token("viewer", null).decryptSecret("vault", created.id()))).isEqualTo(403);
        assertThat(status(() -> token("operator", null).decryptSecret("vault", created.id()))).isEqualTo(403);
        assertThat(status(() -> admin.decryptSecret("vault", setpoint.id()))).isEqualTo(400);
        long before = decrypts(created.id());
        SecretValue opened = token("admin", null).decryptSecret("vault", created.id());
        assertThat(opened.secret()).isEqualTo(PASSWORD);
        assertThat(opened.owner()).isEqualTo("component:pump-1");
        assertThat(decrypts(created.id())).isEqualTo(before + 1);
        admin.decryptSecret("vault", created.id());
        assertThat(decrypts(created.id())).isEqualTo(before + 2);

        // an admin scoped to another subtree cannot see or open it: 404, and no audit row
        long scopedBefore = decrypts(created.id());
        assertThat(status(() -> token("admin", "system:sys-2").decryptSecret("vault", created.id()))).isEqualTo(404);
        assertThat(decrypts(created.id())).isEqualTo(scopedBefore);
        assertThat(token("admin", "system:sys-2").variables("vault")).extracting(VariableInfo::name).doesNotContain("modbus_password");

        // the audit log records writes and decrypts, never the secret
        List<AuditEntry> audit = admin.auditLog("vault", "resource = \"variable:" + created.id() + "\"", 100, null).items();
        assertThat(audit).extracting(AuditEntry::verb).contains("variable.create", "secret.decrypt");
        assertThat(OmniglassClient.JSON.writeValueAsString(audit)).doesNotContain("pa55");
    }

    @Test
    void aSecretMovedToAnotherRowDoesNotOpen() throws Exception {
        VariableInfo a = admin.setVariable("vault", new VariableRequest("api_key_a", "component:pump-2", "credential", null, "alpha-secret"));
        VariableInfo b = admin.setVariable("vault", new VariableRequest("api_key_b", "component:pump-2", "credential", null, "beta-secret"));
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("UPDATE variable SET ciphertext = (SELECT ciphertext FROM variable WHERE id = " + a.id() + ") WHERE id = " + b.id());
        }
        OmniglassClient.ApiException e = catchThrowableOfType(() -> admin.decryptSecret("vault", b.id()), OmniglassClient.ApiException.class);
        assertThat(e.status()).isEqualTo(409);
        assertThat(e.error().detail()).contains("cannot be decrypted");
        assertThat(admin.decryptSecret("vault", a.id()).secret()).isEqualTo("alpha-secret");
    }

    /** Issue 16, finding 13: the binding omitted the owner, so this moved ciphertext opened. */
    @Test
    void aSecretMovedToAnotherOwnersVariableOfTheSameNameDoesNotOpen() throws Exception {
        VariableInfo mine = admin.setVariable("vault", new VariableRequest("plc_password", "component:pump-1", "credential", null, "pump-1-secret"));
        VariableInfo theirs = admin.setVariable("vault", new VariableRequest("plc_password", "component:valve-3", "credential", null, "valve-3-secret"));
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("UPDATE variable SET ciphertext = (SELECT ciphertext FROM variable WHERE id = " + mine.id() + ") WHERE id = " + theirs.id());
        }
        OmniglassClient.ApiException e = catchThrowableOfType(() -> admin.decryptSecret("vault", theirs.id()), OmniglassClient.ApiException.class);
        assertThat(e.status()).isEqualTo(409);
        assertThat(admin.decryptSecret("vault", mine.id()).secret()).isEqualTo("pump-1-secret");
    }

    @Test
    void badRequestsSayWhatIsWrong() throws Exception {
        JsonNode v = OmniglassClient.JSON.readTree("1");
        record Case(VariableRequest req, String message) { }
        for (Case c : List.of(
                new Case(new VariableRequest("x", "component:pump-1", "credential", v, null), "takes \"secret\""),
                new Case(new VariableRequest("x", "component:pump-1", "setpoint", null, "s"), "takes \"value\""),
                new Case(new VariableRequest("x", "component:pump-1", "colour", v, null), "unknown variable_type"),
                new Case(new VariableRequest("x", "pump-1", "setpoint", v, null), "must be component:NAME"),
                new Case(new VariableRequest("1x", "component:pump-1", "setpoint", v, null), "name must match"))) {
            OmniglassClient.ApiException e = catchThrowableOfType(() -> admin.setVariable("vault", c.req()), OmniglassClient.ApiException.class);
            assertThat(e.status()).as(c.message()).isEqualTo(400);
            assertThat(e.error().detail()).contains(c.message());
        }
        assertThat(status(() -> token("operator", null).setVariable("vault",
                new VariableRequest("x", "component:pump-1", "setpoint", v, null)))).isEqualTo(403);
    }

    static long decrypts(long id) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM audit_log WHERE verb = 'secret.decrypt' AND resource = 'variable:" + id + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
