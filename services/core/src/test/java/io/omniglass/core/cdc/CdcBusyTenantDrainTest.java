package io.omniglass.core.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.omniglass.core.CoreContext;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two tenants that commit faster than their PubAcks come back (a loaded nats-server: 150 ms round
 * trip here) share one replication session. A drain used to end only at a quiet moment with nothing
 * in flight, which such a tenant never has, so every drain ran to its time slice and beyond (the
 * fleet run: 2.9 s a drain at p50, two thirds of them never caught up) and its commit queued for a
 * session again. A drain now ends once it has read past its target and its PubAcks are in: caught
 * up, or handed over to the tenant waiting. Every change still arrives once, in commit order.
 */
class CdcBusyTenantDrainTest {

    static final long LINK_DELAY_MS = 75;
    static TestCore core;
    static SlowLink link;
    static ScheduledExecutorService timers;
    static SlotScheduler scheduler;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of()); // no CdcModule: this test's scheduler is the slots' only reader
        URI nats = URI.create(core.core().context().infrastructure().natsUrl());
        link = new SlowLink(nats.getPort(), LINK_DELAY_MS);
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() throws Exception {
        if (scheduler != null) {
            scheduler.close();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (link != null) {
            link.close();
        }
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aDrainOfATenantThatKeepsCommittingEndsWhenItHasReadPastItsTarget() throws Exception {
        CoreContext ctx = core.core().context();
        List<Tenant> tenants = List.of(core.createTenant("busya"), core.createTenant("busyb"));
        List<TenantFeed> feeds = new CopyOnWriteArrayList<>();
        for (Tenant t : tenants) {
            PgServer server = ctx.tenantDatabases().server(t);
            feeds.add(new TenantFeed(CdcSession.Source.of(ctx, t, t.slotName()), t.databaseName(), server,
                    ctx.tenantDatabases().serverDataSource(server), ctx.tenantDatabases().dataSource(t),
                    new CdcStats(t.slug(), ctx.metrics())));
        }
        // one session, nothing kept open, a 1 s time slice; the sweep out of the way
        CdcSettings settings = new CdcSettings(1, 1, Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(600),
                Duration.ofSeconds(1), 32L * 1024 * 1024, 0, Duration.ofSeconds(3));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        String url = ctx.infrastructure().natsUrl();
        String slowNats = url.replace(":" + URI.create(url).getPort(), ":" + link.port()); // its credentials kept
        scheduler = new SlotScheduler(settings, slowNats, "busy-core", timers, () -> feeds,
                (f, token) -> f.token() == token, metrics);
        scheduler.start();
        feeds.forEach(f -> f.lead(1));

        AtomicBoolean writing = new AtomicBoolean(true);
        Map<String, List<String>> committed = new ConcurrentHashMap<>();
        List<Thread> writers = new ArrayList<>();
        for (int i = 0; i < tenants.size(); i++) {
            Tenant t = tenants.get(i);
            TenantFeed feed = feeds.get(i);
            committed.put(t.slug(), new CopyOnWriteArrayList<>());
            Thread w = new Thread(() -> {
                try (Connection c = ctx.tenantDatabases().dataSource(t).getConnection(); PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('busy', 'write', ?, '{}'::jsonb)")) {
                    for (int n = 0; writing.get(); n++) {
                        ps.setString(1, "r-" + n);
                        ps.executeUpdate();
                        committed.get(t.slug()).add("r-" + n);
                        scheduler.wake(feed); // announced as the core's writers announce theirs
                        Thread.sleep(20);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "busy-writer-" + t.slug());
            w.start();
            writers.add(w);
        }
        Thread.sleep(10_000);
        writing.set(false);
        for (Thread w : writers) {
            w.join();
        }
        for (Tenant t : tenants) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(resources(ctx, t)).containsExactlyElementsOf(committed.get(t.slug())));
        }
        double caughtUp = ends(metrics, "caught_up") + ends(metrics, "handed_over");
        double sliced = ends(metrics, "sliced");
        var drains = metrics.find("og_cdc_drain").tag("kind", "commit").timer();
        System.out.printf("busy drains: caught_up %s handed_over %s sliced %s failed %s; commit drains %d, mean %.1f ms%n",
                ends(metrics, "caught_up"), ends(metrics, "handed_over"), sliced, ends(metrics, "failed"),
                drains == null ? 0 : drains.count(), drains == null ? 0 : drains.mean(java.util.concurrent.TimeUnit.MILLISECONDS));
        assertThat(caughtUp).as("drains that caught up (sliced: %s)", sliced).isGreaterThanOrEqualTo(4);
        assertThat(sliced).as("drains whose time slice ended before they caught up (caught up: %s)", caughtUp)
                .isLessThan(caughtUp / 3);
    }

    static double ends(SimpleMeterRegistry metrics, String how) {
        var c = metrics.find("og_cdc_drain_end").tag("how", how).counter();
        return c == null ? 0 : c.count();
    }

    static List<String> resources(CoreContext ctx, Tenant t) throws Exception {
        return CdcFeed.readAll(ctx.infrastructure().natsUrl(), t.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.op().equals("insert")
                        && ch.row().get("actor").asText().equals("busy"))
                .map(ch -> ch.row().get("resource").asText())
                .toList();
    }
}
