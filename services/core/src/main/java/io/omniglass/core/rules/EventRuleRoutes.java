package io.omniglass.core.rules;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.omniglass.api.EventRuleInfo;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.HttpParams;
import io.omniglass.core.http.Auth;
import io.omniglass.core.lifecycle.ColdTier;

/**
 * Event-rule CRUD through the Storage Gateway: viewers read, admins with a tenant-wide token write
 * (a rule spans owners, so a location- or system-scoped token cannot edit one); every write is
 * audited in its transaction, every edit a new version.
 */
final class EventRuleRoutes {

    private static final String BASE = "/api/v1/tenants/{t}/event-rules";
    private static final String EXAMPLE = "{\"name\": \"...\", \"selector\": \"component:pump-*\", \"key\": \"...\", "
            + "\"condition\": {\"type\": \"high\", \"threshold\": 85}, \"severity\": \"error\"}";

    private EventRuleRoutes() {
    }

    static void register(Javalin app, CoreContext core, RulesModule module) {
        app.get(BASE, ctx -> {
            GatewaySession s = session(ctx, core, Action.READ_RULES);
            ctx.json(s.read(EventRuleStore::list));
        });
        app.post(BASE + ":backtest", ctx -> BacktestRoute.handle(ctx, writer(ctx, core), ColdTier.forCore(core), core.metrics()));
        app.get(BASE + "/{id}", ctx -> {
            GatewaySession s = session(ctx, core, Action.READ_RULES);
            long id = id(ctx);
            ctx.json(s.read(tx -> EventRuleStore.get(tx, id)).orElseThrow(() -> ApiException.notFound("no event rule " + id)));
        });
        app.post(BASE, ctx -> {
            GatewaySession s = writer(ctx, core);
            EventRuleRequest req = HttpParams.body(ctx, EventRuleRequest.class, EXAMPLE);
            EventRuleInfo created = write(() -> s.transaction(tx -> EventRuleStore.create(tx, req, io.omniglass.core.gateway.AuditActor.of(s.principal()))));
            module.reload(s.tenant().slug());
            ctx.status(HttpStatus.CREATED).json(created);
        });
        app.put(BASE + "/{id}", ctx -> {
            GatewaySession s = writer(ctx, core);
            long id = id(ctx);
            EventRuleRequest req = HttpParams.body(ctx, EventRuleRequest.class, EXAMPLE);
            EventRuleInfo updated = write(() -> s.transaction(tx -> EventRuleStore.update(tx, id, req, io.omniglass.core.gateway.AuditActor.of(s.principal()))))
                    .orElseThrow(() -> ApiException.notFound("no event rule " + id));
            module.reload(s.tenant().slug());
            ctx.json(updated);
        });
        app.delete(BASE + "/{id}", ctx -> {
            GatewaySession s = writer(ctx, core);
            long id = id(ctx);
            if (!s.transaction(tx -> EventRuleStore.delete(tx, id, io.omniglass.core.gateway.AuditActor.of(s.principal())))) {
                throw ApiException.notFound("no event rule " + id);
            }
            module.reload(s.tenant().slug());
            ctx.status(HttpStatus.NO_CONTENT);
        });
    }

    private static GatewaySession session(Context ctx, CoreContext core, Action action) {
        return Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), action);
    }

    private static GatewaySession writer(Context ctx, CoreContext core) {
        GatewaySession s = session(ctx, core, Action.EDIT_RULES);
        s.requireTenantWideScope();
        return s;
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id").trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("event rule id must be a number");
        }
    }

    private interface Write<T> {
        T run();
    }

    private static <T> T write(Write<T> w) {
        try {
            return w.run();
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (EventRuleStore.RuleConflictException e) {
            throw ApiException.conflict(e.getMessage());
        }
    }
}
