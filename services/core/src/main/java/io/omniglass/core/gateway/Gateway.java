package io.omniglass.core.gateway;

import io.micrometer.core.instrument.Timer;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Principal;
import io.omniglass.core.telemetry.LatencyTelemetry;
import io.omniglass.core.tenancy.Tenant;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Storage Gateway: the one door to the tenant databases. See {@code package-info.java} for
 * how an endpoint uses it.
 * <ul>
 *   <li>{@link #scoped(Principal, String, Action)}: a request. 404 when the tenant is not the
 *       token's (the message names nothing), 403 when the role lacks the action; the session's
 *       transactions run as the row-level-security role with the principal's scope.</li>
 *   <li>{@link #system(Tenant, SystemPurpose)}: the core's own work (sink, rules, lifecycle, ...):
 *       no scope, timed under its purpose; the session also lends the carve-outs jOOQ does not
 *       express ({@link GatewaySession#dsl()} for work that runs its own transactions,
 *       {@link GatewaySession#connection()} for COPY and DDL).</li>
 * </ul>
 * One gateway per core ({@link #forCore(CoreContext)}), shared by every module.
 */
public final class Gateway {

    private static final Map<CoreContext, Gateway> BY_CORE = new IdentityHashMap<>();
    private static final long TENANT_CACHE_MILLIS = 5_000;

    private final CoreContext core;
    private final LatencyTelemetry telemetry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, CachedTenant> tenants = new ConcurrentHashMap<>();

    private record CachedTenant(Optional<Tenant> tenant, long at) {
    }

    private Gateway(CoreContext core) {
        this.core = core;
        this.telemetry = new LatencyTelemetry(core.control(), core.instanceId(), 60);
    }

    /** The gateway of this core (created on first use). */
    public static Gateway forCore(CoreContext core) {
        synchronized (BY_CORE) {
            return BY_CORE.computeIfAbsent(core, Gateway::new);
        }
    }

    /** Flushes the telemetry and forgets the gateway of a stopping core. */
    public static void release(CoreContext core) {
        Gateway g;
        synchronized (BY_CORE) {
            g = BY_CORE.remove(core);
        }
        if (g != null) {
            g.telemetry.close();
        }
    }

    public CoreContext core() {
        return core;
    }

    public LatencyTelemetry telemetry() {
        return telemetry;
    }

    /** A request's session: tenant visible to the principal (else 404) and role sufficient (else 403). */
    public GatewaySession scoped(Principal principal, String tenantSlug, Action action) {
        Tenant tenant = visibleTenant(principal, tenantSlug);
        requireRole(principal, action);
        return new GatewaySession(this, tenant, principal, action, VisibleSet.of(principal), true, null);
    }

    /** The core's own work on a tenant: unscoped (all rows), timed under the action. */
    public GatewaySession system(Tenant tenant, Action action) {
        Principal system = Principal.system("system");
        return new GatewaySession(this, tenant, system, action, VisibleSet.everything(), false, null);
    }

    /** The core's own work on a tenant for {@code purpose}: unscoped (all rows), on the system pool, timed under the purpose. */
    public GatewaySession system(Tenant tenant, SystemPurpose purpose) {
        return new GatewaySession(this, tenant, Principal.system(purpose.label()), Action.ADMIN, VisibleSet.everything(), false, purpose);
    }

    /** 403 unless the principal's role includes the action. */
    public static void requireRole(Principal principal, Action action) {
        if (!principal.role().atLeast(action.minimumRole())) {
            throw GatewayException.denied(action.label() + " needs the " + action.minimumRole()
                    + " role; this token has " + principal.role());
        }
    }

    /** The tenant if it exists, is active and the principal may see it; otherwise 404 naming nothing. */
    public Tenant visibleTenant(Principal principal, String slug) {
        if (slug == null || !principal.canSeeTenant(slug)) {
            throw noSuchTenant();
        }
        long now = System.currentTimeMillis();
        CachedTenant c = tenants.get(slug);
        if (c == null || now - c.at() > TENANT_CACHE_MILLIS) {
            c = new CachedTenant(Tenant.SLUG.matcher(slug).matches() ? core.tenant(slug) : Optional.empty(), now);
            if (c.tenant().isPresent()) {
                tenants.put(slug, c); // only real tenants: made-up slugs must not grow the cache
            }
        }
        return c.tenant().filter(Tenant::active).orElseThrow(Gateway::noSuchTenant);
    }

    private static GatewayException noSuchTenant() {
        return GatewayException.notFound("no such tenant");
    }

    QueryTimer timer(String tenant, Action action) {
        return new QueryTimer(telemetry, prometheusTimer(action.label()), tenant, action.label());
    }

    /** The core's own work is counted in Prometheus only: the latency heatmap stays the requests'. */
    QueryTimer timer(String tenant, SystemPurpose purpose) {
        return new QueryTimer(null, prometheusTimer(purpose.label()), tenant, purpose.label());
    }

    javax.sql.DataSource systemDataSource(Tenant tenant) {
        return core.tenantDataSource(tenant);
    }

    private Timer prometheusTimer(String label) {
        return timers.computeIfAbsent(label, a -> Timer.builder("og.gateway.query")
                .description("Storage Gateway statement latency")
                .tag("action", a)
                .register(core.metrics()));
    }
}
