package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.api.AddServerRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.ServerInfo;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.lifecycle.LifecycleModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.StreamingReplica;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A streaming read replica of the tenant's server, made by pg_basebackup (-R, -X stream) of the
 * same major version and run with the primary's binaries as a hot standby: history and aggregate reads go to it while its lag is within
 * OMNIGLASS_REPLICA_MAX_LAG (seen in the replica's pg_stat_activity and in og_pg_reads_total), new
 * rows written on the primary reach the reads through it, and once it is stopped the same reads
 * are answered, complete, by the primary.
 */
class ReplicaReadsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PLANT = """
            name: replica-test
            locations: [{name: site}]
            components: [{name: pump-1, type: pump, location: site}]
            datapoint_types: [{name: temperature, kind: metric, unit: degC}]
            """;

    @Test
    void lagTolerantReadsGoToAReplicaWhileItIsCloseBehindAndToThePrimaryWhenItIsStopped() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule(), new SinkModule(), new LifecycleModule()),
                Map.of("OMNIGLASS_REPLICA_MAX_LAG", "5s"))) {
            Tenant t = core.createTenant("reads");
            new PlantImporter(core.core().context().tenantDataSource(t)).importPlant(PlantDescription.parseTree(PLANT), "test", "reads");
            Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
            try (Connection nats = Nats.connect(core.core().context().infrastructure().natsUrl())) {
                publish(nats, t0, 0, 100);
                await().atMost(Duration.ofSeconds(60)).until(() -> stored(core, t) == 100);
                long series = RulesFixture.count(core.core().context().tenantDataSource(t), "SELECT min(series_id) FROM metric_datapoint");

                PgServer primary = core.core().context().infrastructure().pg();
                Path bin = ProcessHandle.of(core.core().context().infrastructure().embeddedPostgresPid().orElseThrow()).orElseThrow()
                        .info().command().map(c -> Path.of(c).getParent()).orElseThrow();
                try (StreamingReplica replica = StreamingReplica.of(bin, primary.port(), primary.password())) {
                    ServerInfo added = core.admin().addServer(new AddServerRequest("replica1", replica.jdbcUrl(), "postgres",
                            primary.password(), "default"));
                    assertThat(added.role()).isEqualTo("replica");
                    assertThat(added.replicaOf()).isEqualTo("default");

                    // close behind: history and aggregates are served by the replica
                    assertThat(history(core, series, t0)).isEqualTo(100);
                    assertThat(aggregateCount(core, series, t0)).isEqualTo(100);
                    assertThat(reads(core, "replica", "replica1")).isEqualTo(2);
                    assertThat(reads(core, "primary", "default")).isZero();
                    try (java.sql.Connection onReplica = replica.connect("postgres");
                         PreparedStatement ps = onReplica.prepareStatement("SELECT count(*) FROM pg_stat_activity"
                                 + " WHERE datname = 'og_t_reads' AND application_name = 'omniglass-core replica'");
                         ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("the core's read sessions on the replica").isPositive();
                    }
                    // rows written on the primary (writes never go to the replica) reach the reads through it
                    publish(nats, t0, 100, 50);
                    await().atMost(Duration.ofSeconds(60)).until(() -> stored(core, t) == 150);
                    await().atMost(Duration.ofSeconds(30)).until(() -> history(core, series, t0) == 150);
                    assertThat(reads(core, "primary", "default")).isZero();

                    // stopped: the same reads are answered, complete, by the primary
                    replica.stop();
                    long before = reads(core, "replica", "replica1");
                    assertThat(history(core, series, t0)).isEqualTo(150);
                    assertThat(aggregateCount(core, series, t0)).isEqualTo(150);
                    assertThat(reads(core, "primary", "default")).isGreaterThanOrEqualTo(2);
                    assertThat(reads(core, "replica", "replica1")).isEqualTo(before);
                }
            }
        }
    }

    private static void publish(Connection nats, Instant t0, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            RulesFixture.metric(nats, "reads", "component:pump-1", "temperature", t0.plusSeconds(i), 20.0 + i % 7, "r-" + i, null);
        }
    }

    private static long stored(TestCore core, Tenant t) {
        return RulesFixture.count(core.core().context().tenantDataSource(t), "SELECT count(*) FROM metric_datapoint");
    }

    private static int history(TestCore core, long series, Instant t0) throws Exception {
        JsonNode body = OmniglassClient.JSON.readTree(get(core, "/api/v1/tenants/reads/series/" + series + "/datapoints?limit=1000&from="
                + t0.minusSeconds(1) + "&to=" + t0.plusSeconds(3600)));
        return body.get("points").size();
    }

    private static long aggregateCount(TestCore core, long series, Instant t0) throws Exception {
        JsonNode body = OmniglassClient.JSON.readTree(get(core, "/api/v1/tenants/reads/series/" + series + "/aggregates?bucket=1d&from="
                + t0.minusSeconds(1) + "&to=" + t0.plusSeconds(3600)));
        long n = 0;
        for (JsonNode b : body.get("buckets")) {
            n += b.get("count").asLong();
        }
        return n;
    }

    private static long reads(TestCore core, String role, String target) throws Exception {
        Matcher m = Pattern.compile("og_pg_reads_total\\{role=\"" + role + "\",target=\"" + target + "\"} ([0-9.]+)")
                .matcher(get(core, "/metrics"));
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    private static String get(TestCore core, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + path))
                .header("Authorization", "Bearer " + core.adminToken()).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return r.body();
    }
}
