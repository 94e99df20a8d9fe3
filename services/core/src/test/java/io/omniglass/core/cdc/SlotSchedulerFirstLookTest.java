package io.omniglass.core.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.omniglass.core.CoreContext;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A write from outside the core (psql, another application) to a tenant the sweep has not looked
 * at yet: nothing announces it, so only the sweep can find it. Its first look at the tenant has no
 * write count to compare with; it used to record the count (the write included) and drain nothing,
 * so the change waited for another write to move the count. The first look drains a slot with
 * unconfirmed WAL.
 */
class SlotSchedulerFirstLookTest {

    static TestCore core;
    static ScheduledExecutorService timers;
    static SlotScheduler scheduler;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of()); // no CdcModule: this test's scheduler is the only reader of the slot
        timers = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stop() {
        if (scheduler != null) {
            scheduler.close();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aWriteFromOutsideBeforeTheSweepsFirstLookIsDrainedByThatLook() throws Exception {
        CoreContext ctx = core.core().context();
        Tenant tenant = core.createTenant("firstlook");
        PgServer server = ctx.tenantDatabases().server(tenant);
        TenantFeed feed = new TenantFeed(CdcSession.Source.of(ctx, tenant, tenant.slotName()), tenant.databaseName(), server,
                ctx.tenantDatabases().serverDataSource(server), ctx.tenantDatabases().dataSource(tenant),
                new CdcStats(tenant.slug(), ctx.metrics()));
        List<TenantFeed> feeds = new CopyOnWriteArrayList<>();
        // a sweep every second, no sessions kept open
        CdcSettings settings = new CdcSettings(1, 2, Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 32L * 1024 * 1024, 0, Duration.ofSeconds(3));
        scheduler = new SlotScheduler(settings, ctx.infrastructure().natsUrl(), "firstlook-core", timers, () -> feeds,
                (f, token) -> f.token() == token, new SimpleMeterRegistry());
        scheduler.start();
        feed.lead(1); // led, and nothing woke it: no commit of this core, no take-over drain
        try (Connection c = ctx.tenantDatabases().dataSource(tenant).getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('outside', 'write', 'psql-1', '{}'::jsonb)")) {
            ps.executeUpdate();
        }
        feeds.add(feed); // the sweep's next look is its first at this tenant, and the write is counted in it already
        // several sweep periods: without the first look's drain, no later look sees the count move
        await().atMost(Duration.ofSeconds(8)).untilAsserted(() -> assertThat(outsideWrites(ctx, tenant)).containsExactly("psql-1"));
    }

    static List<String> outsideWrites(CoreContext ctx, Tenant tenant) throws Exception {
        return CdcFeed.readAll(ctx.infrastructure().natsUrl(), tenant.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.op().equals("insert")
                        && ch.row().get("actor").asText().equals("outside"))
                .map(ch -> ch.row().get("resource").asText())
                .toList();
    }
}
