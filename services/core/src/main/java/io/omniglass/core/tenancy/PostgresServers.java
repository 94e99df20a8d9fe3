package io.omniglass.core.tenancy;

import io.omniglass.core.CoreContext;

import java.util.List;
import java.util.Map;

/**
 * The deployment's Postgres servers and what each says about itself, one query per server: the
 * fleet health board's source (see fleet/). The servers are those the tenant registry names (the
 * default server holds the control database); a server registry can supply its own implementation.
 */
public interface PostgresServers {

    /** Every server, each asked at most once per call and never waited on for more than a few seconds. */
    List<Health> health();

    /**
     * One server: {@code name} as operators call it, {@code address} host:port (never credentials),
     * {@code up} whether it answered; {@code slotLagBytes} is WAL not yet confirmed by each logical
     * slot on it (slot name to bytes), which is every tenant's CDC lag at once.
     */
    record Health(String name, String address, boolean control, boolean up, String version, Boolean inRecovery,
                  List<String> tenants, Map<String, Long> slotLagBytes, String error) {
    }

    static PostgresServers of(CoreContext ctx) {
        return new RegisteredServers(ctx.tenantDatabases(), ctx.infrastructure() == null ? null : ctx.infrastructure().pg(),
                ctx.tenants());
    }
}
