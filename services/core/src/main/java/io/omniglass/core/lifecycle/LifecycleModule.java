package io.omniglass.core.lifecycle;

import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.javalin.Javalin;
import io.nats.client.KeyValue;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.tenancy.Tenant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The data lifecycle: retention (routes), partition upkeep and the cold tier. Upkeep runs on one
 * shared thread for all tenants of this core ({@code og-lifecycle}), on a schedule
 * ({@code OMNIGLASS_LIFECYCLE_INTERVAL}, default 1 h) and on demand; each tenant's run takes the
 * tenant's lease first, so exactly one core works on a tenant at a time. Idle between runs: no
 * thread per tenant, nothing polls.
 */
public final class LifecycleModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(LifecycleModule.class);

    private final Duration fixedInterval;
    private Duration interval;
    private final Set<String> tenants = ConcurrentHashMap.newKeySet();
    private CoreContext ctx;
    private ScheduledExecutorService worker;
    private volatile KeyValue leases;

    /** On the configured schedule (OMNIGLASS_LIFECYCLE_INTERVAL, read at start). */
    public LifecycleModule() {
        this(null);
    }

    /** {@code interval} between scheduled runs; {@link Duration#ZERO}: no schedule, on demand only; null: as configured. */
    public LifecycleModule(Duration interval) {
        this.fixedInterval = interval;
    }

    @Override
    public String name() {
        return "lifecycle";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        interval = fixedInterval != null ? fixedInterval : ctx.config().tuning().lifecycleInterval();
        worker = Executors.newSingleThreadScheduledExecutor(io.omniglass.core.runtime.DaemonThreads.named("og-lifecycle"));
        if (!interval.isZero()) { // zero: on demand only (the benchmark)
            long first = Math.min(interval.toSeconds(), 300);
            worker.scheduleWithFixedDelay(this::maintainAll, first, interval.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Override
    public void routes(Javalin app, CoreContext core) {
        LifecycleRoutes.register(app, Gateway.forCore(core), this);
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) {
        tenants.add(tenant.slug());
    }

    public Path coldRoot() {
        return ColdTier.forCore(ctx).root();
    }

    /** The core's DuckDB, started on first use (most cores of a small install never need it). */
    public ColdEngine engine() {
        return ColdTier.forCore(ctx).engine();
    }

    private void maintainAll() {
        for (String slug : List.copyOf(tenants)) {
            ctx.tenant(slug).filter(Tenant::active).ifPresent(t -> {
                try {
                    runLeased(t, Instant.now());
                } catch (Exception e) {
                    log.warn("tenant {}: upkeep failed: {}", slug, e.toString());
                }
            });
        }
    }

    /**
     * Runs the tenant's upkeep now, on the lifecycle thread (so runs on this core never overlap),
     * and waits for it. Empty when another core holds the tenant's lease.
     */
    public Optional<PartitionUpkeep.Report> maintain(Tenant tenant, Instant now) throws Exception {
        Future<Optional<PartitionUpkeep.Report>> f = worker.submit(() -> runLeased(tenant, now));
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    private Optional<PartitionUpkeep.Report> runLeased(Tenant tenant, Instant now) throws Exception {
        if (leases == null) {
            leases = MaintenanceLease.bucket(ctx.nats(), ctx.config().natsReplicas(), ctx.config().tuning().lifecycleLeaseTtl());
        }
        MaintenanceLease lease = MaintenanceLease.tryTake(leases, tenant.slug(), ctx.instanceId());
        if (lease == null) {
            log.info("tenant {}: upkeep skipped, another core holds its lease", tenant.slug());
            return Optional.empty();
        }
        try {
            GatewaySession system = Gateway.forCore(ctx).system(tenant, SystemPurpose.LIFECYCLE);
            PartitionUpkeep upkeep = new PartitionUpkeep(tenant.slug(), ctx.control(), system,
                    engine(), coldRoot(), new Partitions(system), () -> {
                        if (!lease.renew()) {
                            throw new IllegalStateException("the upkeep lease of " + tenant.slug() + " was lost");
                        }
                    });
            PartitionUpkeep.Report r = upkeep.run(now);
            if (!r.tiered().isEmpty() || !r.dropped().isEmpty() || !r.coldRemoved().isEmpty()) {
                log.info("tenant {}: upkeep tiered {}, dropped {}, removed {} cold files", tenant.slug(),
                        r.tiered().size(), r.dropped().size(), r.coldRemoved().size());
            }
            return Optional.of(r);
        } finally {
            lease.release();
        }
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.shutdownNow();
            try {
                worker.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (ctx != null) {
            ColdTier.release(ctx);
        }
    }
}
