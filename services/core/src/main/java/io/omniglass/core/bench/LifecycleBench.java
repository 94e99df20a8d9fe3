package io.omniglass.core.bench;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Gateway;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreService;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.lifecycle.LifecycleModule;
import io.omniglass.core.runtime.FileTrees;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code ./omniglass bench lifecycle}: N series at one-minute resolution over D days on its own
 * embedded Postgres, the reads measured on hot-only data, then everything older than the hot
 * period tiered to Parquet through the upkeep endpoint, and the same reads measured across hot
 * and cold. Bytes per row hot (heap + indexes) and cold (Parquet), tiering rows/s.
 */
@Command(name = "lifecycle", mixinStandardHelpOptions = true,
        description = "Tiering to Parquet and reads across hot and cold (history, aggregates).")
public final class LifecycleBench implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures as JSON here")
    Path json;

    @Option(names = "--series", defaultValue = "100", description = "metric series (default ${DEFAULT-VALUE})")
    int series;

    @Option(names = "--days", defaultValue = "90", description = "days of history (default ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--step-seconds", defaultValue = "60", description = "seconds between datapoints of a series (default ${DEFAULT-VALUE})")
    int stepSeconds;

    @Option(names = "--hot-days", defaultValue = "7", description = "days kept hot; older days are tiered (default ${DEFAULT-VALUE})")
    int hotDays;

    @Option(names = "--runs", defaultValue = "7", description = "runs per query; the median is reported (default ${DEFAULT-VALUE})")
    int runs;

    @Override
    public Integer call() throws Exception {
        Path dataDir = Files.createTempDirectory("og-bench-lifecycle-");
        Map<String, String> env = new HashMap<>();
        env.put("OMNIGLASS_DATA_DIR", dataDir.toString());
        env.put("OMNIGLASS_HTTP_PORT", "0");
        OmniglassConfig cfg = OmniglassConfig.loadWith(env);
        Map<String, Object> out = new LinkedHashMap<>();
        double loadAtStart = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try (CoreService core = new CoreService(List.of(new GatewayModule(), new LifecycleModule(Duration.ZERO))).start(cfg)) {
            String slug = "bench_lc";
            Tenant tenant = core.context().provisioner().create(slug, "lifecycle bench", "bench");
            GatewaySession ds = Gateway.forCore(core.context()).system(tenant, SystemPurpose.BENCH);
            String token = core.context().dataDir().readAdminToken().orElseThrow();
            String base = core.httpUrl() + "/api/v1/tenants/" + slug;

            long t0 = System.nanoTime();
            long rows = load(ds);
            double loadS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("loaded %,d datapoints (%d series, %d days, every %d s) in %.1f s%n", rows, series, days, stepSeconds, loadS);
            long hotBytes = scalar(ds, "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    + " WHERE i.inhparent = 'metric_datapoint'::regclass");
            long heapBytes = scalar(ds, "SELECT sum(pg_relation_size(c.oid)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    + " WHERE i.inhparent = 'metric_datapoint'::regclass");

            Queries q = new Queries(base, token);
            Map<String, Double> hotOnly = q.measure("hot only");

            // everything past the hot period goes cold; nothing is dropped (keep is longer than the data)
            put(base + "/retention", token, "{\"table\": \"metric_datapoint\", \"hot\": \"" + hotDays + "d\", \"keep\": \"" + (days + 30) + "d\", \"tier\": \"parquet\"}");
            long t1 = System.nanoTime();
            JsonNode report = OmniglassClient.JSON.readTree(post(base + "/maintenance", token));
            double tierS = (System.nanoTime() - t1) / 1e9;
            long tiered = report.path("rowsTiered").asLong();
            System.out.printf("tiered %,d rows (%d partitions) in %.1f s: %,.0f rows/s%n", tiered, report.path("tiered").size(), tierS, tiered / tierS);
            long coldBytes = scalar(ds, "SELECT coalesce(sum(bytes), 0) FROM cold_file");
            long rollupBytes = scalar(ds, "SELECT coalesce(sum(rollup_bytes), 0) FROM cold_file");
            long coldRows = scalar(ds, "SELECT coalesce(sum(row_count), 0) FROM cold_file");
            if (coldRows != tiered) {
                throw new IllegalStateException("manifest rows " + coldRows + " != tiered " + tiered);
            }
            Map<String, Double> acrossTiers = q.measure("hot + cold");
            // the same reads without the hourly rollups (as for days tiered before them), then with them
            // again: interleaved, so a machine whose load changes during the run still compares them fairly
            Map<String, Double> withoutRollups;
            try (Connection c = ds.connection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE bench_rollup_path AS SELECT id, rollup_path FROM cold_file");
                st.execute("UPDATE cold_file SET rollup_path = NULL");
                withoutRollups = q.measure("hot + cold, without rollups");
                st.execute("UPDATE cold_file c SET rollup_path = b.rollup_path FROM bench_rollup_path b WHERE b.id = c.id");
                st.execute("DROP TABLE bench_rollup_path");
            }
            Map<String, Double> acrossTiersAgain = q.measure("hot + cold, again");

            out.put("series", series);
            out.put("days", days);
            out.put("step_seconds", stepSeconds);
            out.put("datapoints", rows);
            out.put("hot_days_after_tiering", hotDays);
            out.put("load_seconds", round(loadS));
            out.put("hot_bytes_per_row", round((double) hotBytes / rows));
            out.put("hot_heap_bytes_per_row", round((double) heapBytes / rows));
            out.put("cold_bytes_per_row", round((double) coldBytes / coldRows));
            out.put("cold_rollup_bytes_per_row", round((double) rollupBytes / coldRows));
            out.put("cold_over_hot", round((double) (coldBytes + rollupBytes) / coldRows / ((double) hotBytes / rows)));
            out.put("tiered_rows", tiered);
            out.put("tiered_partitions", report.path("tiered").size());
            out.put("tiering_seconds", round(tierS));
            out.put("tiering_rows_per_s", Math.round(tiered / tierS));
            out.put("hot_only_ms", hotOnly);
            out.put("across_tiers_ms", acrossTiers);
            out.put("across_tiers_without_rollups_ms", withoutRollups);
            out.put("across_tiers_again_ms", acrossTiersAgain);
            out.put("across_tiers_first_request_ms", q.firsts.get("hot + cold"));
            out.put("hot_only_first_request_ms", q.firsts.get("hot only"));
            out.put("load_average_at_start", loadAtStart);
            out.put("load_average", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            out.put("runs_per_query", runs);
            out.put("targets", Map.of("cold_over_hot", "<= 0.1", "one_series_90d_1h_ms", "< 100",
                    "fleet_100_series_90d_1d_ms", "< 500", "raw_cold_day_ms", "< 200"));
            out.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
        } finally {
            FileTrees.deleteQuietly(dataDir);
        }
        String text = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        System.out.println(text);
        if (json != null) {
            Files.writeString(json, text + "\n");
            System.out.println("written to " + json);
        }
        return 0;
    }

    /**
     * The three reads of the issue, through the HTTP API, median of the runs after two warm-ups;
     * the very first request of each set is kept apart ({@link #firsts}), since a read right after
     * tiering is what an operator meets first.
     */
    final class Queries {
        final String base;
        final String token;
        final Map<String, Map<String, Double>> firsts = new LinkedHashMap<>();

        Queries(String base, String token) {
            this.base = base;
            this.token = token;
        }

        Map<String, Double> measure(String label) throws Exception {
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            OffsetDateTime to = today.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
            OffsetDateTime from = to.minusDays(days + 1);
            OffsetDateTime rawDay = today.minusDays(Math.max(hotDays + 2, days / 2)).atStartOfDay().atOffset(ZoneOffset.UTC);
            Map<String, String> urls = new LinkedHashMap<>();
            urls.put("one_series_90d_1h_ms", base + "/series/1/aggregates?bucket=1h&from=" + enc(from) + "&to=" + enc(to));
            urls.put("fleet_100_series_90d_1d_ms", base + "/aggregates?bucket=1d&from=" + enc(from) + "&to=" + enc(to));
            urls.put("raw_cold_day_ms", base + "/series/1/datapoints?limit=100000&from=" + enc(rawDay) + "&to=" + enc(rawDay.plusDays(1)));
            Map<String, Double> ms = new LinkedHashMap<>();
            Map<String, Double> first = firsts.computeIfAbsent(label, l -> new LinkedHashMap<>());
            for (Map.Entry<String, String> e : urls.entrySet()) {
                List<Double> t = new ArrayList<>();
                boolean timedOut = false;
                for (int i = 0; i < runs + 2 && !timedOut; i++) {
                    long s = System.nanoTime();
                    timedOut = !get(e.getValue(), token);
                    double took = (System.nanoTime() - s) / 1e6;
                    if (i == 0) {
                        first.put(e.getKey(), timedOut ? null : round(took));
                    }
                    if (i >= 2) {
                        t.add(took);
                    }
                }
                if (timedOut) {
                    // over the HTTP statement timeout (the hot-only fleet read of 13 M rows on a loaded machine): no figure
                    System.out.println(label + ": " + e.getKey() + " took longer than the HTTP statement timeout (503)");
                    ms.put(e.getKey(), null);
                } else {
                    ms.put(e.getKey(), round(GatewayBench.median(t)));
                }
            }
            System.out.println(label + ": " + ms);
            return ms;
        }
    }

    /** Bulk setup (the bench's fixture, not the ingest path): day by day, FK checks and triggers off. */
    long load(GatewaySession ds) throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection c = ds.connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(true);
            st.execute("SELECT og_ensure_partitions('" + today.minusDays(days) + "', '" + today.plusDays(1) + "')");
            st.execute("INSERT INTO location (name) VALUES ('site')");
            st.execute("INSERT INTO component (name, location) SELECT format('m-%s', lpad(g::text, 4, '0')), 'site' FROM generate_series(1, " + series + ") g");
            st.execute("INSERT INTO datapoint_type (name, kind, unit) VALUES ('bench_power', 'metric', 'kW')");
            st.execute("INSERT INTO source_rule (name) VALUES ('bench-gen')");
            st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance) "
                    + "SELECT 'component', c.name, t.id, 'metric', 'observed' FROM component c CROSS JOIN datapoint_type t WHERE t.name = 'bench_power' ORDER BY c.name");
            st.execute("SET session_replication_role = replica");
            st.execute("SET synchronous_commit = off");
            int perDay = 86400 / stepSeconds;
            for (int d = days; d >= 0; d--) {
                LocalDate day = today.minusDays(d);
                st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) "
                        + "SELECT s.id, '" + day + "'::timestamptz + g * interval '" + stepSeconds + " seconds', "
                        + "round((50 + 30 * sin((extract(epoch FROM '" + day + "'::timestamptz) / " + stepSeconds + " + g) / 240.0 + s.id) + random())::numeric, 3), "
                        + "'observed', (SELECT id FROM source_rule WHERE name = 'bench-gen') "
                        + "FROM series s, generate_series(0, " + (perDay - 1) + ") g"
                        + (d == 0 ? " WHERE '" + day + "'::timestamptz + g * interval '" + stepSeconds + " seconds' < now()" : ""));
                if (d % 10 == 0) {
                    System.out.printf("  day %s loaded%n", day);
                }
            }
            st.execute("SET session_replication_role = origin");
            st.execute("VACUUM ANALYZE metric_datapoint");
            st.execute("CHECKPOINT");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM metric_datapoint")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long scalar(GatewaySession ds, String sql) throws Exception {
        try (Connection c = ds.connection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String enc(OffsetDateTime t) {
        return URLEncoder.encode(t.toString(), StandardCharsets.UTF_8);
    }

    /** True when answered; false on the statement timeout's 503; anything else fails the run. */
    private static boolean get(String url, String token) throws Exception {
        GatewayBench.Response r = GatewayBench.get(url, token);
        if (r.status() == 503 && new String(r.body(), StandardCharsets.UTF_8).contains("\"timeout\"")) {
            return false;
        }
        if (r.status() != 200) {
            throw new IllegalStateException("GET " + url + ": " + r.status() + " " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return true;
    }

    private static String post(String url, String token) throws Exception {
        return send("POST", url, token, "{}");
    }

    private static String put(String url, String token, String body) throws Exception {
        return send("PUT", url, token, body);
    }

    private static String send(String method, String url, String token, String body) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestMethod(method);
        c.setDoOutput(true);
        c.setReadTimeout(0);
        c.setRequestProperty("Authorization", "Bearer " + token);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream o = c.getOutputStream()) {
            o.write(body.getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (status != 200) {
                throw new IllegalStateException(method + " " + url + ": " + status + " " + text);
            }
            return text;
        }
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }
}
