package io.omniglass.core.alarms;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.api.AlarmCommand;
import io.omniglass.api.AlarmInfo;
import io.omniglass.api.AlarmPage;
import io.omniglass.api.AlarmResult;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.rules.TenantRequest;
import org.jooq.Condition;
import org.jooq.impl.DSL;

import java.util.List;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.SYSTEM;

/**
 * Alarms over HTTP: list (filter, keyset pages), one alarm, and the operations
 * {@code /alarms/{id}:ack|:snooze|:unsnooze} and bulk {@code /alarms:ack|:snooze}.
 */
public final class AlarmRoutes {

    private static final String BASE = "/api/v1/tenants/{t}/alarms";

    private AlarmRoutes() {
    }

    public static void register(Javalin app, CoreContext core) {
        app.get(BASE, ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.viewer);
            int limit = TenantRequest.limit(ctx, 100, 1000);
            String after = ctx.queryParam("after");
            Condition where;
            try {
                where = AlarmFilter.parse(ctx.queryParam("filter"));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            List<AlarmInfo> items = new AlarmService(r.db()).list(where.and(visible(r.principal())),
                    after == null || after.isBlank() ? null : TenantRequest.id(after, "after"), limit);
            String next = items.size() == limit ? String.valueOf(items.get(items.size() - 1).id()) : null;
            ctx.json(new AlarmPage(items, next));
        });
        // Javalin has no "{id}:verb" segments: the segment is split here
        app.get(BASE + "/{idAction}", ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.viewer);
            long id = TenantRequest.id(ctx.pathParam("idAction"), "alarm id");
            ctx.json(new AlarmService(r.db()).get(id, visible(r.principal()))
                    .orElseThrow(() -> ApiException.notFound("no alarm " + id)));
        });
        app.post(BASE + "/{idAction}", ctx -> {
            String[] parts = ctx.pathParam("idAction").split(":", 2);
            if (parts.length != 2) {
                throw ApiException.notFound("use /alarms/{id}:ack, :snooze or :unsnooze");
            }
            TenantRequest r = TenantRequest.of(ctx, core, Role.operator);
            long id = TenantRequest.id(parts[0], "alarm id");
            AlarmCommand cmd = body(ctx);
            AlarmService alarms = new AlarmService(r.db());
            Condition visible = visible(r.principal());
            AlarmResult result = switch (parts[1]) {
                case "ack" -> alarms.ack(id, cmd.reason(), r.actor(), visible);
                case "snooze" -> alarms.snooze(id, cmd.until(), cmd.reason(), r.actor(), visible);
                case "unsnooze" -> alarms.unsnooze(id, r.actor(), visible);
                default -> throw ApiException.notFound("unknown alarm operation '" + parts[1] + "': use ack, snooze or unsnooze");
            };
            if (result.status() != 200) {
                throw new ApiException(result.status(), result.status() == 404 ? "not found" : "bad request", result.error());
            }
            ctx.json(result.alarm());
        });
        app.post(BASE + ":ack", ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.operator);
            AlarmCommand cmd = bulkBody(ctx);
            ctx.json(new AlarmService(r.db()).ackAll(cmd.ids(), cmd.reason(), r.actor(), visible(r.principal())));
        });
        app.post(BASE + ":snooze", ctx -> {
            TenantRequest r = TenantRequest.of(ctx, core, Role.operator);
            AlarmCommand cmd = bulkBody(ctx);
            // a request that cannot succeed for any alarm is the caller's mistake, not a per-item one
            AlarmService.checkSnooze(0, cmd.until(), cmd.reason()).ifPresent(bad -> {
                throw ApiException.badRequest(bad.error());
            });
            ctx.json(new AlarmService(r.db()).snoozeAll(cmd.ids(), cmd.until(), cmd.reason(), r.actor(), visible(r.principal())));
        });
    }

    private static AlarmCommand body(Context ctx) throws java.io.IOException {
        if (ctx.body().isBlank()) {
            return new AlarmCommand(null, null, null);
        }
        AlarmCommand c = io.omniglass.api.OmniglassClient.JSON.readValue(ctx.body(), AlarmCommand.class);
        return c == null ? new AlarmCommand(null, null, null) : c;
    }

    private static AlarmCommand bulkBody(Context ctx) throws java.io.IOException {
        AlarmCommand c = body(ctx);
        if (c.ids() == null || c.ids().isEmpty()) {
            throw ApiException.badRequest("ids is required: {\"ids\": [1, 2, ...]}");
        }
        if (c.ids().size() > 1000) {
            throw ApiException.badRequest("at most 1000 ids per request");
        }
        return c;
    }

    /**
     * The alarms a token may see and change. A location- or system-scoped token sees alarms of
     * that location or system and of the components and nodes directly in it.
     */
    static Condition visible(Principal p) {
        if (p.scopeName().isEmpty()) {
            return DSL.trueCondition();
        }
        String name = p.scopeName().get();
        return switch (p.scopeKind()) {
            case tenant -> DSL.trueCondition();
            case system -> ALARM.SYSTEM_ID.eq(name)
                    .or(ALARM.COMPONENT_ID.in(DSL.select(COMPONENT.NAME).from(COMPONENT).where(COMPONENT.SYSTEM.eq(name))));
            case location -> ALARM.LOCATION_ID.eq(name)
                    .or(ALARM.COMPONENT_ID.in(DSL.select(COMPONENT.NAME).from(COMPONENT).where(COMPONENT.LOCATION.eq(name))))
                    .or(ALARM.SYSTEM_ID.in(DSL.select(SYSTEM.NAME).from(SYSTEM).where(SYSTEM.LOCATION.eq(name))))
                    .or(ALARM.NODE_ID.in(DSL.select(NODE.NAME).from(NODE).where(NODE.LOCATION.eq(name))));
        };
    }
}
