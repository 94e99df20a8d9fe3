package io.omniglass.core.rules;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.EventRuleBacktest;
import io.omniglass.api.EventRuleBacktestRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.lifecycle.LifecycleModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long a backtest takes over a month of one series at the point limit, all hot and then with
 * most days tiered to Parquet. Run by hand:
 * {@code ./mvnw -B -q -pl services/core -am test -Dtest=BacktestBench -Dsurefire.failIfNoSpecifiedTests=false}
 * (-Dbench.points=1000000 -Dbench.days=30 -Dbench.json=docs/bench/backtest.json).
 */
class BacktestBench {

    @Test
    void backtestOverAMonthHotThenMostlyCold() throws Exception {
        long points = Long.getLong("bench.points", 1_000_000);
        int days = Integer.getInteger("bench.days", 30);
        try (TestCore core = TestCore.start(List.of(new GatewayModule(), new RulesModule(), new LifecycleModule(Duration.ofDays(1))))) {
            Tenant t = core.createTenant("bench");
            DataSource db = core.core().context().tenantDataSource(t);
            RulesFixture.importPlant(db, "bench");
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            OffsetDateTime from = today.minusDays(days).atStartOfDay().atOffset(ZoneOffset.UTC);
            OffsetDateTime to = today.atStartOfDay().atOffset(ZoneOffset.UTC);
            long stepMicros = Duration.between(from, to).toNanos() / 1000 / points;
            long insertStart = System.nanoTime();
            try (var c = db.getConnection(); Statement st = c.createStatement()) {
                st.execute("INSERT INTO source_rule (name, version) VALUES ('bench', 1) ON CONFLICT DO NOTHING");
                st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source)"
                        + " SELECT 'component', 'pump-1', id, kind, 'observed', 'bench' FROM datapoint_type WHERE name = 'temperature'");
                for (int d = days; d >= 1; d--) {
                    st.execute("SELECT og_create_partition('metric_datapoint', '" + today.minusDays(d) + "')");
                }
                // a slow sine between 60 and 100 with noise: the 85 threshold is crossed twice a cycle
                st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id)"
                        + " SELECT (SELECT id FROM series WHERE source = 'bench'), '" + from + "'::timestamptz + make_interval(secs => i::bigint * "
                        + stepMicros + " / 1e6), 80 + 20 * sin(i / 5000.0) + (i % 7) * 0.3, 'observed',"
                        + " (SELECT id FROM source_rule WHERE name = 'bench') FROM generate_series(0, " + (points - 1) + ") i");
            }
            double insertS = (System.nanoTime() - insertStart) / 1e9;
            OmniglassClient admin = core.admin();
            var draft = new io.omniglass.api.EventRuleRequest("bench-draft", "component:pump-*", "temperature",
                    OmniglassClient.JSON.createObjectNode().put("type", "high").put("threshold", 85).put("deadband", 5), "error", null, null);
            EventRuleBacktestRequest req = new EventRuleBacktestRequest(draft, from, to, null);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("points", points);
            out.put("days", days);
            out.put("insert_s", insertS);
            out.put("hot", run(admin, req));
            System.out.println("BACKTEST BENCH hot " + out);
            // tiering a month takes longer than the client's 30 s on a loaded machine
            var maintain = admin.http().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(core.httpUrl() + "/api/v1/tenants/bench/maintenance"))
                    .timeout(Duration.ofMinutes(10)).header("Authorization", "Bearer " + core.adminToken())
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            Map<String, Object> report = OmniglassClient.JSON.readValue(maintain.body(), new TypeReference<Map<String, Object>>() { });
            out.put("tiered_days", ((List<?>) report.get("tiered")).size());
            out.put("mostly_cold", run(admin, req));
            out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
            String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
            System.out.println("BACKTEST BENCH " + json);
            String file = System.getProperty("bench.json");
            if (file != null) {
                Files.writeString(Path.of(file), json + "\n");
            }
        }
    }

    private static Map<String, Object> run(OmniglassClient admin, EventRuleBacktestRequest req) {
        Map<String, Object> r = new LinkedHashMap<>();
        double best = Double.MAX_VALUE;
        EventRuleBacktest b = null;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            b = admin.backtestEventRule("bench", req);
            best = Math.min(best, (System.nanoTime() - t0) / 1e6);
        }
        r.put("best_of_3_ms", Math.round(best));
        r.put("evaluated_points", b.evaluatedPoints());
        r.put("cold_points", b.coldPoints());
        r.put("raises", b.raises());
        r.put("points_per_s", Math.round(b.evaluatedPoints() / (best / 1000)));
        return r;
    }
}
