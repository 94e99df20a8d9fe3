package io.omniglass.core.alarms;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.api.AlarmJournal;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.http.HttpParams;

import java.time.OffsetDateTime;

import static io.omniglass.schema.tenant.Tables.ALARM;

/**
 * {@code GET /alarms/{id}/journal?from=&to=&limit=} (one alarm: 404 outside the caller's scope)
 * and {@code GET /alarms/journal?owner=&rule=&operator=&from=&to=&limit=} (every alarm the caller
 * can see). Registered before {@code /alarms/{id}}, which would take "journal" for an id.
 */
final class AlarmJournalRoutes {

    private static final String BASE = "/api/v1/tenants/{t}/alarms";
    static final int DEFAULT_LIMIT = 500;
    static final int MAX_LIMIT = 5000;

    private AlarmJournalRoutes() {
    }

    static void register(Javalin app, CoreContext core) {
        app.get(BASE + "/journal", ctx -> {
            GatewaySession s = session(ctx, core);
            AlarmJournalQuery.Query q = new AlarmJournalQuery.Query(s.visible(OwnerColumns.ALARM_OWNER), null,
                    text(ctx, "owner"), text(ctx, "rule"), text(ctx, "operator"), from(ctx), to(ctx), limit(ctx));
            ctx.json(s.read(tx -> AlarmJournalQuery.read(tx, q)));
        });
        app.get(BASE + "/{id}/journal", ctx -> {
            GatewaySession s = session(ctx, core);
            long id = HttpParams.pathLong(ctx, "id");
            AlarmJournalQuery.Query q = new AlarmJournalQuery.Query(s.visible(OwnerColumns.ALARM_OWNER), id,
                    null, null, text(ctx, "operator"), from(ctx), to(ctx), limit(ctx));
            AlarmJournal journal = s.read(tx -> {
                if (!tx.fetchExists(ALARM, ALARM.ID.eq(id).and(s.visible(OwnerColumns.ALARM_OWNER)))) {
                    throw ApiException.notFound("no alarm " + id);
                }
                return AlarmJournalQuery.read(tx, q);
            });
            ctx.json(journal);
        });
    }

    private static GatewaySession session(Context ctx, CoreContext core) {
        return Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ALARMS);
    }

    private static OffsetDateTime from(Context ctx) {
        return HttpParams.time(ctx, "from", null);
    }

    private static OffsetDateTime to(Context ctx) {
        OffsetDateTime to = HttpParams.time(ctx, "to", null);
        OffsetDateTime from = from(ctx);
        if (from != null && to != null && !to.isAfter(from)) {
            throw ApiException.badRequest("'to' must be after 'from'");
        }
        return to;
    }

    private static int limit(Context ctx) {
        return HttpParams.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    }

    private static String text(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        if (v.length() > 512) {
            throw ApiException.badRequest("'" + name + "' is longer than 512 characters");
        }
        return v.trim();
    }
}
