package io.omniglass.core.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.http.CurrentValueRoutes;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SERIES_LATEST;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a current-value read costs under row-level security, counted in rows the database reads
 * (not in time): a page after a keyset cursor starts at the cursor, a scoped read visits its own
 * owners only. And the owner-based policy on the current values (tenant V250) lets through exactly
 * the rows whose series the series policy lets through.
 */
class ScopedReadPlanTest {

    static final int COMPONENTS = 2_000;
    static final int KEYS = 10;
    static final int SYSTEMS = 20;
    static final ObjectMapper JSON = new ObjectMapper();

    static TestCore core;
    static Gateway gateway;
    static Tenant plant;
    static Tenant fixture;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        gateway = Gateway.forCore(core.core().context());
        plant = core.createTenant("scaleplan");
        fixture = core.createTenant("scopeowners");
        GatewayTestFixtures.loadScopeFixture(gateway, fixture);
        gateway.system(plant, Action.ADMIN).transaction(tx -> {
            tx.execute("INSERT INTO location (name) VALUES ('site-0')");
            tx.execute("INSERT INTO system (name, location) SELECT 'sys-' || g, 'site-0' FROM generate_series(0, " + (SYSTEMS - 1) + ") g");
            tx.execute("INSERT INTO component (name, system) SELECT format('c-%s', lpad(g::text, 5, '0')), 'sys-' || (g % "
                    + SYSTEMS + ") FROM generate_series(0, " + (COMPONENTS - 1) + ") g");
            tx.execute("INSERT INTO datapoint_type (name, kind, unit) SELECT 'plan_k' || g, 'metric', 'u' FROM generate_series(0, " + (KEYS - 1) + ") g");
            // the series trigger writes each latest row's identity; a value and time make it a current value
            tx.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                    + "SELECT 'component', c.name, t.id, 'metric', 'observed' FROM component c CROSS JOIN datapoint_type t "
                    + "WHERE t.name LIKE 'plan_k%'");
            tx.execute("UPDATE series_latest SET ts = now(), value_num = series_id");
            return null;
        });
        gateway.system(plant, Action.ADMIN).transaction(tx -> tx.execute("ANALYZE"));
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    static Principal principal(String tenant, Principal.ScopeKind kind, String name) {
        return new Principal(1, "tester", Role.viewer, Optional.of(tenant), kind, Optional.ofNullable(name));
    }

    static final Keyset KEYSET = Keyset.ascending(CURRENT_VALUE.OWNER, CURRENT_VALUE.KEY, CURRENT_VALUE.INSTANCE,
            CURRENT_VALUE.PROVENANCE, CURRENT_VALUE.SERIES_ID);

    @Test
    void aDeepPageStartsAtItsCursor() {
        int total = COMPONENTS * KEYS;
        // the cursor of the row at position total - 500, read without row-level security
        String cursor = gateway.system(plant, Action.READ_CURRENT_VALUES).read(tx -> {
            var r = tx.select(CURRENT_VALUE.OWNER, CURRENT_VALUE.KEY, CURRENT_VALUE.INSTANCE, CURRENT_VALUE.PROVENANCE,
                            CURRENT_VALUE.SERIES_ID)
                    .from(CURRENT_VALUE).orderBy(KEYSET.orderBy()).offset(total - 501).limit(1).fetchSingle();
            return Keyset.cursor(r.value1(), r.value2(), r.value3(), r.value4(), r.value5());
        });
        List<Long> expected = gateway.system(plant, Action.READ_CURRENT_VALUES).read(tx ->
                tx.select(CURRENT_VALUE.SERIES_ID).from(CURRENT_VALUE).orderBy(KEYSET.orderBy())
                        .offset(total - 500).limit(100).fetch(CURRENT_VALUE.SERIES_ID));

        // a token scoped to the site (the whole plant): its transactions run as og_scoped, under
        // the policies (a tenant-wide token's do not)
        GatewaySession s = gateway.scoped(principal(plant.slug(), Principal.ScopeKind.location, "site-0"), plant.slug(),
                Action.READ_CURRENT_VALUES);
        Condition after = KEYSET.after(cursor);
        List<Long> page = s.read(tx -> CurrentValueRoutes.query(tx, s, after, 100, true).fetch(CURRENT_VALUE.SERIES_ID));
        assertThat(page).containsExactlyElementsOf(expected);

        long read = s.read(tx -> latestRowsRead(tx, CurrentValueRoutes.query(tx, s, after, 101, true)));
        // without the cursor as an index condition the scan starts at the first of the 20,000
        assertThat(read).as("current-value rows read for a page of 100 after row %d", total - 500).isLessThanOrEqualTo(2 * 101);
    }

    @Test
    void aSystemScopedReadVisitsOnlyItsOwners() {
        int subtree = COMPONENTS / SYSTEMS * KEYS;
        GatewaySession s = gateway.scoped(principal(plant.slug(), Principal.ScopeKind.system, "sys-7"), plant.slug(),
                Action.READ_CURRENT_VALUES);
        List<String> owners = s.read(tx -> CurrentValueRoutes.query(tx, s, DSL.trueCondition(), subtree + 1, true)
                .fetch(CURRENT_VALUE.OWNER));
        assertThat(owners).hasSize(subtree);
        assertThat(new TreeSet<>(owners)).hasSize(COMPONENTS / SYSTEMS)
                .allSatisfy(o -> assertThat(Integer.parseInt(o.substring("component:c-".length())) % SYSTEMS).isEqualTo(7));

        long read = s.read(tx -> latestRowsRead(tx, CurrentValueRoutes.query(tx, s, DSL.trueCondition(), subtree + 1, true)));
        // filtering every current value of the tenant read all 20,000
        assertThat(read).as("current-value rows read for a subtree of %d", subtree).isLessThanOrEqualTo(2L * subtree);
    }

    @Test
    void theOwnerPolicyShowsExactlyTheRowsOfVisibleSeries() {
        assertPoliciesAgree();
        // a component moved into a system, then renamed: its current values follow it into the scope
        gateway.system(fixture, Action.ADMIN).transaction(tx ->
                tx.execute("UPDATE component SET system = 'sys-2', location = NULL WHERE name = 'pump-2'"));
        GatewaySession sys2 = gateway.scoped(principal(fixture.slug(), Principal.ScopeKind.system, "sys-2"), fixture.slug(),
                Action.READ_CURRENT_VALUES);
        List<String> owners = sys2.read(tx -> tx.selectDistinct(SERIES_LATEST.OWNER).from(SERIES_LATEST).fetch(SERIES_LATEST.OWNER));
        assertThat(owners).contains("component:pump-2");
        gateway.system(fixture, Action.ADMIN).transaction(tx ->
                tx.execute("UPDATE component SET name = 'pump-2r' WHERE name = 'pump-2'"));
        owners = sys2.read(tx -> tx.selectDistinct(SERIES_LATEST.OWNER).from(SERIES_LATEST).fetch(SERIES_LATEST.OWNER));
        assertThat(owners).contains("component:pump-2r").doesNotContain("component:pump-2");
        assertPoliciesAgree();
    }

    /** Every kind of owner (locations, systems, components, nodes, global) under every kind of scope. */
    void assertPoliciesAgree() {
        for (Principal p : List.of(
                principal(fixture.slug(), Principal.ScopeKind.tenant, null),
                principal(fixture.slug(), Principal.ScopeKind.location, "site-a"),
                principal(fixture.slug(), Principal.ScopeKind.location, "hall-1"),
                principal(fixture.slug(), Principal.ScopeKind.location, "site-b"),
                principal(fixture.slug(), Principal.ScopeKind.system, "sys-2"),
                principal(fixture.slug(), Principal.ScopeKind.system, "sys-1"),
                principal(fixture.slug(), Principal.ScopeKind.location, "nowhere"))) {
            GatewaySession s = gateway.scoped(p, fixture.slug(), Action.READ_CURRENT_VALUES);
            List<Long> seriesIds = s.read(tx -> tx.select(SERIES.ID).from(SERIES).fetch(SERIES.ID));
            List<Long> latestIds = s.read(tx -> tx.select(SERIES_LATEST.SERIES_ID).from(SERIES_LATEST).fetch(SERIES_LATEST.SERIES_ID));
            Set<Long> series = new TreeSet<>(seriesIds);
            Set<Long> latest = new TreeSet<>(latestIds);
            assertThat(latest).as("current values visible to %s", p.scopeKind() + ":" + p.scopeName().orElse(""))
                    .isEqualTo(series);
        }
    }

    /** Rows the plan's scans of series_latest read (returned plus filtered out), from EXPLAIN ANALYZE. */
    static long latestRowsRead(DSLContext tx, ResultQuery<? extends Record> q) throws Exception {
        String plan = tx.resultQuery("EXPLAIN (ANALYZE, FORMAT JSON) " + q.getSQL(ParamType.INLINED)).fetchOne(0, String.class);
        return rowsRead(JSON.readTree(plan).get(0).get("Plan"));
    }

    static long rowsRead(JsonNode node) {
        long n = 0;
        if ("series_latest".equals(node.path("Relation Name").asText())) {
            n += (node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong())
                    * Math.max(1, node.path("Actual Loops").asLong());
        }
        for (JsonNode child : node.path("Plans")) {
            n += rowsRead(child);
        }
        return n;
    }
}
