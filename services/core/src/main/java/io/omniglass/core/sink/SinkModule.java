package io.omniglass.core.sink;

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

    private final SinkSettings settings;
    private final Map<String, TenantSink> sinks = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;
    private CoreContext ctx;

    public SinkModule() {
        this(SinkSettings.fromEnv(System.getenv()));
    }

    public SinkModule(SinkSettings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "sink";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "og-sink-timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::maintainPartitions, 6, 6, TimeUnit.HOURS);
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
        TenantSink sink = new TenantSink(tenant, ctx.lanes(), ctx.nats(), ctx.tenantDataSource(tenant), ctx.controlDataSource(),
                new ColdCopies(ctx.tenantDataSource(tenant), () -> ColdTier.forCore(ctx)), settings, new SinkMetrics(ctx.metrics(), tenant.slug()));
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
            s.window().refreshNow();
        }
    }

    /** Partitions a week back and ahead, so the accepted window always has a table to land in. */
    private void ensurePartitions(Tenant tenant) {
        try (Connection c = ctx.tenantDataSource(tenant).getConnection()) {
            c.setAutoCommit(true);
            int made = BootPhase.ensurePartitions(c, BootPhase.PARTITION_DAYS_BEHIND, BootPhase.PARTITION_DAYS_AHEAD);
            if (made > 0) {
                log.info("tenant {}: {} datapoint partitions created", tenant.slug(), made);
            }
        } catch (Exception e) {
            log.warn("tenant {}: partition maintenance failed: {}", tenant.slug(), e.getMessage());
        }
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
