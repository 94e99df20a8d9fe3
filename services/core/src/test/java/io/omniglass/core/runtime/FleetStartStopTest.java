package io.omniglass.core.runtime;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real core process on its own embedded Postgres and nats-server with many tenants: a clean
 * stop and start in bounded time, and a kill -9 during its start and during its stop leave no
 * Postgres, nats-server or watchdog behind, after which the next start serves every tenant.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetStartStopTest {

    static final int TENANTS = 30;
    static Path dataDir;
    static Map<String, String> env;
    static final List<String> slugs = new ArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void provision() throws Exception {
        dataDir = Files.createTempDirectory("og-fleet-stop-");
        env = Map.of("OMNIGLASS_DATA_DIR", dataDir.toString());
        CoreProcess core = CoreProcess.start(env);
        try {
            OmniglassClient admin = new OmniglassClient(core.httpUrl(), core.adminToken());
            long started = System.nanoTime();
            // four at a time, as an operator's script would: provisioning is safe in parallel
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> created = new ArrayList<>();
            for (int i = 0; i < TENANTS; i++) {
                String slug = "fleet" + i;
                slugs.add(slug);
                created.add(pool.submit(() -> admin.createTenant(slug, "Fleet " + slug)));
            }
            for (Future<?> f : created) {
                f.get();
            }
            pool.shutdown();
            System.out.printf("provisioned %d tenants, four at a time: %.0f ms of wall time a tenant%n", TENANTS,
                    (System.nanoTime() - started) / 1e6 / TENANTS);
            // the new databases' files are fsynced by the checkpoint the core makes after provisioning
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> core.log().contains("checkpoint after provisioning done"));
            printTimings(core);
        } finally {
            assertThat(core.terminate()).as("exited within 60 s").isNotEqualTo(-1);
        }
    }

    @AfterAll
    static void cleanUp() {
        assertNothingRunning();
        TestFiles.deleteQuietly(dataDir);
    }

    /*
     * The targets are 30 s to serve and 15 s to stop with 200 tenants on a quiet machine;
     * this shared 2-CPU machine runs at load 20-40 when six builds run, where the shutdown
     * checkpoint alone took 33 s. The bounds below are what must hold even there; the printed
     * figures go into docs/fleet.md.
     */
    static final double START_BOUND_SECONDS = 60;
    /**
     * Every tenant up: 30 tenants took 33-44 s at load 40-50 (bringing them up, after the core
     * serves), 94 s at load 54, and 52 s at load 40 with the tenant template (third session).
     */
    static final double UP_BOUND_SECONDS = 120;
    /** A clean stop of 30 tenants: 7.3 s at load 54, 4.1 s at load 42 (third session). */
    static final double STOP_BOUND_SECONDS = 30;

    @Test
    @Order(1)
    void aKillDuringTheStopLeavesNothingRunningAndTheNextStartServesEveryTenant() throws Exception {
        long t0 = System.nanoTime();
        CoreProcess core = CoreProcess.launch(env);
        try {
            // HTTP is served while the fleet comes up: /healthz says "starting", a tenant not up yet answers 503 starting
            StartWatch watch = StartWatch.watch(core, slugs.get(slugs.size() - 1), Duration.ofSeconds((long) START_BOUND_SECONDS));
            core.awaitReady(Duration.ofSeconds(120));
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%d tenants: start to first HTTP answer %.1f s, to every tenant up %.1f s (load %s); "
                            + "seen while starting: %s%n", TENANTS, watch.firstAnswerSeconds(t0), startSeconds, load(), watch.seen());
            printTimings(core);
            assertThat(watch.sawStarting()).as("/healthz answered 503 'starting' while tenants came up: " + watch.seen()).isTrue();
            assertThat(watch.tenantAnswers()).as("a tenant still starting answers 503 'starting', one that is up 200")
                    .allSatisfy(a -> assertThat(a).isIn("200", "503 starting"));
            assertServesEveryTenant(core);
            assertThat(watch.firstAnswerSeconds(t0)).as("serving").isBetween(0.0, START_BOUND_SECONDS);
            assertThat(startSeconds).as("every tenant up").isLessThan(UP_BOUND_SECONDS);
            new ProcessBuilder("kill", "-TERM", Long.toString(core.pid())).start().waitFor();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> core.log().contains("core stopping"));
        } finally {
            core.kill9();
        }
        assertNothingRunningSoon();
    }

    @Test
    @Order(2)
    void aKillDuringTheStartLeavesNothingRunningAndTheNextStartServesEveryTenantAndStopsCleanly() throws Exception {
        CoreProcess core = CoreProcess.launch(env);
        try {
            // killed once Postgres runs and the tenants are being brought up, before it serves
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(5))
                    .until(() -> core.log().contains("module cdc started") || !core.alive());
            assertThat(core.alive()).as("still starting:\n" + core.logTail()).isTrue();
        } finally {
            core.kill9();
        }
        assertNothingRunningSoon();

        CoreProcess next = CoreProcess.start(env);
        try {
            assertServesEveryTenant(next);
        } catch (AssertionError | RuntimeException e) {
            next.kill9();
            throw e;
        }
        long t1 = System.nanoTime();
        assertThat(next.terminate()).as("exited within 60 s").isNotEqualTo(-1);
        double stopSeconds = (System.nanoTime() - t1) / 1e9;
        System.out.printf("%d tenants: clean stop %.1f s (load %s)%n", TENANTS, stopSeconds, load());
        printTimings(next);
        assertThat(stopSeconds).isLessThan(STOP_BOUND_SECONDS);
        assertNothingRunning();
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    private static void printTimings(CoreProcess core) {
        for (String line : core.log().split("\n")) {
            if (line.contains("tenants up in") || line.contains("checkpoint after") || line.contains("checkpoint complete") || line.contains("core stopped in") || line.contains("did not close")
                    || line.contains("closed in")) {
                System.out.println("  core: " + line);
            }
        }
    }

    /** Every tenant is listed and answers, and each has its CDC leader on this core. */
    static void assertServesEveryTenant(CoreProcess core) throws Exception {
        OmniglassClient admin = new OmniglassClient(core.httpUrl(), core.adminToken());
        assertThat(admin.tenants()).extracting(t -> t.slug()).containsAll(slugs);
        for (String slug : slugs) {
            assertThat(admin.stats(slug)).isNotNull();
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cdcLeaders(core) == TENANTS);
    }

    static int cdcLeaders(CoreProcess core) throws Exception {
        // tenant-labelled series are shown to a token that sees the tenants (issue 16, finding 13)
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/metrics"))
                        .header("Authorization", "Bearer " + core.adminToken()).build(),
                HttpResponse.BodyHandlers.ofString());
        int leaders = 0;
        for (String line : r.body().split("\n")) {
            if (line.startsWith("og_cdc_leader{") && line.endsWith(" 1.0")) {
                leaders++;
            }
        }
        return leaders;
    }

    static void assertNothingRunningSoon() {
        // a Postgres told to stop finishes its shutdown checkpoint first (tens of seconds on a busy disk)
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(FleetStartStopTest::assertNothingRunning);
    }

    /** No process of ours (Postgres, nats-server, watchdog) names the data dir any more. */
    static void assertNothingRunning() {
        String dir = dataDir.toString();
        List<String> left = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains(dir)
                        || p.info().arguments().map(a -> String.join(" ", a).contains(dir)).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
        assertThat(left).as("processes left on " + dir).isEmpty();
    }
}
