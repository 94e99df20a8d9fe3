package io.omniglass.core.lifecycle;

import io.omniglass.api.RetentionInfo;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.http.HttpParams;
import org.jooq.DSLContext;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.COLD_FILE;
import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.SYSTEM;

/**
 * <ul>
 *   <li>{@code GET /api/v1/tenants/{t}/retention?table=&type=&owner=}: the resolved policies (each
 *       table's, each override's, or the one asked for), every value with its source.</li>
 *   <li>{@code PUT /api/v1/tenants/{t}/retention} {@code {"table", "type"|"owner", "hot", "keep", "tier"}}:
 *       set one level of the cascade (admin, tenant-wide token, audited); null values inherit.</li>
 *   <li>{@code POST /api/v1/tenants/{t}/maintenance}: partition upkeep now (admin).</li>
 *   <li>{@code GET /api/v1/tenants/{t}/storage}: hot and cold sizes per table.</li>
 * </ul>
 */
final class LifecycleRoutes {

    private LifecycleRoutes() {
    }

    /** The body of a PUT. */
    record RetentionRequest(String table, String type, String owner, String hot, String keep, String tier) {
    }

    static void register(Javalin app, Gateway gateway, LifecycleModule module) {
        app.get("/api/v1/tenants/{t}/retention", ctx -> show(ctx, gateway));
        app.put("/api/v1/tenants/{t}/retention", ctx -> set(ctx, gateway));
        app.post("/api/v1/tenants/{t}/maintenance", ctx -> maintain(ctx, gateway, module));
        app.get("/api/v1/tenants/{t}/storage", ctx -> StorageReport.answer(ctx, gateway));
        AggregateRoutes.register(app, gateway);
        SecretExpiry.register(app, gateway);

    }

    private static RetentionCascade cascade(Gateway gateway, GatewaySession s) {
        return s.read(tx -> RetentionStore.load(gateway.core().control(), tx));
    }

    private static void show(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ENTITIES);
        s.requireTenantWideScope(); // the levels name owners anywhere in the tenant
        RetentionCascade cascade = cascade(gateway, s);
        String table = ctx.queryParam("table");
        String type = blankToNull(ctx.queryParam("type"));
        String owner = blankToNull(ctx.queryParam("owner"));
        List<RetentionInfo.Policy> policies = new ArrayList<>();
        try {
            if (table != null && !table.isBlank()) {
                policies.add(json(cascade.resolve(table, type, owner)));
            } else if (type != null || owner != null) {
                throw ApiException.badRequest("'type' and 'owner' narrow a 'table'; name the table too");
            } else {
                for (String t : RetentionCascade.TABLES) {
                    cascade.allFor(t).forEach(p -> policies.add(json(p)));
                }
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ctx.json(new RetentionInfo(policies, cascade.levels().stream().map(RetentionStore::describe).toList()));
    }

    private static void set(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.ADMIN);
        s.requireTenantWideScope();
        RetentionRequest req = HttpParams.body(ctx, RetentionRequest.class,
                "{\"table\": \"metric_datapoint\", \"type\": null, \"owner\": null, \"hot\": \"7d\", \"keep\": \"90d\", \"tier\": \"parquet\"}");
        RetentionLevel level;
        try {
            if (req.table() == null) {
                throw new IllegalArgumentException("'table' is required: one of " + RetentionCascade.TABLES);
            }
            RetentionCascade.requireTable(req.table());
            String type = blankToNull(req.type());
            String owner = blankToNull(req.owner());
            if ((type != null || owner != null) && !RetentionCascade.DATAPOINT_TABLES.contains(req.table())) {
                throw new IllegalArgumentException("class and owner overrides apply to the datapoint tables only");
            }
            level = new RetentionLevel(req.table(), type, owner,
                    req.hot() == null ? null : RetentionDuration.parse(req.hot()),
                    req.keep() == null ? null : RetentionDuration.parse(req.keep()),
                    req.tier() == null ? null : Tier.parse(req.tier()));
            s.read(tx -> {
                requireKnown(tx, level);
                return null;
            });
            RetentionStore.set(s, level);
            // committed: this instance's sink and rules follow at once (other instances by the CDC feed)
            gateway.core().acceptedWindows().retentionChanged(s.tenant().slug());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ctx.json(json(cascade(gateway, s).resolve(level.table(), level.type(), level.owner())));
    }

    /** A class or owner that does not exist is a typo, not a policy. */
    static void requireKnown(DSLContext tx, RetentionLevel l) {
        if (l.type() != null && !tx.fetchExists(DATAPOINT_TYPE, DATAPOINT_TYPE.NAME.eq(l.type()))) {
            throw new IllegalArgumentException("no datapoint type '" + l.type() + "'");
        }
        if (l.owner() != null && !l.owner().equals("global")) {
            String[] p = l.owner().split(":", 2);
            boolean known = p.length == 2 && switch (p[0]) {
                case "component" -> tx.fetchExists(COMPONENT, COMPONENT.NAME.eq(p[1]));
                case "system" -> tx.fetchExists(SYSTEM, SYSTEM.NAME.eq(p[1]));
                case "location" -> tx.fetchExists(LOCATION, LOCATION.NAME.eq(p[1]));
                case "node" -> tx.fetchExists(NODE, NODE.NAME.eq(p[1]));
                default -> throw new IllegalArgumentException("an owner is component:NAME, system:NAME, location:NAME, node:NAME or global");
            };
            if (!known) {
                throw new IllegalArgumentException("no owner '" + l.owner() + "'");
            }
        }
    }

    private static void maintain(Context ctx, Gateway gateway, LifecycleModule module) throws Exception {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.ADMIN);
        s.requireTenantWideScope();
        var report = module.maintain(s.tenant(), Instant.now());
        if (report.isEmpty()) {
            throw new ApiException(409, "conflict", "another core is running the upkeep of " + s.tenant().slug() + " now");
        }
        ctx.json(report.get());
    }

    static RetentionInfo.Policy json(ResolvedRetention p) {
        return new RetentionInfo.Policy(p.table(), p.type(), p.owner(), RetentionDuration.format(p.hot()), p.hotFrom(),
                RetentionDuration.format(p.keep()), p.keepFrom(), p.tier().name(), p.tierFrom());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
