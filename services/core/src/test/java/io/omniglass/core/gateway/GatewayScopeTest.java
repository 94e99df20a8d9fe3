package io.omniglass.core.gateway;

import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SERIES_LATEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** visible_set and the row-level security behind it, on a real tenant database. */
class GatewayScopeTest {

    static TestCore core;
    static Gateway gateway;
    static Tenant tenant;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        tenant = core.createTenant("scopes");
        gateway = Gateway.forCore(core.core().context());
        GatewayTestFixtures.loadScopeFixture(gateway, tenant);
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    static Principal principal(Role role, String tenant, Principal.ScopeKind kind, String name) {
        return new Principal(1, "tester", role, Optional.ofNullable(tenant), kind, Optional.ofNullable(name));
    }

    List<String> owners(Principal p, boolean withPredicate) {
        GatewaySession s = gateway.scoped(p, tenant.slug(), Action.READ_CURRENT_VALUES);
        return s.read(tx -> tx.select(SERIES.OWNER).from(SERIES)
                .where(withPredicate ? s.visible(OwnerColumns.SERIES_OWNER) : org.jooq.impl.DSL.trueCondition())
                .and(SERIES.SOURCE.eq("")) // the fixture's series, not those other tests add
                .orderBy(SERIES.OWNER).fetch(SERIES.OWNER));
    }

    @Test
    void tenantScopeSeesEverythingIncludingGlobal() {
        Principal p = principal(Role.viewer, "scopes", Principal.ScopeKind.tenant, null);
        assertThat(owners(p, true)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.ALL_OWNERS);
    }

    @Test
    void locationScopeSeesItsSubtreeOnly() {
        Principal p = principal(Role.viewer, "scopes", Principal.ScopeKind.location, "site-a");
        assertThat(owners(p, true)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SITE_A);
    }

    @Test
    void systemScopeSeesItsSubtreeOnly() {
        Principal p = principal(Role.viewer, "scopes", Principal.ScopeKind.system, "sys-2");
        assertThat(owners(p, true)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SYS_2);
    }

