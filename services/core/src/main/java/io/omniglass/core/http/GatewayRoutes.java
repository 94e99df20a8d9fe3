package io.omniglass.core.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.core.access.Principal;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.secrets.SecretKeys;
import io.omniglass.core.telemetry.LatencyHeatmaps;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/** The gateway-backed endpoints of CONTRACT.md's HTTP table. */
public final class GatewayRoutes {

    public static final String OPENAPI_PATH = "/api/v1/openapi.json";
    private static volatile byte[] openApi;

    private GatewayRoutes() {
    }

    public static void register(Javalin app, Gateway gateway) {
        app.get("/api/v1/tenants/{t}/entities", ctx -> EntityRoutes.list(ctx, gateway));
        app.post("/api/v1/tenants/{t}/entities", ctx -> EntityRoutes.create(ctx, gateway));
        app.get("/api/v1/tenants/{t}/datapoint-types", ctx -> EntityRoutes.listTypes(ctx, gateway));
        app.post("/api/v1/tenants/{t}/datapoint-types", ctx -> EntityRoutes.createType(ctx, gateway));
        app.get("/api/v1/tenants/{t}/current-values", ctx -> CurrentValueRoutes.list(ctx, gateway));
        app.get("/api/v1/tenants/{t}/stats", ctx -> TenantStatsRoutes.stats(ctx, gateway));
        app.get("/api/v1/tenants/{t}/series/{id}/datapoints", ctx -> HistoryRoutes.history(ctx, gateway));
        app.get("/api/v1/tenants/{t}/audit-log", ctx -> AuditRoutes.list(ctx, gateway));
        VariableRoutes.register(app, gateway, SecretKeys.load(gateway.core().config().secretKey(), gateway.core().dataDir()));
        app.get("/api/v1/tenants/{t}/live", ctx -> LiveFeed.handle(ctx, gateway));
        app.get("/api/v1/latency-heatmap", ctx -> heatmap(ctx, gateway));
        app.get(OPENAPI_PATH, GatewayRoutes::openApi);
    }

    /** Admin (all tenants) sees any tenant or all; a tenant-bound token only its own tenant. */
    static void heatmap(Context ctx, Gateway gateway) {
        Principal p = Auth.principal(ctx);
        String tenant = ctx.queryParam("tenant");
        if (tenant != null && tenant.isEmpty()) {
            tenant = null;
        }
        Optional<String> scope;
        if (p.tenant().isPresent()) {
            if (tenant != null && !tenant.equals(p.tenant().get())) {
                throw ApiException.notFound("no such tenant");
            }
            scope = p.tenant();
        } else {
            if (tenant != null) {
                gateway.visibleTenant(p, tenant);
            }
            scope = Optional.ofNullable(tenant);
        }
        int hours = HttpParams.intParam(ctx, "hours", 24, 1, 168);
        String action = ctx.queryParam("action");
        if (action != null && !action.matches("[a-z_]{1,40}")) {
            throw ApiException.badRequest("action must be an action label like read_current_values");
        }
        ctx.json(LatencyHeatmaps.build(gateway.core().control(), gateway.telemetry(), scope,
                Optional.ofNullable(action).filter(a -> !a.isEmpty()), hours));
    }

    static void openApi(Context ctx) {
        byte[] doc = openApi;
        if (doc == null) {
            try (InputStream in = GatewayRoutes.class.getResourceAsStream("/io/omniglass/core/http/openapi.json")) {
                if (in == null) {
                    throw new IllegalStateException("openapi.json missing from the core's resources");
                }
                doc = in.readAllBytes();
                openApi = doc;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ctx.contentType("application/json").result(doc);
    }
}
