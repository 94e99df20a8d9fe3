package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.api.AddServerRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * By hand: {@code ./mvnw -B -q -pl services/core -am test -Dtest=ServerOutageLatencyBench -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.outage.seconds=S}, default 40). How long a healthy tenant's datapoint takes from
 * publish to its row while another server dies under a busy fleet, once with Hikari's usual 30 s
 * connection timeout and once with OMNIGLASS_PG_CONNECTION_TIMEOUT_MS' default (5 s), in one run.
 * Three tenants on the second server are fed (sink and rules lanes busy on it) when it is killed
 * (-9); the healthy tenant is probed one datapoint at a time (publish, then wait for its row)
 * before and during the outage. The lane workers are shared, so every borrow that waits on the
 * dead server holds one of them. Writes docs/bench/server-outage-latency.json.
 */
class ServerOutageLatencyBench {

    private static final int OUTAGE_S = Integer.getInteger("bench.outage.seconds", 40);
    private static final int DOWN_TENANTS = 3;
    private static final String PLANT = """
            name: outage-bench
            locations: [{name: site}]
            components: [{name: pump-1, type: pump, location: site}]
            datapoint_types: [{name: temperature, kind: metric, unit: degC}]
            rules:
              event_rules:
                - {name: hot, selector: "component:pump-*", key: temperature,
                   condition: {type: high, threshold: 85, deadband: 5}, severity: error}
            """;

    @Test
    void healthyTenantLatencyWhileAnotherServerIsDown() throws Exception {
        ObjectNode out = OmniglassClient.JSON.createObjectNode();
        out.put("load_average_start", Files.readString(Path.of("/proc/loadavg")).trim());
        out.put("lane_workers", "default (max(4, cores))");
        out.put("tenants_on_the_dead_server", DOWN_TENANTS);
        out.put("outage_seconds_probed", OUTAGE_S);
        ArrayNode runs = out.putArray("runs");
        for (long timeout : new long[]{30_000, 5_000}) {
            runs.add(run(timeout));
        }
        out.put("load_average_end", Files.readString(Path.of("/proc/loadavg")).trim());
        String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        System.out.println(json);
        Path file = Paths.get(System.getProperty("bench.out", "../../docs/bench/server-outage-latency.json"));
        Files.createDirectories(file.getParent());
        Files.writeString(file, json + "\n");
    }

    private ObjectNode run(long connectionTimeoutMs) throws Exception {
        try (ExtraPostgres pg2 = ExtraPostgres.start();
             TestCore core = TestCore.start(List.of(new GatewayModule(), new SinkModule(), new RulesModule()),
                     Map.of("OMNIGLASS_PG_CONNECTION_TIMEOUT_MS", Long.toString(connectionTimeoutMs)));
             Connection nats = Nats.connect(core.core().context().infrastructure().natsUrl())) {
            core.admin().addServer(new AddServerRequest("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null));
            Tenant steady = tenant(core, "steady", "default");
            List<String> down = new ArrayList<>();
            for (int i = 1; i <= DOWN_TENANTS; i++) {
                down.add(tenant(core, "down" + i, "pg2").slug());
            }
            Instant t0 = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MILLIS);
            AtomicBoolean feeding = new AtomicBoolean(true);
            Thread feeder = new Thread(() -> {
                int i = 0;
                while (feeding.get()) {
                    try {
                        for (String slug : down) {
                            RulesFixture.metric(nats, slug, "component:pump-1", "temperature", t0.plusMillis(i), 40 + i % 60, slug + "-" + i, null);
                        }
                        i++;
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // a publish refused while the stream is busy: the next one goes on
                    }
                }
            }, "bench-feeder");
            feeder.start();
            Probe probe = new Probe(core, steady, nats, t0);
            List<Long> before = probe.forSeconds(15);
            pg2.kill9();
            List<Long> during = probe.forSeconds(OUTAGE_S);
            feeding.set(false);
            feeder.join();
            ObjectNode r = OmniglassClient.JSON.createObjectNode();
            r.put("pg_connection_timeout_ms", connectionTimeoutMs);
            r.set("before_the_kill_ms", summary(before));
            r.set("after_the_kill_ms", summary(during));
            assertThat(during).as("probes answered during the outage").isNotEmpty();
            return r;
        }
    }

    private static Tenant tenant(TestCore core, String slug, String server) {
        Tenant t = core.core().context().provisioner().create(slug, slug, Optional.of(server), "bench");
        new PlantImporter(core.core().context().tenantDataSource(t)).importPlant(PlantDescription.parseTree(PLANT), "bench", slug);
        return t;
    }

    /** One datapoint at a time to the healthy tenant: publish, then wait until its row is there. */
    private static final class Probe {
        private final TestCore core;
        private final Tenant tenant;
        private final Connection nats;
        private final Instant t0;
        private int n;

        Probe(TestCore core, Tenant tenant, Connection nats, Instant t0) {
            this.core = core;
            this.tenant = tenant;
            this.nats = nats;
            this.t0 = t0;
        }

        List<Long> forSeconds(int seconds) throws Exception {
            List<Long> ms = new ArrayList<>();
            long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            try (java.sql.Connection c = core.core().context().tenantDataSource(tenant).getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM metric_datapoint")) {
                while (System.nanoTime() < end) {
                    long sent = System.nanoTime();
                    RulesFixture.metric(nats, tenant.slug(), "component:pump-1", "temperature", t0.plusSeconds(n), 20, "probe-" + n, null);
                    n++;
                    while (count(ps) < n) {
                        if (System.nanoTime() - sent > Duration.ofMinutes(2).toNanos()) {
                            throw new IllegalStateException("probe " + n + " not stored in 2 minutes");
                        }
                        Thread.sleep(5);
                    }
                    ms.add((System.nanoTime() - sent) / 1_000_000);
                }
            }
            return ms;
        }

        private static long count(PreparedStatement ps) throws java.sql.SQLException {
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static ObjectNode summary(List<Long> ms) {
        List<Long> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        ObjectNode s = OmniglassClient.JSON.createObjectNode();
        s.put("probes", sorted.size());
        if (!sorted.isEmpty()) {
            s.put("p50", sorted.get(sorted.size() / 2));
            s.put("p95", sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.95) - 1)));
            s.put("max", sorted.get(sorted.size() - 1));
            s.put("over_1s", sorted.stream().filter(v -> v > 1_000).count());
        }
        return s;
    }
}
