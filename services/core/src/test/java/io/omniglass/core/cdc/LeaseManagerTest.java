package io.omniglass.core.cdc;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.core.runtime.NatsServerProcess;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared lease manager against a real nats-server: one holder per tenant, a silent holder
 * fenced by its own clock before another core takes over with a larger fencing token, a release
 * taken over at once, and many tenants on one lease thread.
 */
class LeaseManagerTest {

    static final Duration TTL = Duration.ofSeconds(3);
    static final Duration RENEW = Duration.ofMillis(500);
    static Path dir;
    static NatsServerProcess server;
    static Connection nats;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("og-lease-test-");
        server = NatsServerProcess.start(dir.resolve("nats").resolve("jetstream"), Optional.empty());
        nats = Nats.connect(server.url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (nats != null) {
            nats.close();
        }
        if (server != null) {
            server.close();
        }
        TestFiles.deleteQuietly(dir);
    }

    /** A core's lease manager on its own scheduler thread, recording what it holds. */
    static final class Core implements LeaseManager.Listener {
        final Map<String, Long> held = new ConcurrentHashMap<>();
        final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        final LeaseManager leases;

        Core(String id) throws Exception {
            leases = new LeaseManager(nats, id, TTL, RENEW, thread, this);
            leases.start();
        }

        @Override
        public void acquired(String tenant, long token) {
            held.put(tenant, token);
        }

        @Override
        public void lost(String tenant, String why) {
            held.remove(tenant);
        }

        boolean holds(String tenant) {
            Long t = held.get(tenant);
            return t != null && leases.holds(tenant, t);
        }

        /** As if the process hung or died: no renewal, no release. */
        void freeze() {
            thread.shutdownNow();
        }
    }

    @Test
    void aSilentHolderIsFencedByItsOwnClockBeforeAnotherCoreTakesOverWithALargerToken() throws Exception {
        Core a = new Core("core-a1");
        a.leases.candidate("t1");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.holds("t1"));
        long tokenA = a.held.get("t1");
        Core b = new Core("core-b1");
        b.leases.candidate("t1");
        Thread.sleep(TTL.toMillis() + 1000);
        assertThat(b.held).doesNotContainKey("t1"); // a renews its core key: b never takes over
        assertThat(a.holds("t1")).isTrue();

        long frozenAt = System.nanoTime();
        a.freeze();
        await().atMost(TTL).pollInterval(Duration.ofMillis(20)).until(() -> !a.leases.holds("t1", tokenA));
        long fencedAfter = System.nanoTime() - frozenAt;
        assertThat(b.held).doesNotContainKey("t1"); // fenced before anyone else could start
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> b.holds("t1"));
        long takenAfter = System.nanoTime() - frozenAt;
        System.out.printf("silent holder fenced after %d ms, taken over after %d ms%n", fencedAfter / 1_000_000, takenAfter / 1_000_000);
        assertThat(fencedAfter).isLessThan(takenAfter);
        assertThat(takenAfter).isLessThan(Duration.ofMillis(4500).toNanos());
        assertThat(b.held.get("t1")).isGreaterThan(tokenA);
        b.leases.close();
        b.thread.shutdownNow();
    }

    @Test
    void coresThatJoinLaterGetTheirShareFromTheCoreThatHeldEverything() throws Exception {
        List<String> tenants = List.of("r1", "r2", "r3", "r4", "r5", "r6");
        Core a = new Core("core-a4");
        tenants.forEach(a.leases::candidate);
        await().atMost(Duration.ofSeconds(10)).until(() -> tenants.stream().allMatch(a::holds));
        // as after a rolling restart: the cores coming back find every lease taken
        Core b = new Core("core-b4");
        Core c = new Core("core-c4");
        tenants.forEach(b.leases::candidate);
        tenants.forEach(c.leases::candidate);
        long joined = System.nanoTime();
        List<Core> cores = List.of(a, b, c);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                cores.stream().allMatch(k -> tenants.stream().filter(k::holds).count() == 2));
        System.out.printf("6 leases spread 2/2/2 over 3 cores %d ms after two joined%n", (System.nanoTime() - joined) / 1_000_000);
        for (String t : tenants) {
            assertThat(cores.stream().filter(k -> k.holds(t)).count()).as("holders of " + t).isEqualTo(1);
        }
        Thread.sleep(3000); // settled: nothing moves any more
        assertThat(cores.stream().map(k -> tenants.stream().filter(k::holds).count()).toList()).containsExactly(2L, 2L, 2L);
        for (Core k : cores) {
            k.leases.close();
            k.thread.shutdownNow();
        }
    }

    @Test
    void aReleasedLeaseIsTakenOverAtOnce() throws Exception {
        Core a = new Core("core-a2");
        a.leases.candidate("t2");
        await().atMost(Duration.ofSeconds(5)).until(() -> a.holds("t2"));
        Core b = new Core("core-b2");
        b.leases.candidate("t2");
        Thread.sleep(1000);
        assertThat(b.held).doesNotContainKey("t2");
        long releasedAt = System.nanoTime();
        a.leases.close();
        a.thread.shutdownNow();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10)).until(() -> b.holds("t2"));
        System.out.printf("released lease taken over after %d ms%n", (System.nanoTime() - releasedAt) / 1_000_000);
        b.leases.close();
        b.thread.shutdownNow();
    }

    @Test
    void twoHundredTenantsShareOneLeaseThreadAndSpreadOverTwoCores() throws Exception {
        Core a = new Core("core-a3");
        Core b = new Core("core-b3");
        for (int i = 0; i < 200; i++) {
            a.leases.candidate("f" + i);
            b.leases.candidate("f" + i);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> a.held.size() + b.held.size() == 200);
        for (int i = 0; i < 200; i++) {
            assertThat(a.holds("f" + i) ^ b.holds("f" + i)).as("f" + i + " has exactly one holder").isTrue();
        }
        System.out.printf("200 tenants: %d on a, %d on b%n", a.held.size(), b.held.size());
        assertThat(Math.min(a.held.size(), b.held.size())).isGreaterThan(20);
        a.leases.close();
        b.leases.close();
        a.thread.shutdownNow();
        b.thread.shutdownNow();
    }
}
