package io.omniglass.core.alarms;

import io.omniglass.core.gateway.AuditActor;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.api.AlarmCommand;
import io.omniglass.api.AlarmInfo;
import io.omniglass.api.AlarmPage;
import io.omniglass.api.AlarmResult;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Filter;
import io.omniglass.core.gateway.FilterFields;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import org.jooq.Condition;

import java.io.IOException;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;

/**
 * Alarms over HTTP, through the Storage Gateway (scope, role, row-level security, telemetry):
 * list (filter, keyset pages), one alarm, {@code /alarms/{id}:ack|:snooze|:unsnooze} and bulk
 * {@code /alarms:ack|:snooze} with a result per id.
 */
public final class AlarmRoutes {

    private static final String BASE = "/api/v1/tenants/{t}/alarms";

    /** The alarm filter fields: the gateway's alarm fields plus the rule's name. */
    static final FilterFields FIELDS = FilterFields.builder()
            .number("id", ALARM.ID)
            .text("owner", ALARM.OWNER)
            .enumeration("owner_kind", ALARM.OWNER_KIND)
            .enumeration("state", ALARM.STATE)
            .enumeration("severity", ALARM.SEVERITY)
            .text("message", ALARM.MESSAGE)
            .number("event_rule_id", ALARM.EVENT_RULE_ID)
            .text("rule", EVENT_RULE.NAME)
            .bool("acked", ALARM.ACKED)
            .text("acked_by", ALARM.ACKED_BY)
            .timestamp("raised_at", ALARM.RAISED_AT)
            .timestamp("cleared_at", ALARM.CLEARED_AT)
            .timestamp("snoozed_until", ALARM.SNOOZED_UNTIL)
            .timestamp("updated_at", ALARM.UPDATED_AT)
            .build();

    private AlarmRoutes() {
    }

    public static void register(Javalin app, CoreContext core) {
        app.get(BASE, ctx -> {
            GatewaySession s = session(ctx, core, Action.READ_ALARMS);
            int limit = Keyset.limit(ctx.queryParam("limit"), 100, 1000);
            Keyset keyset = Keyset.ascending(ALARM.ID);
            Condition where = Filter.parse(ctx.queryParam("filter"), FIELDS)
                    .and(keyset.after(ctx.queryParam("after")))
                    .and(s.visible(OwnerColumns.ALARM_OWNER));
            List<AlarmInfo> rows = AlarmService.scoped(s).list(where, limit + 1);
            String next = null;
            if (rows.size() > limit) {
                rows = rows.subList(0, limit);
                next = Keyset.cursor(rows.get(limit - 1).id());
            }
            ctx.json(new AlarmPage(rows, next));
        });
        // Javalin has no "{id}:verb" segments: the segment is taken whole and split here
        app.get(BASE + "/{idAction}", ctx -> {
            GatewaySession s = session(ctx, core, Action.READ_ALARMS);
            long id = id(ctx.pathParam("idAction"));
            ctx.json(AlarmService.scoped(s).get(id, s.visible(OwnerColumns.ALARM_OWNER))
                    .orElseThrow(() -> ApiException.notFound("no alarm " + id)));
        });
        app.post(BASE + "/{idAction}", ctx -> {
            String[] parts = ctx.pathParam("idAction").split(":", 2);
            if (parts.length != 2) {
                throw ApiException.notFound("use /alarms/{id}:ack, :snooze or :unsnooze");
            }
            Action action = switch (parts[1]) {
                case "ack" -> Action.ACK;
                case "snooze", "unsnooze" -> Action.SNOOZE;
                default -> throw ApiException.notFound("unknown alarm operation '" + parts[1] + "': use ack, snooze or unsnooze");
            };
            GatewaySession s = session(ctx, core, action);
            long id = id(parts[0]);
            AlarmCommand cmd = body(ctx);
            AlarmService alarms = AlarmService.scoped(s);
            Condition visible = s.visible(OwnerColumns.ALARM_OWNER);
            AuditActor actor = AuditActor.of(s.principal());
            AlarmResult result = switch (parts[1]) {
                case "ack" -> alarms.ack(id, cmd.reason(), actor, visible);
                case "snooze" -> alarms.snooze(id, cmd.until(), cmd.reason(), actor, visible);
                default -> alarms.unsnooze(id, actor, visible);
            };
            if (result.status() != 200) {
                throw new ApiException(result.status(), result.status() == 404 ? "not found" : "bad request", result.error());
            }
            ctx.json(result.alarm());
        });
        app.post(BASE + ":ack", ctx -> {
            GatewaySession s = session(ctx, core, Action.ACK);
            AlarmCommand cmd = bulkBody(ctx);
            ctx.json(AlarmService.scoped(s).ackAll(cmd.ids(), cmd.reason(), AuditActor.of(s.principal()), s.visible(OwnerColumns.ALARM_OWNER)));
        });
        app.post(BASE + ":snooze", ctx -> {
            GatewaySession s = session(ctx, core, Action.SNOOZE);
            AlarmCommand cmd = bulkBody(ctx);
            // a request that cannot succeed for any alarm is the caller's mistake, not a per-item one
            AlarmService.checkSnooze(0, cmd.until(), cmd.reason()).ifPresent(bad -> {
                throw ApiException.badRequest(bad.error());
            });
            ctx.json(AlarmService.scoped(s).snoozeAll(cmd.ids(), cmd.until(), cmd.reason(), AuditActor.of(s.principal()),
                    s.visible(OwnerColumns.ALARM_OWNER)));
        });
    }

    private static GatewaySession session(Context ctx, CoreContext core, Action action) {
        return Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), action);
    }

    private static long id(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("alarm id must be a number, not '" + s + "'");
        }
    }

    private static AlarmCommand body(Context ctx) throws IOException {
        if (ctx.body().isBlank()) {
            return new AlarmCommand(null, null, null);
        }
        AlarmCommand c = OmniglassClient.JSON.readValue(ctx.body(), AlarmCommand.class);
        return c == null ? new AlarmCommand(null, null, null) : c;
    }

    private static AlarmCommand bulkBody(Context ctx) throws IOException {
        AlarmCommand c = body(ctx);
        if (c.ids() == null || c.ids().isEmpty()) {
            throw ApiException.badRequest("ids is required: {\"ids\": [1, 2, ...]}");
        }
        if (c.ids().size() > 1000) {
            throw ApiException.badRequest("at most 1000 ids per request");
        }
        return c;
    }
}
