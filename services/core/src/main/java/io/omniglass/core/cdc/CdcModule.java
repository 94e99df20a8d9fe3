package io.omniglass.core.cdc;

import io.nats.client.KeyValue;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The record lane's change feed: per active tenant, a leader-elected publisher from the tenant
 * database's WAL (slot og_cdc_&lt;slug&gt;, publication og_cdc) to og.&lt;tenant&gt;.cdc.&lt;table&gt;.
 */
public final class CdcModule implements CoreModule {

    private final Map<String, TenantCdc> tenants = new ConcurrentHashMap<>();
    private final AtomicInteger leadersHere = new AtomicInteger();
    private final TenantCdc.Timing timing;
    private KeyValue leases;

    public CdcModule() {
        this(TenantCdc.Timing.defaults());
    }

    CdcModule(TenantCdc.Timing timing) {
        this.timing = timing;
    }

    @Override
    public String name() {
        return "cdc";
    }

    @Override
    public void start(CoreContext ctx) throws Exception {
        leases = LeaseElector.bucket(ctx.nats(), timing.ttl());
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) {
        tenants.computeIfAbsent(tenant.slug(), s -> {
            PgServer server = ctx.tenantDatabases().server(tenant);
            CdcSession.Source source = new CdcSession.Source(tenant.slug(), tenant.slotName(),
                    ctx.tenantDatabases().jdbcUrl(tenant), server.user(), server.password());
            TenantCdc cdc = new TenantCdc(source, ctx.infrastructure().natsUrl(), ctx.instanceId(),
                    ctx.tenantDataSource(tenant), leases, leadersHere, ctx.metrics(), timing, CdcSession.Settings.defaults());
            cdc.start();
            return cdc;
        });
    }

    /** Tenants this instance currently publishes. */
    public int leaderCount() {
        return leadersHere.get();
    }

    @Override
    public void close() {
        tenants.values().parallelStream().forEach(TenantCdc::close);
        tenants.clear();
    }
}
