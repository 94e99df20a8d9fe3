package io.omniglass.core.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.omniglass.api.AddServerRequest;
import io.omniglass.api.ServerInfo;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.tenancy.ServerRegistry;

import java.util.Map;

/**
 * The Postgres servers tenants are placed on: {@code GET /api/v1/servers}, {@code POST
 * /api/v1/servers} (register, after the core reached it) and {@code POST
 * /api/v1/servers/{name}:drain}, for admins of the whole deployment only (a server holds many
 * customers). Writes are audited by the registry; a password goes in and never comes out.
 */
final class ServerRoutes {

    private ServerRoutes() {
    }

    static void register(Javalin app, CoreContext core) {
        app.get("/api/v1/servers", ctx -> {
            requireDeploymentAdmin(ctx);
            ServerRegistry servers = registry(core);
            Map<String, Integer> counts = servers.tenantCounts();
            ctx.json(servers.list().stream().map(s -> info(core, s, counts)).toList());
        });
        app.post("/api/v1/servers", ctx -> {
            Principal p = requireDeploymentAdmin(ctx);
            AddServerRequest req = HttpParams.body(ctx, AddServerRequest.class,
                    "{\"name\": \"pg2\", \"jdbc_url\": \"jdbc:postgresql://HOST:5432/\", \"user\": \"...\", \"password\": \"...\", \"replica_of\": null}");
            if (req.name() == null || req.jdbcUrl() == null) {
                throw ApiException.badRequest("name and jdbc_url are required");
            }
            try {
                ServerRegistry.Server s = registry(core).add(req.name(), req.jdbcUrl(), req.user(), req.password(),
                        req.replicaOf(), io.omniglass.core.gateway.AuditActor.of(p));
                ctx.status(HttpStatus.CREATED).json(info(core, s, registry(core).tenantCounts()));
            } catch (ServerRegistry.DuplicateServerException e) {
                throw ApiException.conflict(e.getMessage());
            }
        });
        app.post("/api/v1/servers/{name}:drain", ctx -> {
            Principal p = requireDeploymentAdmin(ctx);
            String name = ctx.pathParam("name");
            ServerRegistry servers = registry(core);
            if (servers.find(name).isEmpty()) {
                throw ApiException.notFound("no server '" + name + "' is registered");
            }
            ctx.json(info(core, servers.drain(name, io.omniglass.core.gateway.AuditActor.of(p)), servers.tenantCounts()));
        });
    }

    private static Principal requireDeploymentAdmin(Context ctx) {
        Principal p = Auth.require(ctx, Role.admin);
        if (p.tenant().isPresent()) {
            throw ApiException.forbidden("a tenant-bound token cannot see or change the deployment's servers");
        }
        return p;
    }

    private static ServerRegistry registry(CoreContext core) {
        return core.provisioner().servers()
                .orElseThrow(() -> new ApiException(503, "unavailable", "this core has no server registry"));
    }

    private static ServerInfo info(CoreContext core, ServerRegistry.Server s, Map<String, Integer> counts) {
        String health = core.serverStates().isDown(s.name()) ? "down" : "up";
        return new ServerInfo(s.name(), s.jdbcUrl(), s.user(), s.primary() ? "primary" : "replica", s.replicaOf(),
                s.state(), health, counts.getOrDefault(s.name(), 0));
    }
}
