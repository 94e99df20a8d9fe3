package io.omniglass.core.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TokenCreated;
import io.omniglass.api.VariableRequest;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.omniglass.schema.control.Tables.API_TOKEN;
import static io.omniglass.schema.control.Tables.AUDIT_LOG;
import static io.omniglass.schema.control.Tables.PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A principal whose tokens all ended longer ago than the personal-data period loses its name at the
 * next upkeep; the audit trail still attributes its actions to its id. A principal with a live
 * token, or one whose token ended recently, keeps its name.
 */
class PersonalDataExpiryTest {

    static TestCore core;
    static OmniglassClient admin;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new PlantModule(), new LifecycleModule(Duration.ofDays(1))));
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aLongGonePrincipalIsPseudonymisedAndItsActionsStayAttributedToItsId() throws Exception {
        Tenant t = core.createTenant("personal");
        LifecycleFixture f = new LifecycleFixture(core.core().context().tenantDataSource(t), "personal");
        DSLContext control = core.core().context().control();

        TokenCreated gone = admin.createToken(new CreateTokenRequest("admin", "personal", null, "alice.smith@example.com"));
        TokenCreated recent = admin.createToken(new CreateTokenRequest("admin", "personal", null, "bob.jones@example.com"));
        TokenCreated live = admin.createToken(new CreateTokenRequest("admin", "personal", null, "carol@example.com"));
        core.client(gone.token()).setVariable("personal", new VariableRequest("flow_setpoint", "component:pump-1", "setpoint",
                OmniglassClient.JSON.readTree("4.5"), null));
        // she also changes a second variable, which bob changes after her: his audit row's "old" names her
        core.client(gone.token()).setVariable("personal", new VariableRequest("flow_limit", "component:pump-1", "setpoint",
                OmniglassClient.JSON.readTree("9"), null));
        core.client(recent.token()).setVariable("personal", new VariableRequest("flow_limit", "component:pump-1", "setpoint",
                OmniglassClient.JSON.readTree("8"), null));
        long aliceId = principalId(control, gone.id());
        long bobId = principalId(control, recent.id());
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor_id = " + aliceId)).isEqualTo(2);
        assertThat(f.text("SELECT updated_by FROM variable WHERE name = 'flow_setpoint'")).isEqualTo("alice.smith@example.com");
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor_id = " + bobId + " AND old::text LIKE '%alice.smith@example.com%'"))
                .isEqualTo(1);

        admin.revokeToken(gone.id());
        admin.revokeToken(recent.id());
        // the period is a year by default: alice's token ended 400 days ago, bob's 300 (no one waits a year in a test)
        backdate(control, gone.id(), aliceId, 400);
        backdate(control, recent.id(), bobId, 300);

        Map<String, Object> report = admin.post("/api/v1/tenants/personal/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
        assertThat(report).containsEntry("principalsPseudonymised", 1);

        assertThat(control.fetchCount(PRINCIPAL, PRINCIPAL.NAME.eq("alice.smith@example.com"))).isZero();
        assertThat(control.select(PRINCIPAL.NAME).from(PRINCIPAL).where(PRINCIPAL.ID.eq(aliceId)).fetchOne(PRINCIPAL.NAME))
                .isEqualTo("og:erased-" + aliceId);
        assertThat(control.fetchCount(PRINCIPAL, PRINCIPAL.NAME.eq("bob.jones@example.com"))).isEqualTo(1);
        assertThat(control.fetchCount(PRINCIPAL, PRINCIPAL.NAME.eq("carol@example.com"))).isEqualTo(1);
        // the token list shows the pseudonym, the tenant's audit trail still attributes the write to the id
        assertThat(admin.tokens(500, null).items()).filteredOn(i -> i.id() == gone.id())
                .singleElement().satisfies(i -> assertThat(i.principal()).isEqualTo("og:erased-" + aliceId));
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor_id = " + aliceId + " AND verb LIKE 'variable.%'")).isEqualTo(2);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor_id = " + aliceId + " AND actor = 'og:erased-" + aliceId + "'"))
                .isEqualTo(2);
        assertThat(report).containsEntry("auditNamesErased", 2);
        // the names copied as text are hers no more either: the variable she changed last, every audit payload
        // (bob's row included), while bob's own name stays where he wrote it
        assertThat(f.text("SELECT updated_by FROM variable WHERE name = 'flow_setpoint'")).isEqualTo("og:erased-" + aliceId);
        assertThat(f.text("SELECT updated_by FROM variable WHERE name = 'flow_limit'")).isEqualTo("bob.jones@example.com");
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE (actor || coalesce(old::text, '') || coalesce(new::text, '')) LIKE '%alice%'"))
                .isZero();
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor_id = " + bobId + " AND old::text LIKE '%og:erased-" + aliceId + "%'"))
                .isEqualTo(1);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor_id = " + bobId + " AND actor = 'bob.jones@example.com'"))
                .isEqualTo(1);
        assertThat(report).containsEntry("copiedNamesErased", 4); // flow_setpoint, her two audit rows and bob's
        // no control audit row names her at all; the control trail still knows which token was hers
        assertThat(control.fetchCount(AUDIT_LOG, DSL.condition("(actor || coalesce(old::text, '') || coalesce(new::text, '')) LIKE '%alice%'"))).isZero();
        assertThat(control.fetchCount(AUDIT_LOG, AUDIT_LOG.VERB.eq("token.create")
                .and(DSL.condition("new ->> 'principal_id' = {0}", String.valueOf(aliceId)))
                .and(DSL.condition("new ->> 'principal' = {0}", "og:erased-" + aliceId)))).isEqualTo(1);
        assertThat(control.fetchCount(AUDIT_LOG, DSL.condition("new ->> 'principal' = 'bob.jones@example.com'"))).isEqualTo(1);
        // the trail is still append-only: no other rewrite of a name, no delete
        assertThatThrownBy(() -> f.sql("UPDATE audit_log SET actor = 'mallory' WHERE actor_id = " + aliceId)).hasMessageContaining("append-only");
        assertThatThrownBy(() -> f.sql("UPDATE audit_log SET actor = 'og:erased-" + bobId + "' WHERE actor_id = " + aliceId)).hasMessageContaining("append-only");
        assertThatThrownBy(() -> f.sql("UPDATE audit_log SET actor = actor || '', verb = 'x' WHERE actor_id = " + aliceId)).hasMessageContaining("append-only");
        assertThatThrownBy(() -> f.sql("DELETE FROM audit_log WHERE actor_id = " + aliceId)).hasMessageContaining("append-only");
        // the sweep's rewrite needs its own name and a pseudonym, and changes nothing else
        assertThatThrownBy(() -> asSweep(f, "bob.jones@example.com", "someone",
                "UPDATE audit_log SET actor = 'someone' WHERE actor_id = " + bobId)).hasMessageContaining("append-only");
        assertThatThrownBy(() -> asSweep(f, "bob.jones@example.com", "og:erased-" + bobId,
                "UPDATE audit_log SET actor = 'og:erased-" + bobId + "', verb = 'x' WHERE actor_id = " + bobId))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> asSweep(f, "carol@example.com", "og:erased-" + bobId, "UPDATE audit_log SET"
                + " new = og_erase_name(new, 'bob.jones@example.com', 'og:erased-" + bobId + "') WHERE actor_id = " + bobId))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> control.execute("UPDATE audit_log SET new = jsonb_set(new, '{principal}', '\"someone\"') WHERE verb = 'token.create'"))
                .hasMessageContaining("append-only");
        // the pseudonymisation is audited by id, and its audit row does not carry the old name
        var audit = control.selectFrom(AUDIT_LOG).where(AUDIT_LOG.VERB.eq("principal.pseudonymise")).fetch();
        assertThat(audit).singleElement().satisfies(a -> {
            assertThat(a.getResource()).isEqualTo("principal:" + aliceId);
            assertThat(a.getActor()).isEqualTo("system:lifecycle");
            assertThat(String.valueOf(a.getNew())).doesNotContain("alice");
        });

        // a second run changes nothing
        Map<String, Object> again = admin.post("/api/v1/tenants/personal/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
        assertThat(again).containsEntry("principalsPseudonymised", 0).containsEntry("auditNamesErased", 0)
                .containsEntry("copiedNamesErased", 0);
    }

    /** An update in a transaction that names a name and pseudonym as the sweep does; rolled back. */
    private static void asSweep(LifecycleFixture f, String name, String pseudonym, String update) throws java.sql.SQLException {
        try (java.sql.Connection c = f.db.getConnection()) {
            c.setAutoCommit(false);
            try (java.sql.PreparedStatement ps = c.prepareStatement(
                    "SELECT set_config('og.erase_name', ?, true), set_config('og.erase_pseudonym', ?, true)")) {
                ps.setString(1, name);
                ps.setString(2, pseudonym);
                ps.execute();
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute(update);
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private static long principalId(DSLContext control, long tokenId) {
        return control.select(API_TOKEN.PRINCIPAL_ID).from(API_TOKEN).where(API_TOKEN.ID.eq(tokenId)).fetchSingle().value1();
    }

    private static void backdate(DSLContext control, long tokenId, long principalId, int days) {
        control.execute("UPDATE api_token SET revoked_at = now() - make_interval(days => ?), created_at = now() - make_interval(days => ?)"
                + " WHERE id = ?", days, days + 10, tokenId);
        control.execute("UPDATE principal SET created_at = now() - make_interval(days => ?) WHERE id = ?", days + 10, principalId);
    }
}
