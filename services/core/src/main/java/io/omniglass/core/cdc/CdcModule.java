package io.omniglass.core.cdc;

import io.nats.client.Dispatcher;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The record lane's change feed: per active tenant, a leader-elected publisher from the tenant
 * database's WAL (slot og_cdc_&lt;slug&gt;, publication og_cdc) to og.&lt;tenant&gt;.cdc.&lt;table&gt;.
 * Whatever the number of tenants: one lease thread, one sweep thread and a bounded pool of
 * replication sessions ({@link CdcSettings#sessions()}) that serve the slots with pending changes.
 */
public final class CdcModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(CdcModule.class);
    /** Other cores' commits wake this core's feeds here (the payload is the tenant slug). */
    public static final String WAKE_SUBJECT = "og._control.cdc.wake";

    private final Map<String, TenantFeed> feeds = new ConcurrentHashMap<>();
    private final CdcSettings fixedSettings;
    private CdcSettings settings;
    private CoreContext ctx;
    private ScheduledExecutorService leaseThread;
    private ScheduledExecutorService sweepThread;
    private LeaseManager leases;
    private io.nats.client.Connection leaseNats;
    private SlotScheduler sessions;
    private Dispatcher wakeups;
    private Runnable unregister;

    public CdcModule() {
        this(null);
    }

    /** With fixed settings (tests); null: as configured (read at start). */
    public CdcModule(CdcSettings settings) {
        this.fixedSettings = settings;
    }

    @Override
    public String name() {
        return "cdc";
    }

    @Override
    public void start(CoreContext ctx) throws Exception {
        this.ctx = ctx;
        settings = fixedSettings != null ? fixedSettings : CdcSettings.from(ctx.config().tuning());
        leaseThread = Executors.newSingleThreadScheduledExecutor(io.omniglass.core.runtime.DaemonThreads.named("og-cdc-leases"));
        sweepThread = Executors.newSingleThreadScheduledExecutor(io.omniglass.core.runtime.DaemonThreads.named("og-cdc-sweep"));
        sessions = new SlotScheduler(settings, ctx.infrastructure().natsUrl(), ctx.instanceId(), sweepThread,
                feeds::values, (feed, token) -> leases.holds(feed.slug(), token), ctx.metrics());
        // a connection of its own: a renewal must not wait behind a busy tenant's traffic on the core's
        leaseNats = io.nats.client.Nats.connect(new io.nats.client.Options.Builder()
                .servers(io.omniglass.core.runtime.NatsUrls.servers(ctx.infrastructure().natsUrl()))
                .connectionName("omniglass-cdc-leases-" + ctx.instanceId())
                .maxReconnects(-1)
                .reconnectWait(java.time.Duration.ofMillis(250))
                .connectionTimeout(java.time.Duration.ofSeconds(5))
                .build());
        leases = new LeaseManager(leaseNats, ctx.config().natsReplicas(), ctx.instanceId(), settings.ttl(), settings.renewEvery(), leaseThread,
                new LeaseManager.Listener() {
                    @Override
                    public void acquired(String tenant, long token) {
                        TenantFeed f = feeds.get(tenant);
                        if (f != null) {
                            f.lead(token);
                            log.info("cdc {}: this core ({}) leads the feed (token {})", tenant, ctx.instanceId(), token);
                            sessions.wake(f); // whatever the previous leader left in the slot
                        }
                    }

                    @Override
                    public void resumed(String tenant, long token) {
                        TenantFeed f = feeds.get(tenant);
                        if (f != null && f.token() == token) {
                            sessions.wake(f); // a drain fenced during the lapse goes on now
                        }
                    }

                    @Override
                    public void lost(String tenant, String why) {
                        TenantFeed f = feeds.get(tenant);
                        if (f != null) {
                            f.unlead();
                            sessions.forget(f); // a replication connection left open would hold the slot from the next leader
                            log.warn("cdc {}: stopped publishing ({})", tenant, why);
                        }
                    }
                });
        leases.instrument(ctx.metrics());
        sessions.start();
        leases.start();
        wakeups = ctx.nats().createDispatcher(m -> wakeHere(new String(m.getData(), StandardCharsets.UTF_8)));
        wakeups.subscribe(WAKE_SUBJECT);
        unregister = CdcWakeups.register(this::wakeHere,
                slug -> ctx.nats().publish(WAKE_SUBJECT, slug.getBytes(StandardCharsets.UTF_8)));
        log.info("cdc: {} replication sessions ({} while commits wait), up to {} kept open (up to {} s) for tenants expected back, sweep every {} s",
                settings.sessions(), settings.maxSessions(), settings.openSessions(), settings.openIdle().toSeconds(),
                settings.sweepEvery().toSeconds());
    }

    private boolean wakeHere(String slug) {
        TenantFeed f = feeds.get(slug);
        if (f == null || !f.leading()) {
            return false;
        }
        sessions.wake(f);
        return true;
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) {
        feeds.computeIfAbsent(tenant.slug(), s -> {
            PgServer server = ctx.tenantDatabases().server(tenant);
            CdcSession.Source source = new CdcSession.Source(tenant.slug(), tenant.slotName(),
                    ctx.tenantDatabases().jdbcUrl(tenant), server.user(), server.password());
            return new TenantFeed(source, tenant.databaseName(), server, ctx.tenantDatabases().serverDataSource(server),
                    ctx.tenantDatabases().dataSource(tenant),
                    new CdcStats(tenant.slug(), ctx.metrics()));
        });
        leases.candidate(tenant.slug());
        sessions.sweepSoon();
    }

    /** Tenants this instance currently publishes. */
    public int leaderCount() {
        return leases == null ? 0 : leases.heldCount();
    }

    /**
     * Whether this core's feed of {@code slug} holds a skip watermark on its current slot (the skip's
     * precondition, docs/cdc.md#skipping-other-databases-wal); for tests, which must know the
     * precondition held before they judge what the skip did.
     */
    boolean holdsWatermark(String slug) {
        TenantFeed f = feeds.get(slug);
        SlotSkip.Watermark w = f == null ? null : f.watermark;
        return w != null && w.slot().equals(f.slot());
    }

    /** Each tenant's CDC leader (tenant to core id) as this core's lease watch last saw it; empty before start. */
    public java.util.Map<String, String> leaseHolders() {
        return leases == null ? java.util.Map.of() : leases.holders();
    }

    /** The cores the lease watch knows, with how long ago each renewed its lease (the registry of cores). */
    public java.util.Map<String, java.time.Duration> coresLastSeen() {
        java.util.Map<String, java.time.Duration> out = new java.util.TreeMap<>();
        if (leases != null) {
            leases.coresSeenAgoNanos().forEach((core, ago) -> out.put(core, java.time.Duration.ofNanos(ago)));
        }
        return out;
    }

    public CdcSettings settings() {
        return settings;
    }

    /** Clean stop: sessions end first, then the leases are deleted so another core takes over at once. */
    @Override
    public void close() {
        if (unregister != null) {
            unregister.run();
        }
        if (wakeups != null) {
            try {
                ctx.nats().closeDispatcher(wakeups);
            } catch (RuntimeException ignored) {
                // connection closing
            }
        }
        if (sessions != null) {
            sessions.close();
        }
        if (leaseThread != null) {
            leaseThread.shutdown();
            try {
                leaseThread.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (leases != null) {
            leases.close();
        }
        if (sweepThread != null) {
            sweepThread.shutdownNow();
        }
        if (leaseNats != null) {
            try {
                leaseNats.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        feeds.values().forEach(TenantFeed::unlead);
        feeds.clear();
    }
}
