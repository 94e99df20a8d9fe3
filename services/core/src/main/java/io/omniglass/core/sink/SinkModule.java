package io.omniglass.core.sink;

import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.CoreContext;
import io.omniglass.core.lifecycle.ColdCopies;
import io.omniglass.core.lifecycle.ColdTier;
import io.omniglass.core.CoreModule;
import io.omniglass.core.tenancy.BootPhase;
import io.omniglass.core.tenancy.Tenant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The persistence consumer: one {@link TenantSink} (a lane on the shared workers) per active
 * tenant on this instance, all instances sharing each tenant's durable consumer. Also keeps the
 * datapoint partitions ahead.
 */
public final class SinkModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(SinkModule.class);

    private final SinkSettings fixedSettings;
    private SinkSettings settings;
    private final Map<String, TenantSink> sinks = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;
    private CoreContext ctx;

    /** As configured (read at start). */
    public SinkModule() {
        this(null);
    }

    /** With fixed settings (tests, benchmarks); null: as configured. */
    public SinkModule(SinkSettings settings) {
        this.fixedSettings = settings;
    }

    @Override
    public String name() {
        return "sink";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        settings = fixedSettings != null ? fixedSettings : SinkSettings.from(ctx.config().tuning());
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "og-sink-timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::maintainPartitions, 6, 6, TimeUnit.HOURS);
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
        GatewaySession db = system(tenant);
        TenantSink sink = new TenantSink(tenant, ctx.lanes(), ctx.nats(), db, ctx.acceptedWindows().of(tenant.slug(), db.dsl()),
                new ColdCopies(db, () -> ColdTier.forCore(ctx)), settings, new SinkMetrics(ctx.metrics(), tenant.slug()));
        if (sinks.putIfAbsent(tenant.slug(), sink) != null) {
            return;
        }
        ensurePartitions(tenant);
        sink.start();
        log.info("sink consuming the data lane of tenant {}", tenant.slug());
    }

    private void maintainPartitions() {
        for (TenantSink s : sinks.values()) {
            ctx.tenant(s.slug()).ifPresent(this::ensurePartitions);
        }
        // a safety net: the windows follow their changes, and read the control settings at most once a minute
        ctx.acceptedWindows().refreshAll();
    }

    /** Partitions a week back and ahead, so the accepted window always has a table to land in. */
    private void ensurePartitions(Tenant tenant) {
        try (Connection c = system(tenant).connection()) {
            c.setAutoCommit(true);
            int made = BootPhase.ensurePartitions(c, BootPhase.PARTITION_DAYS_BEHIND, BootPhase.PARTITION_DAYS_AHEAD);
            if (made > 0) {
                log.info("tenant {}: {} datapoint partitions created", tenant.slug(), made);
            }
        } catch (Exception e) {
            log.warn("tenant {}: partition maintenance failed: {}", tenant.slug(), e.getMessage());
        }
    }

    private GatewaySession system(Tenant tenant) {
        return Gateway.forCore(ctx).system(tenant, SystemPurpose.SINK);
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        sinks.values().forEach(TenantSink::close);
        sinks.clear();
    }
}
