package io.omniglass.core.fleet;

import io.omniglass.api.FleetHealth;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Principal;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.tenancy.PostgresServers;
import io.omniglass.core.tenancy.Tenant;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code GET /api/v1/fleet/health} for one caller. Per tenant the figures come from memory
 * (the sink's and CDC's meters of every live core, summed by {@link CoreShares}; the alarm counts
 * kept by {@link AlarmCounts}); the CDC slot lag of
 * every tenant comes from one question per Postgres server; nothing is asked per tenant unless
 * its alarms changed. The caller sees the tenants its token may read, and the deployment only
 * with a token not confined to one tenant.
 */
final class FleetBoard {

    /** How long one request may spend counting alarms itself before it leaves the rest to the background. */
    static final Duration COUNT_BUDGET = Duration.ofMillis(500);
    private static final CoreShares.Share NONE = new CoreShares.Share(null, null, null, null, null);

    private final CoreContext core;
    private final CdcModule cdc;
    private final AlarmCounts alarms;
    private final PostgresServers servers;

    FleetBoard(CoreContext core, CdcModule cdc, AlarmCounts alarms, PostgresServers servers) {
        this.core = core;
        this.cdc = cdc;
        this.alarms = alarms;
        this.servers = servers;
    }

    FleetHealth build(Principal principal) {
        Instant now = Instant.now();
        long countUntil = System.nanoTime() + COUNT_BUDGET.toNanos();
        List<Tenant> visible = core.tenants().list().stream().filter(t -> principal.canSeeTenant(t.slug())).toList();
        Map<String, String> leaders = cdc == null ? Map.of() : cdc.leaseHolders();
        CoreShares.Summed shares = CoreShares.gather(core.nats(), core.instanceId(), core.metrics(), livePeers());
        List<PostgresServers.Health> pg = servers.health();
        Map<String, Long> slotLag = new HashMap<>();
        pg.forEach(s -> slotLag.putAll(s.slotLagBytes()));
        Gateway gateway = Gateway.forCore(core);

        List<FleetHealth.TenantHealth> rows = new ArrayList<>(visible.size());
        for (Tenant t : visible) {
            String slug = t.slug();
            AlarmCounts.Counts counts = !t.active() ? null
                    : principal.narrowed() ? AlarmCounts.count(gateway.scoped(principal, slug, Action.READ_ALARMS))
                    : alarms.of(gateway, t, countUntil);
            CoreShares.Share f = shares.tenants().getOrDefault(slug, NONE);
            Double newest = f.newest();
            // the gauge is in seconds; the sink stored microseconds, which a double holds exactly for this epoch
            Instant newestAt = newest == null ? null : Instant.EPOCH.plus(Math.round(newest * 1e6), java.time.temporal.ChronoUnit.MICROS);
            Double pending = f.pending();
            Double ingest = f.ingest();
            Double dlq = f.deadLetters();
            rows.add(new FleetHealth.TenantHealth(slug, t.displayName(), t.status(),
                    ingest == null ? 0 : ingest,
                    pending == null ? null : pending.longValue(),
                    dlq == null ? 0 : dlq.longValue(),
                    // the feed may be on the alternate slot since a skip (docs/cdc.md)
                    slotLag.getOrDefault(t.slotName(), slotLag.get(Tenant.alternateSlotFor(t.slotName()))),
                    f.cdcLagSeconds(),
                    leaders.get(slug),
                    newestAt == null ? null : OffsetDateTime.ofInstant(newestAt, ZoneOffset.UTC),
                    newestAt == null ? null : Math.max(0, Duration.between(newestAt, now).toMillis() / 1000.0),
                    counts == null ? null : counts.active(),
                    counts == null ? null : counts.unacked()));
        }
        FleetHealth.Deployment deployment = principal.tenant().isPresent() ? null : new FleetHealth.Deployment(
                DeploymentView.cores(core.instanceId(), cdc == null ? Map.of() : cdc.coresLastSeen(), leaders,
                        cdc == null ? null : cdc.settings().ttl()),
                DeploymentView.nats(core.nats()),
                DeploymentView.postgres(pg));
        return new FleetHealth(OffsetDateTime.ofInstant(now, ZoneOffset.UTC), core.instanceId(), shares.cores(), rows, deployment);
    }

    /** The other cores whose lease renewal is recent: those that can answer for their share. */
    private java.util.Set<String> livePeers() {
        if (cdc == null) {
            return java.util.Set.of();
        }
        Duration ttl = cdc.settings().ttl();
        java.util.Set<String> out = new java.util.TreeSet<>();
        cdc.coresLastSeen().forEach((id, ago) -> {
            if (!id.equals(core.instanceId()) && ago.compareTo(ttl) <= 0) {
                out.add(id);
            }
        });
        return out;
    }
}