    @Test
    void rowLevelSecurityNarrowsAQueryThatForgotTheScope() {
        Principal site = principal(Role.viewer, "scopes", Principal.ScopeKind.location, "site-a");
        assertThat(owners(site, false)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SITE_A);
        Principal sys = principal(Role.viewer, "scopes", Principal.ScopeKind.system, "sys-2");
        assertThat(owners(sys, false)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SYS_2);

        GatewaySession s = gateway.scoped(sys, tenant.slug(), Action.READ_CURRENT_VALUES);
        List<String> viaView = s.read(tx -> tx.select(CURRENT_VALUE.OWNER).from(CURRENT_VALUE)
                .where(CURRENT_VALUE.KEY.eq("fx_pressure")).fetch(CURRENT_VALUE.OWNER));
        assertThat(viaView).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SYS_2);
        int datapoints = s.read(tx -> tx.fetchCount(METRIC_DATAPOINT));
        int latest = s.read(tx -> tx.fetchCount(SERIES_LATEST));
        assertThat(datapoints).isEqualTo(GatewayTestFixtures.SYS_2.size());
        assertThat(latest).isEqualTo(GatewayTestFixtures.SYS_2.size());
        // the owner-text form of the predicate agrees with the arc form
        List<String> viaText = s.read(tx -> tx.select(CURRENT_VALUE.OWNER).from(CURRENT_VALUE)
                .where(s.visibleOwnerText(CURRENT_VALUE.OWNER)).and(CURRENT_VALUE.KEY.eq("fx_pressure")).fetch(CURRENT_VALUE.OWNER));
        assertThat(viaText).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SYS_2);
    }

    @Test
    void aSecondSourceTurnsAGroupIntoAFusedCurrentValue() {
        GatewaySession sys = gateway.system(tenant, Action.ADMIN);
        sys.transaction(tx -> {
            var type = io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
            int typeId = tx.insertInto(type, type.NAME, type.KIND, type.FUSION_POLICY)
                    .values("fx_fused", io.omniglass.schema.tenant.enums.DatapointKind.metric,
                            io.omniglass.schema.tenant.enums.FusionPolicy.max)
                    .returning(type.ID).fetchSingle().getId();
            int rule = tx.select(io.omniglass.schema.tenant.Tables.SOURCE_RULE.ID).from(io.omniglass.schema.tenant.Tables.SOURCE_RULE)
                    .limit(1).fetchSingle().value1();
            for (String source : List.of("a", "b")) {
                long id = tx.insertInto(SERIES)
                        .set(SERIES.OWNER_KIND, io.omniglass.schema.tenant.enums.OwnerKind.component)
                        .set(SERIES.COMPONENT_ID, "pump-2").set(SERIES.DATAPOINT_TYPE_ID, typeId)
                        .set(SERIES.KIND, io.omniglass.schema.tenant.enums.DatapointKind.metric)
                        .set(SERIES.PROVENANCE, io.omniglass.schema.tenant.enums.Provenance.observed)
                        .set(SERIES.SOURCE, source)
                        .returning(SERIES.ID).fetchSingle().getId();
                tx.insertInto(METRIC_DATAPOINT, METRIC_DATAPOINT.SERIES_ID, METRIC_DATAPOINT.TS, METRIC_DATAPOINT.VALUE,
                                METRIC_DATAPOINT.PROVENANCE, METRIC_DATAPOINT.SOURCE_RULE_ID)
                        .values(id, java.time.OffsetDateTime.now(), source.equals("a") ? 7.0 : 3.0,
                                io.omniglass.schema.tenant.enums.Provenance.observed, rule).execute();
            }
            return null;
        });
        var row = sys.read(tx -> tx.selectFrom(CURRENT_VALUE)
                .where(CURRENT_VALUE.OWNER.eq("component:pump-2")).and(CURRENT_VALUE.KEY.eq("fx_fused")).fetchSingle());
        assertThat(row.getSourceCount()).isEqualTo(2L);
        assertThat(row.getValueNum()).isEqualTo(7.0); // fusion policy max
        int flagged = sys.read(tx -> tx.fetchCount(SERIES, SERIES.FUSED.isTrue()));
        assertThat(flagged).isEqualTo(2);
    }

    @Test
    void systemModeIsUnscoped() {
        GatewaySession s = gateway.system(tenant, Action.READ_CURRENT_VALUES);
        int n = s.read(tx -> tx.fetchCount(SERIES, SERIES.DATAPOINT_TYPE_ID.in(
                org.jooq.impl.DSL.select(io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE.ID).from(io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE)
                        .where(io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE.NAME.eq("fx_pressure")))));
        assertThat(n).isEqualTo(GatewayTestFixtures.ALL_OWNERS.size());
    }

    @Test
    void unknownScopeRootSeesNothing() {
        Principal p = principal(Role.viewer, "scopes", Principal.ScopeKind.location, "nowhere");
        assertThat(owners(p, true)).isEmpty();
        assertThat(owners(p, false)).isEmpty();
    }

    @Test
    void otherTenantIs404AndMissingRoleIs403() {
        Principal other = principal(Role.admin, "elsewhere", Principal.ScopeKind.tenant, null);
        assertThatThrownBy(() -> gateway.scoped(other, tenant.slug(), Action.READ_ALARMS))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(GatewayException.Kind.NOT_FOUND);
                    assertThat(e.getMessage()).doesNotContain("scopes");
                });
        Principal viewer = principal(Role.viewer, "scopes", Principal.ScopeKind.tenant, null);
        assertThatThrownBy(() -> gateway.scoped(viewer, tenant.slug(), Action.ACK))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.kind()).isEqualTo(GatewayException.Kind.DENIED));
    }
}
