package io.omniglass.core.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.Page;
import io.omniglass.api.TokenCreated;
import io.omniglass.api.TokenInfo;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.access.TokenExpiry;
import io.omniglass.core.access.TokenService;
import io.omniglass.core.gateway.Keyset;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.omniglass.schema.control.Tables.API_TOKEN;

/**
 * The token lifecycle: {@code POST /api/v1/tokens} (issue), {@code GET /api/v1/tokens} (list) and
 * {@code POST /api/v1/tokens/{id}:revoke}, admin only. A caller issues, lists and revokes only
 * tokens no wider than its own (see {@link TokenService}).
 */
final class TokenRoutes {

    private static final Keyset KEYSET = Keyset.descending(API_TOKEN.ID);

    private TokenRoutes() {
    }

    static void register(Javalin app, CoreContext core) {
        TokenRevocations revocations = TokenRevocations.of(core);
        app.post("/api/v1/tokens", ctx -> {
            Principal p = Auth.require(ctx, Role.admin);
            CreateTokenRequest req = HttpParams.body(ctx, CreateTokenRequest.class,
                    "{\"role\": \"viewer\", \"tenant\": \"...\", \"scope\": \"location:NAME\", \"principal\": \"...\", \"expires\": \"90d\"}");
            ctx.status(HttpStatus.CREATED).json(create(core, p, req));
        });
        app.get("/api/v1/tokens", ctx -> {
            Principal p = Auth.require(ctx, Role.admin);
            int limit = Keyset.limit(ctx.queryParam("limit"), 100, 1000);
            List<TokenInfo> rows = core.tokens().list(p, KEYSET.after(ctx.queryParam("after")), limit + 1);
            String next = null;
            if (rows.size() > limit) {
                rows = rows.subList(0, limit);
                next = Keyset.cursor(rows.get(limit - 1).id());
            }
            ctx.json(new Page<>(rows, next));
        });
        app.post("/api/v1/tokens/{id}:revoke", ctx -> revoke(ctx, core, revocations));
    }

    private static void revoke(Context ctx, CoreContext core, TokenRevocations revocations) {
        Principal p = Auth.require(ctx, Role.admin);
        long id = HttpParams.pathLong(ctx, "id");
        TokenInfo t = core.tokens().revoke(p, id)
                .orElseThrow(() -> ApiException.notFound("no token " + id + " you can manage"));
        revocations.announce(id);
        ctx.json(t);
    }

    static TokenCreated create(CoreContext core, Principal caller, CreateTokenRequest req) {
        if (req.role() == null) {
            throw ApiException.badRequest("role is required (viewer, operator or admin)");
        }
        Role role;
        try {
            role = Role.valueOf(req.role());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("unknown role: use viewer, operator or admin");
        }
        Optional<String> tenant = Optional.ofNullable(req.tenant());
        if (tenant.isPresent() && (!caller.canSeeTenant(tenant.get()) || !io.omniglass.core.tenancy.Tenant.SLUG.matcher(tenant.get()).matches()
                || core.tenants().find(tenant.get()).isEmpty())) {
            throw ApiException.notFound("no such tenant");
        }
        Principal.ScopeKind kind = Principal.ScopeKind.tenant;
        Optional<String> scopeName = Optional.empty();
        if (req.scope() != null && !req.scope().isBlank()) {
            String[] parts = req.scope().split(":", 2);
            if (parts.length != 2 || !(parts[0].equals("location") || parts[0].equals("system")) || parts[1].isBlank()
                    || parts[1].length() > 128 || parts[1].indexOf('\0') >= 0) {
                throw ApiException.badRequest("scope must be location:NAME or system:NAME");
            }
            kind = Principal.ScopeKind.valueOf(parts[0]);
            scopeName = Optional.of(parts[1]);
        }
        Optional<Duration> lifetime;
        try {
            lifetime = Optional.ofNullable(req.expires()).map(TokenExpiry::parse);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Optional<String> principal = Optional.ofNullable(req.principal()).filter(s -> !s.isBlank());
        TokenService.Issued issued = core.tokens().issue(caller,
                new TokenService.Grant(principal, role, tenant, kind, scopeName, lifetime));
        return new TokenCreated(issued.id(), issued.secret(), issued.prefix(), role.name(), tenant.orElse(null),
                req.scope(), issued.principal(), issued.expiresAt().orElse(null));
    }
}
