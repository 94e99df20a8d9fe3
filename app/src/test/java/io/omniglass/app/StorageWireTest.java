package io.omniglass.app;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.Modules;
import io.omniglass.core.testing.TestCore;
import io.omniglass.views.services.RetentionPolicy;
import io.omniglass.views.services.StorageOverview;
import io.omniglass.views.services.TableStorage;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The storage screen's data read from a real core: sizes per table and the policies with their sources. */
class StorageWireTest {

    private static final String PLANT = """
            name: wire-plant
            locations: [{name: site-a}]
            components: [{name: pump-1, type: pump, location: site-a}]
            datapoint_types: [{name: temperature, kind: metric, unit: degC}]
            """;

    @Test
    void theConsoleReadsSizesAndResolvedPoliciesFromTheCore() throws Exception {
        try (TestCore core = TestCore.start(Modules.all())) {
            OmniglassClient admin = core.admin();
            core.createTenant("wire");
            HttpResponse<String> imported = admin.http().send(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/api/v1/tenants/wire/import"))
                    .header("Authorization", "Bearer " + core.adminToken()).header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofString(PLANT)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
            admin.put("/api/v1/tenants/wire/retention", Map.of("table", "metric_datapoint", "type", "temperature", "hot", "2d"),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { });

            StorageOverview s = new HttpConsoleServices(admin).storage("wire");

            assertThat(s.tables()).extracting(TableStorage::table).contains("metric_datapoint", "state_datapoint", "audit_log");
            TableStorage metrics = s.tables().stream().filter(t -> t.table().equals("metric_datapoint")).findFirst().orElseThrow();
            assertThat(metrics.hotPartitions()).isPositive(); // made ahead when the tenant was created
            assertThat(metrics.hotBytes()).isPositive();
            assertThat(metrics.hotOldestDay()).matches("\\d{4}-\\d{2}-\\d{2}");
            assertThat(metrics.coldFiles()).isZero();
            assertThat(metrics.coldOldestDay()).isNull();

            RetentionPolicy table = s.policies().stream()
                    .filter(p -> p.table().equals("metric_datapoint") && p.type() == null && p.owner() == null).findFirst().orElseThrow();
            assertThat(table.hotFrom()).isEqualTo("default");
            RetentionPolicy temperature = s.policies().stream().filter(p -> "temperature".equals(p.type())).findFirst().orElseThrow();
            assertThat(temperature.hot()).isEqualTo("2d");
            assertThat(temperature.hotFrom()).isEqualTo("type:temperature");
            assertThat(temperature.keep()).isEqualTo(table.keep());
            assertThat(temperature.keepFrom()).isEqualTo("default");
            assertThat(temperature.appliesTo()).isEqualTo("type temperature");
            RetentionPolicy audit = s.policies().stream().filter(p -> p.table().equals("audit_log")).findFirst().orElseThrow();
            assertThat(audit.tier()).isEqualTo("none");
        }
    }
}
