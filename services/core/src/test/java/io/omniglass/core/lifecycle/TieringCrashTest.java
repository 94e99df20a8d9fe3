package io.omniglass.core.lifecycle;

import com.fasterxml.jackson.core.type.TypeReference;
import io.omniglass.api.FleetAggregates;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * kill -9 of a real core at each step of tiering (the Parquet file written; the file proven, before
 * the drop; inside the dropping transaction), then a clean core: nothing is lost, nothing doubled,
 * and exactly one file counts.
 */
class TieringCrashTest {

    @Test
    void killNineAtEachStepOfTieringLosesNothingAndDoublesNothing() throws Exception {
        try (TestInfra infra = TestInfra.start()) {
            Path dataDir = Files.createTempDirectory("og-test-tiering-");
            Map<String, String> env = new HashMap<>(infra.env());
            env.put("OMNIGLASS_DATA_DIR", dataDir.toString());
            env.put("OMNIGLASS_LIFECYCLE_INTERVAL", "1d");
            env.put("OMNIGLASS_LIFECYCLE_LEASE_TTL", "3"); // a killed holder's lease ages out in seconds

            String slug = "crash";
            LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(10);
            LifecycleFixture f;
            long seriesA;
            try (CoreProcess first = CoreProcess.start(env, "-Xmx384m")) {
                new OmniglassClient(first.httpUrl(), first.adminToken()).createTenant(slug, "tiering crash");
                f = new LifecycleFixture(dataSource(infra.infrastructure().pg().jdbcUrl(Tenant.databaseFor(slug))), slug);
                seriesA = f.series("pump-1", "discharge_pressure");
                f.metricDay(seriesA, day, 1);
                f.metricDay(f.series("pump-2", "discharge_pressure"), day, 5);
            }
            long rows = 1440 + 288;
            String sum = f.text("SELECT sum(value)::text FROM metric_datapoint");
            Path dayDir = dataDir.resolve("cold").resolve(slug).resolve("metric_datapoint").resolve(day.toString());

            for (String step : List.of("written", "verified", "dropping")) {
                CoreProcess core = CoreProcess.start(env, "-Xmx384m", "-Domniglass.lifecycle.pause=" + step);
                try {
                    startMaintenance(core, slug);
                    try {
                        await().atMost(Duration.ofSeconds(60)).until(() -> core.logTail().contains("lifecycle paused at " + step));
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        throw new AssertionError("the upkeep never paused at " + step + "; the core's log:\n" + core.logTail(), e);
                    }
                } finally {
                    core.kill9();
                }
                // the partition is whole, no file counts, and what the crash left is a stray at most
                assertThat(f.partitionExists("metric_datapoint", day)).as(step).isTrue();
                assertThat(f.value("SELECT count(*) FROM metric_datapoint")).as(step).isEqualTo(rows);
                assertThat(f.value("SELECT count(*) FROM cold_file")).as(step).isZero();
                assertThat(parquetFiles(dayDir)).as(step).hasSize(1);
                // the hourly rollup is written after the day's file is proven, so not yet at "written"
                assertThat(rollupFiles(dayDir)).as(step).hasSize(step.equals("written") ? 0 : 1);
            }

            try (CoreProcess last = CoreProcess.start(env, "-Xmx384m")) {
                OmniglassClient admin = new OmniglassClient(last.httpUrl(), last.adminToken());
                // asked until the day is tiered: a request that timed out on a loaded machine may still have
                // done it (then the next one answers 409 or has nothing left to tier)
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
                    if (f.value("SELECT count(*) FROM cold_file") == 0) {
                        admin.post("/api/v1/tenants/" + slug + "/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
                    }
                    return f.value("SELECT count(*) FROM cold_file") > 0;
                });
                assertThat(f.partitionExists("metric_datapoint", day)).isFalse();
                assertThat(f.value("SELECT count(*) FROM cold_file")).isEqualTo(1);
                assertThat(f.value("SELECT row_count FROM cold_file")).isEqualTo(rows);
                assertThat(parquetFiles(dayDir)).hasSize(1)
                        .allSatisfy(p -> assertThat(dataDir.resolve("cold").relativize(p).toString())
                                .isEqualTo(f.text("SELECT path FROM cold_file")));
                assertThat(rollupFiles(dayDir)).hasSize(1)
                        .allSatisfy(p -> assertThat(dataDir.resolve("cold").relativize(p).toString())
                                .isEqualTo(f.text("SELECT rollup_path FROM cold_file")));

                OffsetDateTime from = day.atStartOfDay().atOffset(ZoneOffset.UTC);
                OffsetDateTime to = from.plusDays(1);
                assertThat(admin.seriesHistory(slug, seriesA, from, to, 100_000).points()).hasSize(1440);
                FleetAggregates agg = admin.aggregates(slug, null, from, to, "1d");
                assertThat(agg.series().stream().mapToLong(s -> s.buckets().get(0).count()).sum()).isEqualTo(rows);
                double total = agg.series().stream().mapToDouble(s -> s.buckets().get(0).avg() * s.buckets().get(0).count()).sum();
                assertThat(total).isCloseTo(Double.parseDouble(sum), org.assertj.core.data.Offset.offset(1e-6));
            } finally {
                io.omniglass.core.testing.TestFiles.deleteQuietly(dataDir);
            }
        }
    }

    /**
     * Starts a run that pauses by design (its request never answers). The core killed at the step
     * before still holds the upkeep lease until it ages out (3 s here): a 409 is asked again.
     */
    private static void startMaintenance(CoreProcess core, String slug) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var answer = http.sendAsync(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/api/v1/tenants/" + slug + "/maintenance"))
                    .header("Authorization", "Bearer " + core.adminToken())
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> r;
            try {
                r = answer.get(3, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException paused) {
                return; // the run holds the lease and waits at its step
            }
            assertThat(r.statusCode()).as("maintenance answered %s", r.body()).isEqualTo(409);
            assertThat(System.nanoTime()).as("the killed core's lease never aged out").isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    private static List<Path> parquetFiles(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".parquet") && !p.toString().endsWith(".rollup-1h.parquet")).toList();
        }
    }

    private static List<Path> rollupFiles(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".rollup-1h.parquet")).toList();
        }
    }

    private static DataSource dataSource(String jdbc) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(jdbc);
        ds.setUser("postgres");
        ds.setPassword("postgres");
        return ds;
    }
}
