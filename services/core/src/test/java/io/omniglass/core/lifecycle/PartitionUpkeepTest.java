package io.omniglass.core.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.OmniglassClient.ApiException;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.SeriesHistory;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Upkeep through the API, as an operator runs it: a partition past retention is dropped whole and
 * its days answer empty, a partition past its hot period is tiered to Parquet and dropped, the
 * audit log stays, and each step is in internal_log.
 */
class PartitionUpkeepTest {

    static TestCore core;
    static OmniglassClient admin;
    static LifecycleModule lifecycle;

    @BeforeAll
    static void start() {
        lifecycle = new LifecycleModule(Duration.ofDays(1));
        core = TestCore.start(List.of(new GatewayModule(), new PlantModule(), lifecycle));
        admin = core.admin();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private static LifecycleFixture tenant(String slug) throws Exception {
        Tenant t = core.createTenant(slug);
        return new LifecycleFixture(core.core().context().tenantDataSource(t), slug);
    }

    private static Map<String, Object> maintain(String slug) {
        return admin.post("/api/v1/tenants/" + slug + "/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object list) {
        return (List<String>) list;
    }

    private static Map<String, Object> putRetention(String slug, Map<String, Object> body) {
        return admin.put("/api/v1/tenants/" + slug + "/retention", body, new TypeReference<Map<String, Object>>() { });
    }

    @Test
    void aPartitionPastRetentionIsDroppedWholeItsDaysAnswerEmptyAndTheAuditLogIsKept() throws Exception {
        LifecycleFixture f = tenant("drop");
        long s = f.series("pump-1", "discharge_pressure");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate old = today.minusDays(40);
        LocalDate recent = today.minusDays(2);
        f.metricDay(s, old, 10);
        f.metricDay(s, recent, 10);
        // a row from before the partitions kept ahead: its month's partition first (no default partition)
        f.sql("SELECT og_create_partition('audit_log', (now() - interval '400 days')::date)");
        f.sql("INSERT INTO audit_log (ts, actor, verb, resource) VALUES (now() - interval '400 days', 'someone', 'alarm.ack', 'alarm:1')");

        Map<String, Object> set = putRetention("drop", Map.of("table", "metric_datapoint", "keep", "30d", "tier", "none"));
        assertThat(set).containsEntry("keep", "30d").containsEntry("keepFrom", "table").containsEntry("tierFrom", "table");
        long audits = f.value("SELECT count(*) FROM audit_log");

        Map<String, Object> report = maintain("drop");
        assertThat(strings(report.get("dropped"))).contains(Partitions.partitionName("metric_datapoint", old));
        assertThat(strings(report.get("dropped"))).doesNotContain(Partitions.partitionName("metric_datapoint", recent));
        assertThat(f.partitionExists("metric_datapoint", old)).isFalse();
        assertThat(f.partitionExists("metric_datapoint", recent)).isTrue();

        SeriesHistory gone = admin.seriesHistory("drop", s, old.atStartOfDay().atOffset(ZoneOffset.UTC),
                old.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC), 10_000);
        assertThat(gone.points()).isEmpty();
        SeriesHistory kept = admin.seriesHistory("drop", s, recent.atStartOfDay().atOffset(ZoneOffset.UTC),
                recent.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC), 10_000);
        assertThat(kept.points()).hasSize(144);

        // the audit log is kept (its old row too), and the drop is accounted for in internal_log
        assertThat(f.value("SELECT count(*) FROM audit_log")).isEqualTo(audits);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE actor = 'someone'")).isEqualTo(1);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE verb = 'retention.set'")).isEqualTo(1);
        assertThat(f.text("SELECT detail->>'rows' FROM internal_log WHERE subsystem = 'lifecycle' AND message = 'dropped "
                + Partitions.partitionName("metric_datapoint", old) + "'")).isEqualTo("144");
        // partitions ahead are there, and a second run has nothing left to do
        assertThat(f.partitionExists("metric_datapoint", today.plusDays(PartitionUpkeep.DAYS_AHEAD))).isTrue();
        assertThat(strings(maintain("drop").get("dropped"))).isEmpty();
    }

    @Test
    void logPartitionsPastTheirKeepAreDroppedWholeAndTheAuditLogIsKeptForYears() throws Exception {
        LifecycleFixture f = tenant("logs");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate internalOld = today.minusDays(20);    // internal_log keeps 14 d
        LocalDate internalRecent = today.minusDays(3);
        LocalDate nodeOld = today.minusDays(100);       // node_log keeps 90 d
        LocalDate auditOld = today.minusDays(400);      // audit_log keeps 7 y, by month
        f.sql("INSERT INTO node (name) VALUES ('edge-logs') ON CONFLICT DO NOTHING");
        for (String[] row : new String[][] {{"internal_log", internalOld.toString()}, {"internal_log", internalRecent.toString()},
                {"node_log", nodeOld.toString()}, {"audit_log", auditOld.toString()}}) {
            f.sql("SELECT og_create_partition('" + row[0] + "', '" + row[1] + "')");
        }
        f.sql("INSERT INTO internal_log (ts, subsystem, message) VALUES ('" + internalOld + " 12:00Z', 'test', 'old'), ('"
                + internalRecent + " 12:00Z', 'test', 'recent')");
        f.sql("INSERT INTO node_log (ts, node, message) VALUES ('" + nodeOld + " 12:00Z', 'edge-logs', 'old'), (now(), 'edge-logs', 'now')");
        f.sql("INSERT INTO audit_log (ts, actor, verb, resource) VALUES ('" + auditOld + " 12:00Z', 'someone', 'alarm.ack', 'alarm:7')");

        Map<String, Object> report = maintain("logs");
        List<String> dropped = strings(report.get("dropped"));
        assertThat(dropped).contains(Partitions.partitionName("internal_log", internalOld), Partitions.partitionName("node_log", nodeOld))
                .doesNotContain(Partitions.partitionName("internal_log", internalRecent))
                .noneMatch(p -> p.startsWith("audit_log"));
        // dropped whole: the old days answer empty, the recent ones are still there, the audit row of 400 days ago is kept
        assertThat(f.value("SELECT count(*) FROM internal_log WHERE subsystem = 'test' AND message = 'old'")).isZero();
        assertThat(f.value("SELECT count(*) FROM internal_log WHERE subsystem = 'test' AND message = 'recent'")).isEqualTo(1);
        assertThat(f.value("SELECT count(*) FROM node_log WHERE node = 'edge-logs'")).isEqualTo(1);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE resource = 'alarm:7'")).isEqualTo(1);
        assertThat(f.partitionExists("audit_log", auditOld.withDayOfMonth(1))).isTrue();
        assertThat(f.text("SELECT detail->>'rows' FROM internal_log WHERE subsystem = 'lifecycle' AND message = 'dropped "
                + Partitions.partitionName("node_log", nodeOld) + "'")).isEqualTo("1");
        // still append-only row by row: only the upkeep's whole-partition drop removes rows
        assertThatThrownBy(() -> f.sql("DELETE FROM internal_log WHERE message = 'recent'")).hasMessageContaining("append-only");
        // the logs have partitions ahead (audit_log: this month's and, near its end, the next)
        assertThat(f.partitionExists("internal_log", today.plusDays(PartitionUpkeep.DAYS_AHEAD))).isTrue();
        assertThat(f.partitionExists("audit_log", today.withDayOfMonth(1))).isTrue();
        assertThat(strings(maintain("logs").get("dropped"))).isEmpty();
    }

    @Test
    void aPartitionPastItsHotPeriodIsTieredToParquetCheckedAndDropped() throws Exception {
        LifecycleFixture f = tenant("tier");
        long s = f.series("pump-1", "discharge_pressure");
        long st = f.series("pump-1", "mode");
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(10);   // metric default: hot 7 d, keep 90 d, parquet
        f.metricDay(s, day, 1);
        f.stateDay(st, LocalDate.now(ZoneOffset.UTC).minusDays(40));     // state default: hot 30 d
        String sum = f.text("SELECT sum(value)::text FROM metric_datapoint WHERE ts >= '" + day + "' AND ts < '" + day.plusDays(1) + "'");

        Map<String, Object> report = maintain("tier");
        assertThat(strings(report.get("tiered"))).contains(Partitions.partitionName("metric_datapoint", day));
        assertThat(f.partitionExists("metric_datapoint", day)).isFalse();
        assertThat(f.value("SELECT row_count FROM cold_file WHERE table_name = 'metric_datapoint' AND day = '" + day + "'")).isEqualTo(1440);
        String path = f.text("SELECT path FROM cold_file WHERE table_name = 'metric_datapoint' AND day = '" + day + "'");
        assertThat(path).startsWith("tier/metric_datapoint/" + day + "/").endsWith(".parquet");
        assertThat(Files.size(core.dataDir().resolve("cold").resolve(path))).isPositive();
        // the file holds the rows: DuckDB reads them back (text with quotes and newlines included)
        try (var c = lifecycle.engine().connection();
             var q = c.createStatement().executeQuery("SELECT count(*), sum(value)::VARCHAR FROM read_parquet('"
                     + core.dataDir().resolve("cold").resolve(path) + "')")) {
            q.next();
            assertThat(q.getLong(1)).isEqualTo(1440);
            assertThat(Double.parseDouble(q.getString(2))).isEqualTo(Double.parseDouble(sum));
        }
        String statePath = f.text("SELECT path FROM cold_file WHERE table_name = 'state_datapoint'");
        try (var c = lifecycle.engine().connection();
             var q = c.createStatement().executeQuery("SELECT count(*) FILTER (WHERE value = 'run, \"fast\"'),"
                     + " count(*) FILTER (WHERE value = E'stop\\nnow') FROM read_parquet('" + core.dataDir().resolve("cold").resolve(statePath) + "')")) {
            q.next();
            assertThat(q.getLong(1)).isEqualTo(12);
            assertThat(q.getLong(2)).isEqualTo(12);
        }
        assertThat(f.text("SELECT detail->>'rows' FROM internal_log WHERE subsystem = 'lifecycle' AND message = 'tiered "
                + Partitions.partitionName("metric_datapoint", day) + "'")).isEqualTo("1440");

        Map<String, Object> storage = admin.get("/api/v1/tenants/tier/storage", new TypeReference<Map<String, Object>>() { });
        @SuppressWarnings("unchecked")
        Map<String, Object> metric = ((List<Map<String, Object>>) storage.get("tables")).stream()
                .filter(m -> m.get("table").equals("metric_datapoint")).findFirst().orElseThrow();
        assertThat(((Number) metric.get("coldRows")).longValue()).isEqualTo(1440);
        assertThat(((Number) metric.get("coldFiles")).intValue()).isEqualTo(1);
        // what the cold tier takes on disk: the day's file and its hourly rollup
        assertThat(f.value("SELECT rollup_bytes FROM cold_file")).isPositive();
        assertThat(((Number) metric.get("coldBytes")).longValue()).isEqualTo(f.value("SELECT bytes + rollup_bytes FROM cold_file"));
        assertThat(metric.get("coldNewestDay")).isEqualTo(day.toString());
    }

    @Test
    void whileAnotherCoreHoldsTheTenantsLeaseTheUpkeepIsNotRunHere() throws Exception {
        LifecycleFixture f = tenant("leased");
        LocalDate old = LocalDate.now(ZoneOffset.UTC).minusDays(200);
        f.metricDay(f.series("pump-1", "discharge_pressure"), old, 60);
        var kv = MaintenanceLease.bucket(core.core().context().nats(), 1, java.time.Duration.ofMinutes(10));
        long rev = kv.create("leased", "another-core".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThatThrownBy(() -> maintain("leased"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(f.partitionExists("metric_datapoint", old)).isTrue();
        kv.delete("leased", rev);
        assertThat(strings(maintain("leased").get("dropped"))).contains(Partitions.partitionName("metric_datapoint", old));
        // and the run gave its lease back
        assertThat(kv.get("leased") == null || kv.get("leased").getOperation() != io.nats.client.api.KeyValueOperation.PUT).isTrue();
    }

    @Test
    void thePlantFileSetsRetentionIdempotentlyAndAudited() throws Exception {
        LifecycleFixture f = tenant("plantret");
        String yaml = LifecycleFixture.PLANT + """
                retention:
                  - {table: metric_datapoint, keep: 180d}
                  - {table: metric_datapoint, type: mode, hot: 2d}
                  - {table: metric_datapoint, owner: "component:pump-1", keep: 2y, tier: none}
                """;
        var tree = io.omniglass.core.plant.PlantDescription.parseTree(yaml);
        Map<String, Object> first = admin.post("/api/v1/tenants/plantret/import", tree, new TypeReference<Map<String, Object>>() { });
        assertThat(first).containsEntry("retention_changed", 3);
        Map<String, Object> again = admin.post("/api/v1/tenants/plantret/import", tree, new TypeReference<Map<String, Object>>() { });
        assertThat(again).containsEntry("retention_changed", 0);
        assertThat(f.value("SELECT count(*) FROM audit_log WHERE verb = 'retention.set'")).isEqualTo(3);
        Map<String, Object> r = admin.get("/api/v1/tenants/plantret/retention?table=metric_datapoint&owner=component:pump-1",
                new TypeReference<Map<String, Object>>() { });
        @SuppressWarnings("unchecked")
        Map<String, Object> p = ((List<Map<String, Object>>) r.get("policies")).get(0);
        assertThat(p).containsEntry("keep", "730d").containsEntry("keepFrom", "owner:component:pump-1")
                .containsEntry("tier", "none").containsEntry("hot", "730d");
        String bad = LifecycleFixture.PLANT + "retention:\n  - {table: metric_datapoint, owner: \"component:nope\", keep: 1y}\n";
        assertThatThrownBy(() -> admin.post("/api/v1/tenants/plantret/import", io.omniglass.core.plant.PlantDescription.parseTree(bad),
                new TypeReference<Map<String, Object>>() { }))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void retentionIsShownWithItsSourcesAndBadInputIsA400() throws Exception {
        tenant("show");
        putRetention("show", Map.of("table", "metric_datapoint", "type", "discharge_pressure", "hot", "3d"));
        putRetention("show", Map.of("table", "metric_datapoint", "owner", "component:pump-2", "keep", "1y"));
        Map<String, Object> one = admin.get("/api/v1/tenants/show/retention?table=metric_datapoint&type=discharge_pressure&owner=component:pump-2",
                new TypeReference<Map<String, Object>>() { });
        @SuppressWarnings("unchecked")
        Map<String, Object> p = ((List<Map<String, Object>>) one.get("policies")).get(0);
        assertThat(p).containsEntry("hot", "3d").containsEntry("hotFrom", "type:discharge_pressure")
                .containsEntry("keep", "365d").containsEntry("keepFrom", "owner:component:pump-2")
                .containsEntry("tier", "parquet").containsEntry("tierFrom", "default");

        assertThatThrownBy(() -> putRetention("show", Map.of("table", "metric_datapoint", "keep", "soon")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> putRetention("show", Map.of("table", "no_table", "keep", "1d")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> putRetention("show", Map.of("table", "metric_datapoint", "type", "no_such_key", "keep", "9d")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> putRetention("show", Map.of("table", "audit_log", "tier", "parquet")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
