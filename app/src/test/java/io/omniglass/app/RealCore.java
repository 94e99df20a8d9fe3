package io.omniglass.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.Modules;
import io.omniglass.core.testing.TestCore;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/** A real core (embedded Postgres, nats-server) with the demo plant, and a way to feed it datapoints. */
final class RealCore implements AutoCloseable {

    final TestCore core;
    final OmniglassClient admin;
    final Connection nats;
    final Path tokenFile;

    RealCore(String tenant) throws Exception {
        core = TestCore.start(Modules.all());
        admin = core.admin();
        core.createTenant(tenant);
        importDemoPlant(tenant);
        // the test publishes as a device does: with a credential of the tenant's own (the lane is closed to others)
        var ctx = core.core().context();
        String seed = io.omniglass.core.devices.DeviceModule.issue(ctx, tenant, "e2e-device").seed();
        nats = Nats.connect(io.omniglass.core.devices.DeviceCredential.options(ctx.infrastructure().publicNatsUrl(), seed).build());
        tokenFile = core.dataDir().resolve("admin.token");
    }

    private void importDemoPlant(String tenant) throws IOException, InterruptedException {
        String yaml;
        try (InputStream in = RealCore.class.getResourceAsStream("/omniglass/plants/demo-plant.yaml")) {
            yaml = in == null
                    ? Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("resources/plants/demo-plant.yaml"))
                    : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HttpResponse<String> r = admin.http().send(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/api/v1/tenants/" + tenant + "/import"))
                .header("Authorization", "Bearer " + core.adminToken())
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("plant import failed: " + r.statusCode() + " " + r.body());
        }
    }

    /** One observed metric datapoint on the data lane, as a device would send it. */
    void publishMetric(String tenant, String component, String key, double value) {
        String body = String.format(Locale.ROOT,
                "{\"owner\":\"component:%s\",\"key\":\"%s\",\"instance\":\"\",\"ts\":\"%s\",\"value\":%s,"
                        + "\"provenance\":\"observed\",\"source\":\"e2e\",\"source_rule\":\"e2e-poll\",\"source_rule_version\":1}",
                component, key, Instant.now(), value);
        nats.publish("og." + tenant + ".dp.metric", body.getBytes(StandardCharsets.UTF_8));
    }

    JsonNode get(String path) {
        return admin.get(path, new TypeReference<JsonNode>() { });
    }

    JsonNode post(String path, Object body) {
        return admin.post(path, body, new TypeReference<JsonNode>() { });
    }

    String url() {
        return core.httpUrl();
    }

    @Override
    public void close() throws Exception {
        nats.close();
        core.close();
    }

    static Map<String, Object> highRule(String name, String key, double threshold) {
        return Map.of("name", name, "selector", "component:pump-*", "key", key,
                "condition", Map.of("type", "high", "threshold", threshold, "deadband", 0.5),
                "severity", "critical", "message", key + " high", "enabled", true);
    }
}
