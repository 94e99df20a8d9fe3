package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.AuditEntry;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.CurrentValue;
import io.omniglass.api.DatapointTypeInfo;
import io.omniglass.api.EntityInfo;
import io.omniglass.api.EntityList;
import io.omniglass.api.LatencyHeatmap;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.Page;
import io.omniglass.api.SeriesHistory;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.gateway.GatewayTestFixtures;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway's HTTP API on a real core: roles x actions, scopes, tenant isolation, audit, heatmap. */
class GatewayHttpTest {

    static TestCore core;
    static OmniglassClient admin;
    static Map<String, OmniglassClient> tokens;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        admin = core.admin();
        var alpha = core.createTenant("alpha");
        core.createTenant("beta");
        GatewayTestFixtures.loadScopeFixture(Gateway.forCore(core.core().context()), alpha);
        tokens = Map.of(
                "viewer", token("viewer", "alpha", null),
                "operator", token("operator", "alpha", null),
                "admin", token("admin", "alpha", null),
                "site-a", token("viewer", "alpha", "location:site-a"),
                "site-a-admin", token("admin", "alpha", "location:site-a"),
                "sys-2", token("operator", "alpha", "system:sys-2"),
                "beta", token("admin", "beta", null));
    }

    static OmniglassClient token(String role, String tenant, String scope) {
        String principal = role + "-" + tenant + (scope == null ? "" : "-" + scope.replace(':', '-'));
        return core.client(admin.createToken(new CreateTokenRequest(role, tenant, scope, principal)).token());
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    /** The HTTP status of a call (200 when it returned). */
    static int status(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (OmniglassClient.ApiException e) {
            assertThat(e.error().error()).isNotBlank();
            assertThat(e.error().detail()).isNotNull();
            return e.status();
        }
    }

    static HttpResponse<String> raw(OmniglassClient c, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(core.httpUrl() + path)).GET();
        if (c != null) {
            b.header("Authorization", "Bearer " + c.token());
        }
        return c == null ? admin.http().send(b.build(), HttpResponse.BodyHandlers.ofString())
                : c.http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rolesAndActions() {
        record Case(String token, Function<OmniglassClient, Object> call, int expected, String what) { }
        EntityInfo loc = new EntityInfo("location", "x", null, null, null, null, null, null, null);
        List<Case> cases = new ArrayList<>();
        for (String t : List.of("viewer", "operator", "admin")) {
            cases.add(new Case(t, c -> c.entities("alpha"), 200, "read entities"));
            cases.add(new Case(t, c -> c.datapointTypes("alpha"), 200, "read types"));
            cases.add(new Case(t, c -> c.currentValues("alpha", null, null, null), 200, "read current values"));
            cases.add(new Case(t, c -> c.latencyHeatmap("alpha", 24), 200, "heatmap"));
        }
        cases.add(new Case("viewer", c -> c.auditLog("alpha", null, null, null), 403, "viewer reads audit"));
        cases.add(new Case("operator", c -> c.auditLog("alpha", null, null, null), 200, "operator reads audit"));
        cases.add(new Case("admin", c -> c.auditLog("alpha", null, null, null), 200, "admin reads audit"));
        cases.add(new Case("viewer", c -> c.createEntity("alpha", loc), 403, "viewer writes entity"));
        cases.add(new Case("operator", c -> c.createEntity("alpha", loc), 403, "operator writes entity"));
        cases.add(new Case("viewer", c -> c.createDatapointType("alpha",
                new DatapointTypeInfo(null, "k1", "metric", "", null, null, null)), 403, "viewer writes type"));
        cases.add(new Case("site-a-admin", c -> c.createDatapointType("alpha",
                new DatapointTypeInfo(null, "k2", "metric", "", null, null, null)), 403, "scoped admin writes registry"));
        // tenant isolation: every alpha resource is a 404 for a beta token, and the other way round
        cases.add(new Case("beta", c -> c.entities("alpha"), 404, "beta reads alpha entities"));
        cases.add(new Case("beta", c -> c.currentValues("alpha", null, null, null), 404, "beta reads alpha values"));
        cases.add(new Case("beta", c -> c.auditLog("alpha", null, null, null), 404, "beta reads alpha audit"));
        cases.add(new Case("beta", c -> c.createEntity("alpha", loc), 404, "beta writes alpha"));
        cases.add(new Case("beta", c -> c.latencyHeatmap("alpha", 24), 404, "beta reads alpha heatmap"));
        cases.add(new Case("admin", c -> c.entities("beta"), 404, "alpha admin reads beta"));
        cases.add(new Case("admin", c -> c.entities("nosuch"), 404, "missing tenant"));
        cases.add(new Case("viewer", c -> c.seriesHistory("alpha", 999_999, null, null, null), 404, "missing series"));
        for (Case c : cases) {
            assertThat(status(() -> c.call().apply(tokens.get(c.token()))))
                    .as(c.what() + " (" + c.token() + ")").isEqualTo(c.expected());
        }
        assertThat(status(() -> core.client("og_nope").entities("alpha"))).isEqualTo(401);
    }

    @Test
    void aTokenOfAnotherTenantLearnsNothingAboutIt() throws Exception {
        List<String> visible = tokens.get("beta").tenants().stream().map(TenantInfo::slug).toList();
        assertThat(visible).containsExactly("beta");
        for (String path : List.of("/api/v1/tenants/alpha/entities", "/api/v1/tenants/alpha/current-values",
                "/api/v1/tenants/alpha/live", "/api/v1/latency-heatmap?tenant=alpha")) {
            HttpResponse<String> r = raw(tokens.get("beta"), path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("alpha");
        }
        // a missing tenant answers exactly like an existing foreign one
        assertThat(raw(tokens.get("beta"), "/api/v1/tenants/nosuch/entities").body())
                .isEqualTo(raw(tokens.get("beta"), "/api/v1/tenants/alpha/entities").body());
    }

    @Test
    void scopedTokensSeeOnlyTheirSubtree() {
        assertThat(owners(tokens.get("viewer"), null)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.ALL_OWNERS);
        assertThat(owners(tokens.get("site-a"), null)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SITE_A);
        assertThat(owners(tokens.get("sys-2"), null)).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SYS_2);
        // a filter naming an out-of-scope owner finds nothing rather than widening anything
        assertThat(owners(tokens.get("site-a"), "owner = \"component:valve-3\" or owner ~ \"*\"")).containsExactlyInAnyOrderElementsOf(GatewayTestFixtures.SITE_A);

        EntityList ents = tokens.get("sys-2").entities("alpha");
        assertThat(ents.systems()).extracting(EntityInfo::name).containsExactlyInAnyOrder("sys-2", "sys-2b");
        assertThat(ents.components()).extracting(EntityInfo::name).containsExactly("valve-3");
        assertThat(ents.locations()).isEmpty();

        // history: a series outside the scope is a 404 like a missing one
        CurrentValue pump2 = tokens.get("viewer").currentValues("alpha", "owner = component:pump-2", null, null).items().get(0);
        assertThat(status(() -> tokens.get("site-a").seriesHistory("alpha", pump2.seriesId(), null, null, null))).isEqualTo(404);
        SeriesHistory h = tokens.get("viewer").seriesHistory("alpha", pump2.seriesId(), null, null, null);
        assertThat(h.points()).hasSize(1);
        assertThat(h.points().get(0).value()).isEqualTo(pump2.value());
        assertThat(h.owner()).isEqualTo("component:pump-2");
    }

    static List<String> owners(OmniglassClient c, String filter) {
        return c.currentValues("alpha", filter, null, null).items().stream().map(CurrentValue::owner).toList();
    }

    @Test
    void keysetPaginationWalksEveryRowOnce() {
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            Page<CurrentValue> p = tokens.get("viewer").currentValues("alpha", null, 3, after);
            p.items().forEach(v -> seen.add(v.owner()));
            after = p.next();
            pages++;
        } while (after != null && pages < 20);
        assertThat(seen).containsExactlyElementsOf(GatewayTestFixtures.ALL_OWNERS.stream().sorted().toList());
        assertThat(pages).isEqualTo(4);
        assertThat(status(() -> tokens.get("viewer").currentValues("alpha", null, 3, "garbage"))).isEqualTo(400);
        assertThat(status(() -> tokens.get("viewer").currentValues("alpha", null, 0, null))).isEqualTo(400);
        assertThat(status(() -> tokens.get("viewer").currentValues("alpha", null, 100_001, null))).isEqualTo(400);
    }

    @Test
    void theCompactShapeCarriesTheSameValues() throws Exception {
        for (String t : List.of("viewer", "site-a")) {
            OmniglassClient c = tokens.get(t);
            List<CurrentValue> objects = new ArrayList<>();
            List<CurrentValue> compact = new ArrayList<>();
            String after = null;
            do {
                Page<CurrentValue> p = c.currentValues("alpha", null, 2, after);
                objects.addAll(p.items());
                after = p.next();
            } while (after != null);
            do {
                Page<CurrentValue> p = c.currentValuesCompact("alpha", null, 2, after);
                compact.addAll(p.items());
                after = p.next();
            } while (after != null);
            assertThat(objects).as(t).isNotEmpty();
            assertThat(compact).as(t).containsExactlyElementsOf(objects);
            // a large read runs the lean query and one snapshot: same rows, same fields
            assertThat(c.currentValues("alpha", null, 20_000, null).items()).as(t).containsExactlyElementsOf(objects);
        }
        JsonNode body = OmniglassClient.JSON.readTree(raw(tokens.get("viewer"), "/api/v1/tenants/alpha/current-values?format=compact&limit=1").body());
        assertThat(body.path("columns").get(0).asText()).isEqualTo("owner");
        assertThat(body.path("rows")).hasSize(1);
        assertThat(body.path("types")).hasSize(1);
        HttpResponse<String> bad = raw(tokens.get("viewer"), "/api/v1/tenants/alpha/current-values?format=csv");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("format must be objects");
    }

    @Test
    void statsCountWithinTheScope() {
        for (String t : List.of("viewer", "site-a", "sys-2")) {
            OmniglassClient c = tokens.get(t);
            int visible = 0;
            String after = null;
            do {
                Page<CurrentValue> p = c.currentValues("alpha", null, 4, after);
                visible += p.items().size();
                after = p.next();
            } while (after != null);
            var stats = c.stats("alpha");
            assertThat(stats.signals()).as(t).isEqualTo(visible).isPositive();
            assertThat(stats.series()).as(t).isEqualTo(visible); // the fixture: one series per owner
            assertThat(stats.activeAlarms()).as(t).isZero();
        }
        assertThat(tokens.get("viewer").stats("alpha").signals()).isEqualTo(GatewayTestFixtures.ALL_OWNERS.size());
        assertThat(tokens.get("sys-2").stats("alpha").signals()).isEqualTo(GatewayTestFixtures.SYS_2.size());
        assertThat(status(() -> tokens.get("beta").stats("alpha"))).isEqualTo(404);
    }

    @Test
    void filtersSelectTheRightRows() {
        OmniglassClient v = tokens.get("viewer");
        assertThat(owners(v, "owner ~ \"component:pump-*\"")).containsExactlyInAnyOrder("component:pump-1", "component:pump-2");
        // without a kind the glob is about the owner's name, as CONTRACT.md's example reads
        assertThat(owners(v, "owner ~ \"pump-*\"")).containsExactlyInAnyOrder("component:pump-1", "component:pump-2");
        assertThat(owners(v, "owner ~ \"*-a\"")).contains("node:node-a", "location:site-a").doesNotContain("component:pump-1");
        assertThat(owners(v, "owner in (global, \"node:node-a\")")).containsExactlyInAnyOrder("global", "node:node-a");
        assertThat(owners(v, "value >= 10 and provenance = observed")).containsExactlyInAnyOrder("node:node-a", "global");
        assertThat(owners(v, "(owner = global or owner = \"location:site-a\") and kind = metric")).hasSize(2);
        assertThat(owners(v, "owner ~ \"*\\\"*\"")).isEmpty();
        OmniglassClient.ApiException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> v.currentValues("alpha", "owner = x and colour = red", null, null), OmniglassClient.ApiException.class);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.error().detail()).contains("unknown field 'colour'").contains("position 15");
        e = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> v.currentValues("alpha", "value > high", null, null), OmniglassClient.ApiException.class);
        assertThat(e.error().detail()).contains("needs a number").contains("position 9");
    }

    @Test
    void entityAndTypeWritesLeaveAuditRows() {
        OmniglassClient a = tokens.get("admin");
        a.createEntity("alpha", new EntityInfo("location", "site-c", "Site C", null, null, null, null, null, null));
        a.createEntity("alpha", new EntityInfo("component", "fan-9", null, null, "site-c", null, null, null, null));
        DatapointTypeInfo t = a.createDatapointType("alpha", new DatapointTypeInfo(null, "fan_speed", "metric", "rpm", null, "max", null));
        assertThat(t.id()).isNotNull();
        assertThat(status(() -> a.createEntity("alpha", new EntityInfo("location", "site-c", null, null, null, null, null, null, null)))).isEqualTo(409);
        assertThat(status(() -> a.createEntity("alpha", new EntityInfo("component", "fan-10", null, null, "no-such-site", null, null, null, null)))).isEqualTo(400);
        assertThat(status(() -> a.createEntity("alpha", new EntityInfo("rocket", "r1", null, null, null, null, null, null, null)))).isEqualTo(400);

        // a location-scoped admin may create inside its subtree only; outside is refused and rolled back
        OmniglassClient scoped = tokens.get("site-a-admin");
        scoped.createEntity("alpha", new EntityInfo("location", "hall-2", null, "site-a", null, null, null, null, null));
        assertThat(status(() -> scoped.createEntity("alpha", new EntityInfo("location", "site-z", null, null, null, null, null, null, null)))).isEqualTo(403);
        assertThat(a.entities("alpha").locations()).extracting(EntityInfo::name).contains("hall-2").doesNotContain("site-z");

        List<AuditEntry> audit = a.auditLog("alpha", "verb ~ \"*.create\"", 100, null).items();
        assertThat(audit).extracting(AuditEntry::resource)
                .containsSubsequence("location:hall-2", "datapoint_type:fan_speed", "component:fan-9", "location:site-c")
                .doesNotContain("location:site-z");
        AuditEntry fan = audit.stream().filter(x -> x.resource().equals("component:fan-9")).findFirst().orElseThrow();
        assertThat(fan.actor()).isEqualTo("admin-alpha");
        assertThat(fan.verb()).isEqualTo("entity.create");
        assertThat(fan.newValue().path("location").asText()).isEqualTo("site-c");
        // scoped tokens see only their own audit rows
        List<AuditEntry> own = tokens.get("sys-2").auditLog("alpha", null, 100, null).items();
        assertThat(own).allMatch(x -> x.actor().equals("operator-alpha-system-sys-2"));
    }

    @Test
    void heatmapShowsRecordedQueries() {
        OmniglassClient v = tokens.get("viewer");
        for (int i = 0; i < 30; i++) {
            v.currentValues("alpha", null, null, null);
        }
        LatencyHeatmap h = v.latencyHeatmap(null, 24);
        assertThat(h.tenant()).isEqualTo("alpha");
        assertThat(h.hours()).hasSize(24);
        assertThat(h.percentiles()).containsExactly("p50", "p90", "p95", "p99", "p99.9", "max");
        assertThat(h.counts().get(23)).isGreaterThanOrEqualTo(30L);
        List<Double> current = h.valuesMs().stream().map(row -> row.get(23)).toList();
        assertThat(current).doesNotContainNull();
        assertThat(current).isSorted();
        assertThat(current.get(0)).isGreaterThan(0.0);
        assertThat(h.valuesMs().get(0).get(0)).isNull();
        assertThat(h.slowest().get(23)).isNotEmpty();
        assertThat(h.slowest().get(23).get(0).sql()).contains("?").doesNotContain("'alpha'");
        // admin across tenants sees at least as many samples
        assertThat(admin.latencyHeatmap(null, 24).counts().get(23)).isGreaterThanOrEqualTo(h.counts().get(23));
    }

    @Test
    void openApiDescribesTheRoutes() throws Exception {
        HttpResponse<String> r = raw(null, "/api/v1/openapi.json");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode doc = OmniglassClient.JSON.readTree(r.body());
        assertThat(doc.path("paths").has("/api/v1/tenants/{t}/current-values")).isTrue();
        assertThat(doc.path("paths").has("/api/v1/tenants/{t}/alarms/{id}:ack")).isTrue();
        assertThat(doc.path("paths").has("/api/v1/latency-heatmap")).isTrue();
        assertThat(doc.path("paths").has("/api/v1/tenants/{t}/variables/{id}:decrypt")).isTrue();
        assertThat(doc.path("paths").path("/api/v1/tenants/{t}/current-values").path("get").path("parameters").toString())
                .contains("\"format\"");
    }
}
