package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.api.AddServerRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreModule;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A core that starts while one of its Postgres servers is down (kill -9) serves the tenants of
 * the other server at once, says which server and tenant wait, and brings the waiting tenant up
 * by itself when its server returns: everything published to it meanwhile lands, once, without a
 * restart of the core.
 */
class ServerDownAtStartTest {

    private static final int BEFORE = 20;
    private static final int DURING = 100;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PLANT = """
            name: late-test
            locations: [{name: site}]
            components: [{name: pump-1, type: pump, location: site}]
            datapoint_types: [{name: temperature, kind: metric, unit: degC}]
            """;

    @Test
    void aTenantWhoseServerIsDownWhenTheCoreStartsIsBroughtUpWhenTheServerReturns() throws Exception {
        try (TestInfra infra = TestInfra.start(); ExtraPostgres pg2 = ExtraPostgres.start();
             Connection nats = Nats.connect(infra.natsUrl())) {
            Map<String, String> env = new HashMap<>(infra.env());
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            env.put("OMNIGLASS_SECRET_KEY", Base64.getEncoder().encodeToString(key)); // both cores unseal pg2's password
            Instant t0 = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);

            try (TestCore first = TestCore.start(modules(), env)) {
                first.admin().addServer(new AddServerRequest("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null));
                for (String[] t : new String[][]{{"steady", "default"}, {"late", "pg2"}}) {
                    Tenant tenant = first.core().context().provisioner().create(t[0], t[0], Optional.of(t[1]), "test");
                    new PlantImporter(first.core().context().tenantDataSource(tenant))
                            .importPlant(PlantDescription.parseTree(PLANT), "test", tenant.slug());
                }
                publish(nats, "steady", t0, 0, BEFORE);
                publish(nats, "late", t0, 0, BEFORE);
                await().atMost(Duration.ofSeconds(60)).until(() -> storedOn(infra, "steady") == BEFORE && storedOn(pg2) == BEFORE);
            }

            pg2.kill9();
            try (TestCore second = TestCore.start(modules(), env)) {
                // the start finished with pg2 down; the other server's tenant is served
                publish(nats, "steady", t0, BEFORE, DURING);
                publish(nats, "late", t0, BEFORE, DURING);
                await().atMost(Duration.ofSeconds(60)).until(() -> storedOn(infra, "steady") == BEFORE + DURING);
                await().atMost(Duration.ofSeconds(60)).until(() -> "degraded".equals(health(second).get("status").asText()));
                JsonNode health = health(second);
                assertThat(health.get("servers_impaired")).extracting(JsonNode::asText).containsExactly("pg2");
                assertThat(health.get("tenants_impaired")).extracting(JsonNode::asText).containsExactly("late");
                HttpResponse<String> read = get(second, "/api/v1/tenants/late/current-values?limit=1");
                assertThat(read.statusCode()).as(read.body()).isEqualTo(503);
                assertThat(get(second, "/api/v1/tenants/steady/current-values?limit=1").statusCode()).isEqualTo(200);

                pg2.restart();
                // no restart of the core: the tenant is brought up when its server answers, and its data lands
                await().atMost(Duration.ofSeconds(120)).until(() -> storedOn(pg2) == BEFORE + DURING);
                await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(health(second).get("status").asText()));
                assertThat(distinctOn(pg2)).isEqualTo(BEFORE + DURING);
                assertThat(get(second, "/api/v1/tenants/late/current-values?limit=1").statusCode()).isEqualTo(200);
                assertThat(deadLetters(nats, "late")).as(RulesFixture.deadLetters(nats, "late")).isZero();
                assertThat(deadLetters(nats, "steady")).as(RulesFixture.deadLetters(nats, "steady")).isZero();

                // and it is served from then on like any other
                publish(nats, "late", t0, BEFORE + DURING, 1);
                await().atMost(Duration.ofSeconds(60)).until(() -> storedOn(pg2) == BEFORE + DURING + 1);
            }
        }
    }

    private static List<CoreModule> modules() {
        return List.of(new GatewayModule(), new SinkModule());
    }

    private static void publish(Connection nats, String slug, Instant t0, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            RulesFixture.metric(nats, slug, "component:pump-1", "temperature", t0.plusSeconds(i), 40.0 + i % 10, slug + "-" + i, null);
        }
    }

    private static long storedOn(TestInfra infra, String slug) {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(infra.infrastructure().pg().jdbcUrl("og_t_" + slug),
                infra.infrastructure().pg().user(), infra.infrastructure().pg().password())) {
            return count(c, "SELECT count(*) FROM metric_datapoint");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long storedOn(ExtraPostgres pg2) {
        return onPg2(pg2, "SELECT count(*) FROM metric_datapoint");
    }

    private static long distinctOn(ExtraPostgres pg2) {
        return onPg2(pg2, "SELECT count(DISTINCT (series_id, ts)) FROM metric_datapoint");
    }

    private static long onPg2(ExtraPostgres pg2, String sql) {
        try (java.sql.Connection c = pg2.connect("og_t_late")) {
            return count(c, sql);
        } catch (SQLException e) {
            if (e.getSQLState() != null && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P0"))) {
                return -1; // down or recovering
            }
            throw new IllegalStateException(e);
        }
    }

    private static long count(java.sql.Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long deadLetters(Connection nats, String slug) throws Exception {
        return nats.jetStreamManagement().getStreamInfo(TenantStreams.dlqStream(slug)).getStreamState().getMsgCount();
    }

    private static JsonNode health(TestCore core) throws Exception {
        return OmniglassClient.JSON.readTree(get(core, "/healthz").body());
    }

    private static HttpResponse<String> get(TestCore core, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + core.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
