package io.omniglass.core;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nats.client.Connection;
import io.omniglass.core.access.TokenService;
import io.omniglass.core.lanes.Lanes;
import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.Infrastructure;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantDatabases;
import io.omniglass.core.tenancy.TenantProvisioner;
import io.omniglass.core.tenancy.TenantRegistry;
import org.jooq.DSLContext;

import javax.sql.DataSource;
import java.util.Optional;

/**
 * What a module gets to work with: the parts of one running core. {@code nats} is the control
 * connection (leases, control subjects, stream management); per-tenant bulk traffic and lane work
 * go through {@code lanes}. {@code acceptedWindows}: each tenant's accepted window, which the sink
 * and the rules share.
 */
public record CoreContext(
        String instanceId,
        OmniglassConfig config,
        DataDir dataDir,
        Infrastructure infrastructure,
        DataSource controlDataSource,
        DSLContext control,
        Connection nats,
        TenantDatabases tenantDatabases,
        TenantRegistry tenants,
        TenantProvisioner provisioner,
        TokenService tokens,
        PrometheusMeterRegistry metrics,
        Lanes lanes,
        io.omniglass.core.sink.AcceptedWindows acceptedWindows) {

    public DataSource tenantDataSource(Tenant tenant) {
        return tenantDatabases.dataSource(tenant);
    }

    /** Which Postgres servers this core reaches (fleet health, /healthz, /metrics read it). */
    public io.omniglass.core.tenancy.ServerStates serverStates() {
        return tenantDatabases.serverStates();
    }

    public Optional<Tenant> tenant(String slug) {
        return tenants.find(slug);
    }
}
