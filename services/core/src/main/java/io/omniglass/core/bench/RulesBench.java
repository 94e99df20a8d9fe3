package io.omniglass.core.bench;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.runtime.FileTrees;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.omniglass.core.CoreService;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * ./omniglass bench rules: the event-rule evaluator on one machine with its own embedded Postgres
 * and nats-server. (1) throughput: N owners x S samples through a high/deadband rule, a share of
 * them crossing (each crossing a committed event + alarm transition); (2) latency: a crossing
 * published, until its alarm is committed, one at a time.
 */
@Command(name = "rules", mixinStandardHelpOptions = true,
        description = "Rule evaluation throughput (datapoints and alarm transitions per second) and publish-to-alarm latency.")
public final class RulesBench implements Callable<Integer> {

    @Option(names = "--json", description = "write the figures to this file")
    Path json;

    @Option(names = "--owners", description = "owners (components) the rule matches (default ${DEFAULT-VALUE})")
    int owners = 200;

    @Option(names = "--samples", description = "samples per owner in the throughput run (default ${DEFAULT-VALUE})")
    int samples = 250;

    @Option(names = "--crossing-every", description = "every k-th sample of an owner flips across the threshold (default ${DEFAULT-VALUE})")
    int crossingEvery = 10;

    @Option(names = "--latency-samples", description = "crossings timed one at a time (default ${DEFAULT-VALUE})")
    int latencySamples = 300;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("og-bench-rules-");
        OmniglassConfig cfg = OmniglassConfig.loadWith(
                Map.of("OMNIGLASS_DATA_DIR", dir.toString(), "OMNIGLASS_HTTP_PORT", "0"));
        Map<String, Object> out = new LinkedHashMap<>();
        RulesModule rules = new RulesModule();
        try (CoreService core = new CoreService(List.of(rules)).start(cfg)) {
            Tenant tenant = core.context().provisioner().create("bench", "Rules bench", "bench");
            GatewaySession db = Gateway.forCore(core.context()).system(tenant, SystemPurpose.BENCH);
            StringBuilder plant = new StringBuilder("""
                    name: rules-bench
                    datapoint_types: [{name: temperature, kind: metric, unit: degC}]
                    rules:
                      event_rules:
                        - {name: hot, selector: "component:c-*", key: temperature, condition: {type: high, threshold: 85, deadband: 5}}
                    components:
                    """);
            for (int i = 0; i < owners + 1; i++) {
                plant.append("  - {name: c-").append(i).append("}\n");
            }
            PlantImporter.importPlant(Gateway.forCore(core.context()).system(tenant, SystemPurpose.PLANT_IMPORT),
                    PlantDescription.parseTree(plant.toString()), "bench");
            while (!rules.serving("bench")) {
                Thread.sleep(50);
            }
            rules.reload("bench");
            Connection nats = core.context().nats();
            JetStream js = nats.jetStream();
            String subject = TenantStreams.dataSubject("bench", "metric");

            // (1) throughput: one message per sample round (all owners), published asynchronously
            Instant t0 = Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
            long total = (long) owners * samples;
            System.out.printf("throughput: %,d owners x %,d samples, every %d-th a crossing...%n", owners, samples, crossingEvery);
            long started = System.nanoTime();
            for (int s = 0; s < samples; s++) {
                StringBuilder batch = new StringBuilder("[");
                boolean hot = (s / crossingEvery) % 2 == 1;
                for (int i = 0; i < owners; i++) {
                    if (i > 0) {
                        batch.append(',');
                    }
                    batch.append("{\"owner\":\"component:c-").append(i).append("\",\"key\":\"temperature\",\"ts\":\"")
                            .append(t0.plusMillis(s * 10L)).append("\",\"value\":").append(hot ? 90 : 70)
                            .append(",\"source\":\"bench\",\"source_rule\":\"bench\"}");
                }
                js.publishAsync(subject, batch.append(']').toString().getBytes(StandardCharsets.UTF_8));
            }
            String lastTs = t0.plusMillis((samples - 1) * 10L).toString();
            while (count(db, "SELECT count(*) FROM event_rule_state WHERE last_ts = ?::timestamptz", lastTs) < owners) {
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long transitions = count(db, "SELECT count(*) FROM event", null);
            System.out.printf("throughput: %,.0f datapoints/s evaluated, %,.0f alarm transitions/s (%,d transitions, %.1f s)%n",
                    total / seconds, transitions / seconds, transitions, seconds);
            out.put("owners", owners);
            out.put("samples_per_owner", samples);
            out.put("datapoints", total);
            out.put("datapoints_per_s", Math.round(total / seconds));
            out.put("transitions", transitions);
            out.put("transitions_per_s", Math.round(transitions / seconds));

            // (2) latency: crossing published -> alarm committed, one at a time (the spare owner)
            Histogram latency = new Histogram(60_000_000L, 3);
            Instant t1 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            String owner = "component:c-" + owners;
            for (int k = 0; k < latencySamples * 2; k++) {
                boolean raise = k % 2 == 0;
                String body = "{\"owner\":\"" + owner + "\",\"key\":\"temperature\",\"ts\":\"" + t1.plusMillis(k)
                        + "\",\"value\":" + (raise ? 95 : 60) + ",\"source\":\"bench\",\"source_rule\":\"bench\"}";
                long sent = System.nanoTime();
                js.publish(subject, body.getBytes(StandardCharsets.UTF_8));
                String want = raise ? "active" : "cleared";
                while (!want.equals(text(db, owner))) {
                    Thread.sleep(0, 500_000); // polling resolution ~0.5-1 ms
                }
                if (raise) {
                    latency.recordValue((System.nanoTime() - sent) / 1000);
                }
            }
            System.out.printf("latency:    publish-to-alarm committed p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d raises, polled)%n",
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0,
                    latency.getMaxValue() / 1000.0, latency.getTotalCount());
            out.put("latency_p50_ms", latency.getValueAtPercentile(50) / 1000.0);
            out.put("latency_p99_ms", latency.getValueAtPercentile(99) / 1000.0);
            out.put("latency_max_ms", latency.getMaxValue() / 1000.0);
            out.put("latency_samples", latency.getTotalCount());
            out.put("cpus", Runtime.getRuntime().availableProcessors());
        } finally {
            FileTrees.deleteQuietly(dir);
        }
        if (json != null) {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private static long count(GatewaySession db, String sql, String arg) throws Exception {
        try (java.sql.Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (arg != null) {
                ps.setString(1, arg);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static String text(GatewaySession db, String owner) throws Exception {
        try (java.sql.Connection c = db.connection();
             PreparedStatement ps = c.prepareStatement("SELECT state FROM alarm WHERE owner = ?")) {
            ps.setString(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
