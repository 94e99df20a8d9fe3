package io.omniglass.core.plant;

import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.PlantTreeNode;
import io.omniglass.api.PlantTreePage;
import io.omniglass.api.PlantTreeRef;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /entities/tree} on a real core and a plant of 3,000-odd entities: lazy levels with child
 * and alarm counts, keyset pages, type-ahead search with paths (on the trigram indexes), scope.
 */
class PlantTreeTest {

    static final int PER_SYSTEM = 1200;
    static final int METERS = 600;

    static TestCore core;
    static OmniglassClient admin;
    static OmniglassClient sysB;
    static OmniglassClient siteA;
    static DataSource db;
    static long deepSeries;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of(new GatewayModule(), new PlantModule()));
        var tenant = core.createTenant("tree");
        db = core.core().context().tenantDataSource(tenant);
        loadPlant();
        admin = core.admin();
        sysB = core.client(admin.createToken(new CreateTokenRequest("viewer", "tree", "system:sys-b", "viewer-sys-b")).token());
        siteA = core.client(admin.createToken(new CreateTokenRequest("viewer", "tree", "location:site-a", "viewer-site-a")).token());
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    /**
     * site-a > area-1 > zone-1 > cell-7 > deep-sensor-xyz (no system), site-a > sys-a > sys-a-sub,
     * site-b > sys-b; 1,200 pumps in each of sys-a and sys-b, 600 meters straight under site-b.
     */
    static void loadPlant() throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            exec(c, "INSERT INTO location (name, display_name, parent) VALUES (?, ?, ?)",
                    new Object[][]{{"site-a", "Site A", null}, {"site-b", "Site B", null}, {"area-1", "Area 1", "site-a"},
                            {"zone-1", "Zone 1", "area-1"}, {"cell-7", "Cell 7", "zone-1"}});
            exec(c, "INSERT INTO system (name, display_name, location, parent) VALUES (?, ?, ?, ?)",
                    new Object[][]{{"sys-a", "System A", "site-a", null}, {"sys-a-sub", "System A, sub", "site-a", "sys-a"},
                            {"sys-b", "System B", "site-b", null}});
            List<Object[]> components = new ArrayList<>();
            for (int i = 0; i < PER_SYSTEM; i++) {
                components.add(new Object[]{String.format("pump-a-%04d", i), "Pump A" + i, "sys-a", "site-a"});
                components.add(new Object[]{String.format("pump-b-%04d", i), "Pump B" + i, "sys-b", "site-b"});
            }
            for (int i = 0; i < METERS; i++) {
                components.add(new Object[]{String.format("meter-b-%04d", i), "Meter " + i, null, "site-b"});
            }
            components.add(new Object[]{"deep-sensor-xyz", "Deep Sensor XYZ", null, "cell-7"});
            components.add(new Object[]{"sub-pump", "Sub pump", "sys-a-sub", "site-a"});
            exec(c, "INSERT INTO component (name, display_name, system, location) VALUES (?, ?, ?, ?)",
                    components.toArray(new Object[0][]));
            exec(c, "INSERT INTO node (name, display_name, location) VALUES (?, ?, ?)", new Object[][]{{"gw-1", "Gateway 1", "area-1"}});
            exec(c, "INSERT INTO datapoint_type (name, kind, unit) VALUES ('tree_temp', 'metric', 'degC'), ('tree_level', 'metric', '%')",
                    new Object[][]{{}});
            deepSeries = one(c, "INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                    + "SELECT 'component', 'deep-sensor-xyz', id, 'metric', 'observed' FROM datapoint_type WHERE name = 'tree_temp' RETURNING id");
            exec(c, "INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, instance) "
                    + "SELECT 'component', ?, id, 'metric', 'observed', ? FROM datapoint_type WHERE name = ?",
                    new Object[][]{{"deep-sensor-xyz", "", "tree_level"}, {"pump-b-0001", "", "tree_temp"}, {"pump-a-0002", "", "tree_temp"},
                            {"pump-a-0002", "left", "tree_level"}});
            // an active alarm deep under site-a, one under sys-b, and a cleared one that counts nowhere
            long rule = one(c, "INSERT INTO event_rule (name) VALUES ('tree-temp-high') RETURNING id");
            exec(c, "INSERT INTO event_rule_version (event_rule_id, version, selector, key, condition) "
                    + "VALUES (?, 1, 'component:*', 'tree_temp', '{\"type\": \"high\", \"threshold\": 80}')", new Object[][]{{rule}});
            for (String[] a : new String[][]{{"deep-sensor-xyz", "active"}, {"pump-b-0001", "active"}, {"pump-a-0002", "cleared"}}) {
                long event = one(c, "INSERT INTO event (name, origin, owner_kind, component_id, event_rule_id, event_rule_version) "
                        + "VALUES ('alarm.raised', 'rule', 'component', '" + a[0] + "', " + rule + ", 1) RETURNING id");
                exec(c, "INSERT INTO alarm (event_rule_id, event_rule_version, owner_kind, component_id, state, severity, raised_at, "
                                + "cleared_at, raise_event_id, last_event_id) VALUES (?, 1, 'component', ?, ?::alarm_state, 'error', now(), "
                                + "CASE WHEN ? = 'cleared' THEN now() END, ?, ?)",
                        new Object[][]{{rule, a[0], a[1], a[1], event, event}});
            }
            c.commit();
        }
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("ANALYZE location; ANALYZE system; ANALYZE component; ANALYZE node; ANALYZE series");
        }
    }

    @Test
    void theRootsCarryTheirChildAndAlarmCounts() {
        PlantTreePage roots = admin.plantTreeChildren("tree", null, null, null);
        assertThat(roots.items()).extracting(PlantTreeNode::id).containsExactly("location:site-a", "location:site-b");
        PlantTreeNode siteA = roots.items().get(0);
        assertThat(siteA.displayName()).isEqualTo("Site A");
        assertThat(siteA.childCount()).isEqualTo(2); // area-1 and sys-a (sys-a-sub is under sys-a)
        assertThat(siteA.activeAlarms()).isEqualTo(1); // deep-sensor-xyz, four levels down; the cleared one not
        assertThat(siteA.path()).isEmpty();
        PlantTreeNode siteB = roots.items().get(1);
        assertThat(siteB.childCount()).isEqualTo(1 + METERS);
        assertThat(siteB.activeAlarms()).isEqualTo(1);
        assertThat(roots.next()).isNull();
    }

    @Test
    void aLevelListsLocationsThenNodesThenSignalsWithThePathDownToIt() {
        PlantTreePage area = admin.plantTreeChildren("tree", "location:area-1", null, null);
        assertThat(area.items()).extracting(PlantTreeNode::id).containsExactly("location:zone-1", "node:gw-1");
        assertThat(area.items().get(0).path()).extracting(PlantTreeRef::id).containsExactly("location:site-a", "location:area-1");

        PlantTreePage sensor = admin.plantTreeChildren("tree", "component:deep-sensor-xyz", null, null);
        assertThat(sensor.items()).extracting(PlantTreeNode::kind).containsOnly("signal");
        assertThat(sensor.items()).extracting(PlantTreeNode::name).containsExactly("tree_level", "tree_temp");
        PlantTreeNode temp = sensor.items().get(1);
        assertThat(temp.id()).isEqualTo("series:" + deepSeries);
        assertThat(temp.signal().seriesId()).isEqualTo(deepSeries);
        assertThat(temp.signal().owner()).isEqualTo("component:deep-sensor-xyz");
        assertThat(temp.signal().unit()).isEqualTo("degC");
        assertThat(temp.activeAlarms()).isEqualTo(1); // the rule's key is tree_temp
        assertThat(sensor.items().get(0).activeAlarms()).isZero();
        assertThat(temp.childCount()).isZero();

        PlantTreePage pump = admin.plantTreeChildren("tree", "component:pump-a-0002", null, null);
        assertThat(pump.items()).extracting(PlantTreeNode::name).containsExactly("tree_level[left]", "tree_temp");
    }

    @Test
    void aBigLevelComesInKeysetPagesThatAddUpToIt() {
        List<String> ids = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            PlantTreePage page = admin.plantTreeChildren("tree", "system:sys-a", 500, after);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(500);
            page.items().forEach(n -> ids.add(n.id()));
            after = page.next();
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(ids).hasSize(1 + PER_SYSTEM).doesNotHaveDuplicates();
        assertThat(ids.get(0)).isEqualTo("system:sys-a-sub");
        assertThat(ids.get(1)).isEqualTo("component:pump-a-0000");
        assertThat(ids.subList(1, ids.size())).isSorted();

        // a page boundary between entities and signals: pump-a-0002's two signals, one a page
        PlantTreePage first = admin.plantTreeChildren("tree", "component:pump-a-0002", 1, null);
        PlantTreePage second = admin.plantTreeChildren("tree", "component:pump-a-0002", 1, first.next());
        assertThat(first.next()).startsWith("series:");
        assertThat(second.items()).extracting(PlantTreeNode::name).containsExactly("tree_temp");
        assertThat(second.next()).isNull();
    }

    @Test
    void searchFindsADeepEntityAnyCaseWithItsPathFromTheRoot() {
        PlantTreePage hits = admin.plantTreeSearch("tree", "DEEP-sens", null);
        assertThat(hits.items()).extracting(PlantTreeNode::id).containsExactly("component:deep-sensor-xyz");
        assertThat(hits.items().get(0).path()).extracting(PlantTreeRef::id)
                .containsExactly("location:site-a", "location:area-1", "location:zone-1", "location:cell-7");
        assertThat(hits.items().get(0).activeAlarms()).isEqualTo(1);
        assertThat(hits.items().get(0).childCount()).isEqualTo(2);
        // by display name, and in the middle of a name
        assertThat(admin.plantTreeSearch("tree", "sensor xyz", null).items()).extracting(PlantTreeNode::id)
                .containsExactly("component:deep-sensor-xyz");
        assertThat(admin.plantTreeSearch("tree", "ter-b-0599", null).items()).extracting(PlantTreeNode::id)
                .containsExactly("component:meter-b-0599");
        // LIKE's wildcards are the user's characters, not patterns
        assertThat(admin.plantTreeSearch("tree", "_", null).items()).isEmpty();
        assertThat(admin.plantTreeSearch("tree", "%", null).items()).isEmpty();
    }

    @Test
    void searchIsBoundedAndPutsPrefixHitsFirst() {
        PlantTreePage hits = admin.plantTreeSearch("tree", "pump-a", 10);
        assertThat(hits.items()).hasSize(10);
        assertThat(hits.truncated()).isTrue();
        assertThat(hits.items()).extracting(PlantTreeNode::id).allMatch(id -> id.startsWith("component:pump-a-"));
        assertThat(hits.items().get(0).path()).extracting(PlantTreeRef::id).containsExactly("location:site-a", "system:sys-a");
        // "sub" starts sub-pump's name and is inside sys-a-sub's: the prefix hit first
        assertThat(admin.plantTreeSearch("tree", "sub", null).items()).extracting(PlantTreeNode::id)
                .containsExactly("component:sub-pump", "system:sys-a-sub");
        assertThat(admin.plantTreeSearch("tree", "deep", 5).truncated()).isFalse();
    }

    @Test
    void aSystemScopedTokenSeesItsSystemAsTheOnlyRootAndNothingElse() {
        PlantTreePage roots = sysB.plantTreeChildren("tree", null, null, null);
        assertThat(roots.items()).extracting(PlantTreeNode::id).containsExactly("system:sys-b");
        assertThat(roots.items().get(0).childCount()).isEqualTo(PER_SYSTEM);
        assertThat(roots.items().get(0).activeAlarms()).isEqualTo(1);
        assertThat(sysB.plantTreeSearch("tree", "pump-a", null).items()).isEmpty();
        assertThat(sysB.plantTreeSearch("tree", "deep", null).items()).isEmpty();
        assertThat(sysB.plantTreeSearch("tree", "meter", null).items()).isEmpty();
        // the path starts at the scope's root: site-b is not named
        PlantTreePage hit = sysB.plantTreeSearch("tree", "pump-b-0001", null);
        assertThat(hit.items()).extracting(PlantTreeNode::id).containsExactly("component:pump-b-0001");
        assertThat(hit.items().get(0).path()).extracting(PlantTreeRef::id).containsExactly("system:sys-b");
        assertThat(status(() -> sysB.plantTreeChildren("tree", "location:site-b", null, null))).isEqualTo(404);
        assertThat(status(() -> sysB.plantTreeChildren("tree", "component:pump-a-0002", null, null))).isEqualTo(404);

        PlantTreePage site = siteA.plantTreeChildren("tree", null, null, null);
        assertThat(site.items()).extracting(PlantTreeNode::id).containsExactly("location:site-a");
        assertThat(siteA.plantTreeSearch("tree", "pump-b", null).items()).isEmpty();
        assertThat(siteA.plantTreeSearch("tree", "deep-sensor", null).items().get(0).path()).hasSize(4);
    }

    @Test
    void badRequestsAreA400ThatSaysWhy() {
        assertThat(status(() -> admin.plantTreeChildren("tree", "pump-7", null, null))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeChildren("tree", "widget:pump-7", null, null))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeChildren("tree", "series:" + deepSeries, null, null))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeChildren("tree", "component:no-such-thing", null, null))).isEqualTo(404);
        assertThat(status(() -> admin.plantTreeChildren("tree", null, 0, null))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeChildren("tree", null, null, "not a cursor"))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeSearch("tree", "   ", null))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeSearch("tree", "x".repeat(129), null))).isEqualTo(400);
        assertThat(status(() -> admin.get("/api/v1/tenants/tree/entities/tree?q=pump&parent=system:sys-a",
                new com.fasterxml.jackson.core.type.TypeReference<PlantTreePage>() { }))).isEqualTo(400);
        assertThat(status(() -> admin.plantTreeChildren("nope", null, null, null))).isEqualTo(404);
    }

    /**
     * The search's predicate is the very expression of the trigram index (one that differs by a
     * character is never served by it). At this plant's size (3,000 components) the planner rightly
     * prefers reading the table (about a millisecond); priced out of the scan, it must take the index.
     */
    @Test
    void theSearchPredicateIsServedByTheTrigramIndex() throws SQLException {
        List<String> plan = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL enable_seqscan = off");
            try (ResultSet rs = st.executeQuery(
                    "EXPLAIN SELECT name FROM component WHERE (name || ' ' || display_name) ILIKE '%deep-sen%'")) {
                while (rs.next()) {
                    plan.add(rs.getString(1));
                }
            }
            c.rollback();
        }
        assertThat(String.join("\n", plan)).contains("Bitmap Index Scan on component_search_trgm");
    }

    // ---------------------------------------------------------------- helpers

    static int status(Supplier<?> call) {
        try {
            call.get();
            return 200;
        } catch (OmniglassClient.ApiException e) {
            assertThat(e.error().detail()).isNotBlank();
            return e.status();
        }
    }

    static void exec(Connection c, String sql, Object[][] rows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Object[] row : rows) {
                for (int i = 0; i < row.length; i++) {
                    ps.setObject(i + 1, row[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static long one(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
