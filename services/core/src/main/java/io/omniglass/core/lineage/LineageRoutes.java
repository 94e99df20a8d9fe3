package io.omniglass.core.lineage;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;

/**
 * {@code GET /api/v1/tenants/{t}/lineage/{kind}/{series}/{ts}?depth=} (a datapoint) and
 * {@code GET .../lineage/{alarm|event|action}/{id}?depth=}.
 */
public final class LineageRoutes {

    private static final Set<String> RECORDS = Set.of("alarm", "event", "action");

    private LineageRoutes() {
    }

    public static void register(Javalin app, CoreContext core) {
        app.get("/api/v1/tenants/{t}/lineage/{kind}/{series}/{ts}", ctx -> {
            GatewaySession s = session(ctx, core);
            String kind = ctx.pathParam("kind");
            if (!Set.of("metric", "state", "log").contains(kind)) {
                throw ApiException.badRequest("kind must be metric, state or log");
            }
            long series = number(ctx.pathParam("series"), "series");
            Instant ts;
            try {
                ts = Instant.parse(ctx.pathParam("ts"));
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("ts must be an ISO-8601 instant, e.g. 2026-11-21T07:00:00.123456Z");
            }
            if (!io.omniglass.core.gateway.StorableTime.storable(ts)) {
                throw ApiException.badRequest("ts must be a time " + io.omniglass.core.gateway.StorableTime.range());
            }
            String root = Lineage.datapointId(kind, series, ts);
            int depth = depth(ctx);
            ctx.json(s.read(tx -> new Lineage(tx).walk(root, depth))
                    .orElseThrow(() -> ApiException.notFound("no " + kind + " datapoint of series " + series + " at " + ts)));
        });
        app.get("/api/v1/tenants/{t}/lineage/{type}/{id}", ctx -> {
            GatewaySession s = session(ctx, core);
            String type = ctx.pathParam("type");
            if (!RECORDS.contains(type)) {
                throw ApiException.badRequest("lineage starts at a datapoint (kind/series/ts), an alarm, an event or an action");
            }
            long id = number(ctx.pathParam("id"), type + " id");
            int depth = depth(ctx);
            ctx.json(s.read(tx -> new Lineage(tx).walk(type + ":" + id, depth))
                    .orElseThrow(() -> ApiException.notFound("no " + type + " " + id)));
        });
    }

    /**
     * A scoped read: row-level security under the session hides series, events, alarms, actions
     * and datapoints outside the token's scope, so the walk stops at the scope's edge.
     */
    private static GatewaySession session(Context ctx, CoreContext core) {
        return Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_LINEAGE);
    }

    private static long number(String s, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(what + " must be a number");
        }
    }

    private static int depth(Context ctx) {
        String d = ctx.queryParam("depth");
        if (d == null || d.isBlank()) {
            return 3;
        }
        try {
            int n = Integer.parseInt(d.trim());
            if (n < 1 || n > Lineage.MAX_DEPTH) {
                throw ApiException.badRequest("depth must be between 1 and " + Lineage.MAX_DEPTH);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("depth must be a number");
        }
    }
}
