package io.omniglass.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import io.javalin.router.ParsedEndpoint;
import io.nats.client.Connection;
import io.omniglass.api.ApiError;
import io.omniglass.api.CreateTenantRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.gateway.FilterException;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayException;
import org.jooq.exception.DataAccessException;
import io.omniglass.core.tenancy.Tenant;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The HTTP API: JSON, bearer tokens, errors as {"error", "detail"}, never a stack trace. */
public final class HttpApi {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private HttpApi() {
    }

    public static Javalin create(CoreContext core, List<CoreModule> modules) {
        io.omniglass.core.tenancy.TenantStartup none = new io.omniglass.core.tenancy.TenantStartup();
        none.finish();
        return create(core, modules, none);
    }

    /** With {@code startup}: the tenants it still brings up answer 503 "starting", and /healthz tells the progress. */
    public static Javalin create(CoreContext core, List<CoreModule> modules, io.omniglass.core.tenancy.TenantStartup startup) {
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(OmniglassClient.JSON, false));
            cfg.http.maxRequestSize = 16L * 1024 * 1024;
            // long filters must reach the filter parser (a 400 that names the limit), not die as a 431/414
            cfg.jetty.modifyHttpConfiguration(hc -> hc.setRequestHeaderSize(64 * 1024));
            if (core.config().httpTls()) {
                // the only connector: with TLS configured the API never answers in plain text
                cfg.jetty.addConnector((server, http) -> HttpsConnector.create(server, http, core.config()));
            }
        });

        app.before("/api/*", ctx -> {
            if (!ctx.path().equals(GatewayRoutes.OPENAPI_PATH)) {
                Auth.authenticate(ctx, core.tokens());
            }
        });

        app.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.error(), e.getMessage()));
        app.exception(Tenant.InvalidTenantException.class, (e, ctx) -> error(ctx, 400, "bad request", e.getMessage()));
        app.exception(JsonProcessingException.class, (e, ctx) -> error(ctx, 400, "bad request", "malformed JSON: " + e.getOriginalMessage()));
        app.exception(JsonMappingException.class, (e, ctx) -> error(ctx, 400, "bad request", "malformed JSON: " + e.getOriginalMessage()));
        app.exception(GatewayException.class, (e, ctx) -> {
            switch (e.kind()) {
                case INVALID -> error(ctx, 400, "bad request", e.getMessage());
                case DENIED -> error(ctx, 403, "forbidden", e.getMessage());
                case NOT_FOUND -> error(ctx, 404, "not found", e.getMessage());
            }
        });
        app.exception(FilterException.class, (e, ctx) -> error(ctx, 400, "bad filter", e.getMessage()));
        app.exception(DataAccessException.class, (e, ctx) -> DatabaseErrors.answer(ctx, e));
        app.exception(java.time.DateTimeException.class, (e, ctx) -> error(ctx, 400, "bad request", "a time is out of range: " + e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            Throwable cause = e.getCause();
            if (cause instanceof JsonProcessingException jpe) {
                error(ctx, 400, "bad request", "malformed JSON: " + jpe.getOriginalMessage());
                return;
            }
            if (cause instanceof java.sql.SQLException se && se.getSQLState() != null
                    && (se.getSQLState().startsWith("08") && !"08004".equals(se.getSQLState()) || se.getSQLState().startsWith("57P0"))) {
                DatabaseErrors.unavailable(ctx);
                return;
            }
            if (cause instanceof java.sql.SQLTransientConnectionException) {
                error(ctx, 503, "busy", "every database connection for requests is in use; try again shortly");
                return;
            }
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error", "the request failed on the server; see the core log");
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                error(ctx, 404, "not found", "no such resource: " + ctx.path());
            }
        });
        app.error(405, ctx -> error(ctx, 405, "method not allowed", ctx.method() + " " + ctx.path()));

        app.before("/api/v1/tenants/{t}/*", ctx -> {
            String slug = ctx.pathParam("t");
            if (!startup.finished() && startup.isStarting(slug)) {
                ctx.header("Retry-After", "5");
                throw new ApiException(503, "starting", "tenant " + slug + " is starting on this core ("
                        + startup.pending() + " of " + startup.total() + " tenants still coming up); retry shortly");
            }
        });
        app.get("/healthz", ctx -> health(ctx, core, startup));
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(MetricsAccess.visible(core.metrics().scrape(), Auth.optional(ctx, core.tokens()))));

        app.get("/api/v1/tenants", ctx -> {
            Principal p = Auth.principal(ctx);
            ctx.json(core.tenants().list().stream()
                    .filter(t -> p.canSeeTenant(t.slug()))
                    .map(HttpApi::info)
                    .toList());
        });
        app.post("/api/v1/tenants", ctx -> {
            Principal p = Auth.require(ctx, Role.admin);
            if (p.tenant().isPresent()) {
                throw ApiException.forbidden("a tenant-bound token cannot provision tenants");
            }
            CreateTenantRequest req = HttpParams.body(ctx, CreateTenantRequest.class, "{\"slug\": \"...\", \"name\": \"...\"}");
            if (req.slug() == null) {
                throw ApiException.badRequest("body must be {\"slug\": \"...\", \"name\": \"...\"}");
            }
            Tenant.requireValidSlug(req.slug());
            if (core.tenants().find(req.slug()).isPresent()) {
                throw ApiException.conflict("tenant '" + req.slug() + "' already exists");
            }
            Tenant t = core.provisioner().create(req.slug(), req.name(), Optional.ofNullable(req.server()), io.omniglass.core.gateway.AuditActor.of(p));
            ctx.status(HttpStatus.CREATED).json(info(t));
        });
        TokenRoutes.register(app, core);
        ServerRoutes.register(app, core);

        app.post("/api/v1/admin/migrate", ctx -> {
            Principal p = Auth.require(ctx, Role.admin);
            if (p.tenant().isPresent()) {
                throw ApiException.forbidden("a tenant-bound token cannot migrate");
            }
            int n = 0;
            for (Tenant t : core.tenants().list()) {
                if (t.active()) {
                    core.provisioner().converge(t);
                    n++;
                }
            }
            ctx.json(Map.of("tenants", n));
        });

        // the resources every core serves through its gateway (entities, current values, history,
        // audit, variables), like the tenants and tokens above; the gateway itself knows nothing of HTTP
        GatewayRoutes.register(app, Gateway.forCore(core));
        for (CoreModule m : modules) {
            m.routes(app, core);
        }
        return app;
    }

    /** The endpoints registered on {@code app}, as "METHOD /path" in Javalin's path syntax; filters left out. */
    public static List<String> routes(Javalin app) {
        return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
                .map(ParsedEndpoint::getEndpoint)
                .filter(e -> e.getMethod().isHttpMethod())
                .map(e -> e.getMethod().name() + " " + e.getPath())
                .toList();
    }

    private static void health(Context ctx, CoreContext core, io.omniglass.core.tenancy.TenantStartup startup) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean pgOk;
        try {
            pgOk = core.control().select(DSL.inline(1)).fetchOne() != null;
        } catch (RuntimeException e) {
            pgOk = false;
        }
        boolean natsOk = core.nats().getStatus() == Connection.Status.CONNECTED;
        boolean up = startup.finished();
        List<String> serversDown = core.serverStates().down().stream()
                .map(io.omniglass.core.tenancy.ServerStates.State::server).toList();
        boolean impaired = !serversDown.isEmpty();
        body.put("status", !(pgOk && natsOk) || impaired ? "degraded" : up ? "ok" : "starting");
        body.put("postgres", pgOk ? "ok" : "unreachable");
        body.put("nats", natsOk ? "ok" : core.nats().getStatus().name().toLowerCase());
        body.put("instance", core.instanceId());
        if (!up) { // 503 until every tenant is up, so whoever waits for a ready core waits for its fleet
            body.put("tenants_starting", startup.pending());
            body.put("tenants", startup.total());
        }
        if (impaired) {
            impairment(ctx, core, serversDown, body);
        }
        // a tenant server down leaves the core serving every other tenant (and every core shares
        // that server): 200 "degraded", so a load balancer keeps it; its own Postgres or NATS down is 503
        ctx.status(pgOk && natsOk && up ? 200 : 503).json(body);
    }

    /**
     * Which servers are down and whose tenants wait: server names always (they name no customer),
     * the tenants themselves only to a token that may see them (as in /metrics), else a count.
     */
    private static void impairment(Context ctx, CoreContext core, List<String> serversDown, Map<String, Object> body) {
        body.put("servers_impaired", serversDown);
        List<String> tenants = core.tenants().list().stream()
                .filter(t -> t.active() && serversDown.contains(t.server()))
                .map(Tenant::slug)
                .toList();
        Optional<Principal> p = Auth.optional(ctx, core.tokens());
        List<String> visible = p.map(pr -> tenants.stream().filter(pr::canSeeTenant).toList()).orElse(List.of());
        body.put("tenants_impaired_count", tenants.size());
        body.put("tenants_impaired", visible);
    }

    static TenantInfo info(Tenant t) {
        return new TenantInfo(t.slug(), t.displayName(), t.status(), t.createdAt(), t.server());
    }

    public static void error(Context ctx, int status, String error, String detail) {
        ctx.status(status).json(new ApiError(error, detail));
    }
}
