package io.omniglass.core.rules;

import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.omniglass.api.EventRuleInfo;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Role;
import io.omniglass.core.http.ApiException;

/** Event-rule CRUD: viewers read, admins write; every write audited, every edit a new version. */
final class EventRuleRoutes {

    private static final String BASE = "/api/v1/tenants/{t}/event-rules";

    private EventRuleRoutes() {
    }

    static void register(Javalin app, CoreContext core, RulesModule module) {
        app.get(BASE, ctx -> ctx.json(EventRuleStore.list(TenantRequest.of(ctx, core, Role.viewer).db())));
        app.get(BASE + "/{id}", ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.viewer);
            long id = TenantRequest.id(ctx.pathParam("id"), "event rule id");
            ctx.json(EventRuleStore.get(r.db(), id).orElseThrow(() -> ApiException.notFound("no event rule " + id)));
        });
        app.post(BASE, ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.admin);
            EventRuleRequest req = ctx.bodyAsClass(EventRuleRequest.class);
            EventRuleInfo created = write(() -> EventRuleStore.create(r.db(), req, r.actor()));
            module.reload(r.tenant().slug());
            ctx.status(HttpStatus.CREATED).json(created);
        });
        app.put(BASE + "/{id}", ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.admin);
            long id = TenantRequest.id(ctx.pathParam("id"), "event rule id");
            EventRuleRequest req = ctx.bodyAsClass(EventRuleRequest.class);
            EventRuleInfo updated = write(() -> EventRuleStore.update(r.db(), id, req, r.actor()))
                    .orElseThrow(() -> ApiException.notFound("no event rule " + id));
            module.reload(r.tenant().slug());
            ctx.json(updated);
        });
        app.delete(BASE + "/{id}", ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.admin);
            long id = TenantRequest.id(ctx.pathParam("id"), "event rule id");
            if (!EventRuleStore.delete(r.db(), id, r.actor())) {
                throw ApiException.notFound("no event rule " + id);
            }
            module.reload(r.tenant().slug());
            ctx.status(HttpStatus.NO_CONTENT);
        });
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
