package io.omniglass.core.plant;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Importing a plant description over HTTP: idempotent, audited, bad files are a 400 that says why. */
class PlantImportTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new PlantModule()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private static long count(DataSource ds, String sql) throws Exception {
        try (var c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theDemoPlantImportsTwiceToTheSameStateWithAnAuditRowEach() throws Exception {
        var t = core.createTenant("plant");
        DataSource ds = core.core().context().tenantDataSource(t);
        OmniglassClient admin = core.admin();
        Map<String, Object> first = admin.post("/api/v1/tenants/plant/import", PlantDescription.demoTree(), new TypeReference<>() { });
        assertThat(first).containsEntry("components", 13).containsEntry("locations", 4).containsEntry("datapoint_types_added", 1);
        String before = snapshot(ds);
        Map<String, Object> second = admin.post("/api/v1/tenants/plant/import", PlantDescription.demoTree(), new TypeReference<>() { });
        assertThat(second).containsEntry("datapoint_types_added", 0);
        assertThat(snapshot(ds)).isEqualTo(before);
        assertThat(count(ds, "SELECT count(*) FROM component WHERE component_type = 'pump'")).isEqualTo(6);
        assertThat(count(ds, "SELECT count(*) FROM location WHERE parent = 'plant-north'")).isEqualTo(3);
        assertThat(count(ds, "SELECT count(*) FROM system WHERE name = 'raw-water' AND parent = 'water-treatment'")).isEqualTo(1);
        assertThat(count(ds, "SELECT count(*) FROM system_member WHERE system = 'cooling-loop'")).isEqualTo(5);
        assertThat(count(ds, "SELECT count(*) FROM audit_log WHERE verb = 'plant.import' AND resource = 'tenant:plant' AND actor = 'admin'")).isEqualTo(2);
    }

    private static String snapshot(DataSource ds) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String sql : List.of("SELECT string_agg(name || '/' || coalesce(parent, ''), ',' ORDER BY name) FROM location",
                "SELECT string_agg(name || '/' || coalesce(system, '') || '/' || coalesce(location, ''), ',' ORDER BY name) FROM component",
                "SELECT string_agg(name || '/' || kind || '/' || scope, ',' ORDER BY name) FROM datapoint_type")) {
            try (var c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                sb.append(rs.getString(1)).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void badDescriptionsAreA400ThatSaysWhyAndChangeNothing() throws Exception {
        var t = core.createTenant("badplant");
        OmniglassClient admin = core.admin();
        var type = new TypeReference<Map<String, Object>>() { };
        assertThatThrownBy(() -> admin.post("/api/v1/tenants/badplant/import",
                PlantDescription.parseTree("components: [{name: p-1, type: spaceship}]"), type))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().detail()).contains("spaceship");
                });
        assertThatThrownBy(() -> admin.post("/api/v1/tenants/badplant/import",
                PlantDescription.parseTree("components: [{name: p-1, type: pump, location: nowhere}]"), type))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> admin.post("/api/v1/tenants/badplant/import",
                PlantDescription.parseTree("datapoint_types: [{name: flow, kind: state}]"), type))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.error().detail()).contains("never changes kind"));
        assertThatThrownBy(() -> admin.post("/api/v1/tenants/badplant/import", PlantDescription.parseTree("gadgets: []"), type))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(count(core.core().context().tenantDataSource(t), "SELECT count(*) FROM component")).isZero();
        assertThat(count(core.core().context().tenantDataSource(t), "SELECT count(*) FROM audit_log")).isZero();
    }
}
