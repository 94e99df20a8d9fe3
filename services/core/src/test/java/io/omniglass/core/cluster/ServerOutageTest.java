package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.api.AddServerRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real Postgres servers with a tenant on each; the second is crashed (kill -9 of its postmaster
 * and backends) while both tenants are fed. The tenant on the healthy server keeps ingesting and
 * raises its alarm; /healthz and /metrics name the server and the tenant that wait; the sink
 * leaves the waiting tenant's data in JetStream (nothing dead-lettered); once the server is back,
 * every datapoint published meanwhile is in its database exactly once.
 */
class ServerOutageTest {

    private static final int BEFORE = 50;
    private static final int DURING = 200;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Two pumps and one alarm rule (no calc rules: every stored row is a published one). */
    private static final String PLANT = """
            name: outage-test
            locations: [{name: site}]
            systems: [{name: loop, location: site}]
            components:
              - {name: pump-1, type: pump, system: loop, location: site}
              - {name: pump-2, type: pump, system: loop, location: site}
            datapoint_types:
              - {name: temperature, kind: metric, unit: degC}
            rules:
              event_rules:
                - {name: pump-temperature-high, selector: "component:pump-*", key: temperature,
                   condition: {type: high, threshold: 85, deadband: 5}, severity: error}
            """;

    @Test
    void aServerDownDegradesOnlyItsTenantsAndTheirDataLandsWhenItReturns() throws Exception {
        try (ExtraPostgres pg2 = ExtraPostgres.start();
             TestCore core = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), new SinkModule(), new CdcModule(), new RulesModule()))) {
            OmniglassClient admin = core.admin();
            admin.addServer(new AddServerRequest("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null));
            Tenant steady = core.core().context().provisioner().create("steady", "steady", java.util.Optional.of("default"), "test");
            Tenant outage = core.core().context().provisioner().create("outage", "outage", java.util.Optional.of("pg2"), "test");
            for (Tenant t : List.of(steady, outage)) {
                new PlantImporter(core.core().context().tenantDataSource(t)).importPlant(PlantDescription.parseTree(PLANT), "test", t.slug());
            }
            Instant t0 = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
            try (Connection nats = Nats.connect(core.core().context().infrastructure().natsUrl())) {
                publish(nats, "steady", t0, 0, BEFORE);
                publish(nats, "outage", t0, 0, BEFORE);
                await().atMost(Duration.ofSeconds(60)).until(() -> stored(core, steady) == BEFORE && storedOn(pg2) == BEFORE);
                assertThat(health(core, null).get("status").asText()).isEqualTo("ok");

                pg2.kill9();
                publish(nats, "outage", t0, BEFORE, DURING);
                publish(nats, "steady", t0, BEFORE, DURING);
                // the healthy server's tenant goes on: every datapoint stored, and a crossing raises its alarm
                RulesFixture.metric(nats, "steady", "component:pump-1", "temperature", t0.plusSeconds(BEFORE + DURING), 95.0, "hot-1", null);
                await().atMost(Duration.ofSeconds(60)).until(() -> stored(core, steady) == BEFORE + DURING + 1);
                await().atMost(Duration.ofSeconds(60)).until(() -> RulesFixture.count(core.core().context().tenantDataSource(steady),
                        "SELECT count(*) FROM alarm WHERE owner = 'component:pump-1' AND state = 'active'") == 1);

                // and its change feed carries the alarm (the CDC sessions are shared with the tenant that waits)
                await().atMost(Duration.ofSeconds(60)).until(() -> cdcMessages(nats, "steady", "alarm") > 0);

                // health names the server, and the tenant to a token that may see it (a count to anyone)
                await().atMost(Duration.ofSeconds(60)).until(() -> "degraded".equals(health(core, null).get("status").asText()));
                JsonNode seen = health(core, core.adminToken());
                assertThat(seen.get("servers_impaired")).extracting(JsonNode::asText).containsExactly("pg2");
                assertThat(seen.get("tenants_impaired")).extracting(JsonNode::asText).containsExactly("outage");
                JsonNode anonymous = health(core, null);
                assertThat(anonymous.get("tenants_impaired")).isEmpty();
                assertThat(anonymous.get("tenants_impaired_count").asInt()).isEqualTo(1);
                String metrics = get(core, "/metrics", core.adminToken()).body();
                assertThat(metrics).contains("og_pg_server_up{server=\"pg2\"} 0.0", "og_pg_server_up{server=\"default\"} 1.0")
                        .contains("og_tenant_server_up{server=\"pg2\",tenant=\"outage\"} 0.0")
                        .contains("og_tenant_server_up{server=\"default\",tenant=\"steady\"} 1.0");
                // the waiting tenant's HTTP reads say why, as a 503 with Retry-After, not a 500
                HttpResponse<String> read = get(core, "/api/v1/tenants/outage/current-values?limit=1", core.adminToken());
                assertThat(read.statusCode()).as(read.body()).isEqualTo(503);

                pg2.restart();
                await().atMost(Duration.ofSeconds(120)).until(() -> storedOn(pg2) == BEFORE + DURING);
                await().atMost(Duration.ofSeconds(30)).until(() -> "ok".equals(health(core, null).get("status").asText()));
                // nothing lost, nothing twice, nothing dead-lettered: the data waited in JetStream
                assertThat(distinctOn(pg2)).isEqualTo(BEFORE + DURING);
                assertThat(stored(core, steady)).isEqualTo(BEFORE + DURING + 1);
                assertThat(deadLetters(nats, "outage")).as(RulesFixture.deadLetters(nats, "outage")).isZero();
                assertThat(deadLetters(nats, "steady")).as(RulesFixture.deadLetters(nats, "steady")).isZero();
                assertThat(admin.servers()).filteredOn(s -> s.name().equals("pg2")).extracting(s -> s.health()).containsExactly("up");
            }
        }
    }

    /** {@code n} metric datapoints of pump-2, one second apart from {@code t0 + from}, each with its message id. */
    private static void publish(Connection nats, String slug, Instant t0, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            RulesFixture.metric(nats, slug, "component:pump-2", "temperature", t0.plusSeconds(i), 40.0 + i % 10, slug + "-" + i, null);
        }
    }

    private static long stored(TestCore core, Tenant t) {
        return RulesFixture.count(core.core().context().tenantDataSource(t), "SELECT count(*) FROM metric_datapoint");
    }

    private static long storedOn(ExtraPostgres pg2) {
        return query(pg2, "SELECT count(*) FROM metric_datapoint");
    }

    private static long distinctOn(ExtraPostgres pg2) {
        return query(pg2, "SELECT count(DISTINCT (series_id, ts)) FROM metric_datapoint");
    }

    private static long query(ExtraPostgres pg2, String sql) {
        try (java.sql.Connection c = pg2.connect("og_t_outage"); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (e.getSQLState() != null && (e.getSQLState().startsWith("08") || e.getSQLState().startsWith("57P0"))) {
                return -1; // down or recovering
            }
            throw new IllegalStateException(e);
        }
    }

    private static long deadLetters(Connection nats, String slug) throws Exception {
        return nats.jetStreamManagement().getStreamInfo(TenantStreams.dlqStream(slug)).getStreamState().getMsgCount();
    }

    private static long cdcMessages(Connection nats, String slug, String table) throws Exception {
        var info = nats.jetStreamManagement().getStreamInfo(TenantStreams.cdcStream(slug),
                io.nats.client.api.StreamInfoOptions.filterSubjects("og." + slug + ".cdc." + table));
        return info.getStreamState().getSubjectCount() == 0 ? 0 : info.getStreamState().getSubjects().stream()
                .mapToLong(io.nats.client.api.Subject::getCount).sum();
    }

    private static JsonNode health(TestCore core, String token) throws Exception {
        return OmniglassClient.JSON.readTree(get(core, "/healthz", token).body());
    }

    private static HttpResponse<String> get(TestCore core, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(core.httpUrl() + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
