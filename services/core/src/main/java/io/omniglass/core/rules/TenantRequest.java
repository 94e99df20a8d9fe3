package io.omniglass.core.rules;

import io.javalin.http.Context;
import io.omniglass.core.CoreContext;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.tenancy.Tenant;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * A request against one tenant's records: the caller (who must hold {@code role}), the tenant
 * (404 when absent or outside the token), and its database.
 */
public record TenantRequest(Principal principal, Tenant tenant, DSLContext db) {

    public static TenantRequest of(Context ctx, CoreContext core, Role role) {
        Principal p = Auth.principal(ctx);
        String slug = ctx.pathParam("t");
        if (!p.canSeeTenant(slug)) {
            throw ApiException.notFound("no tenant '" + slug + "'");
        }
        Tenant t = core.tenant(slug).filter(Tenant::active)
                .orElseThrow(() -> ApiException.notFound("no tenant '" + slug + "'"));
        if (!p.role().atLeast(role)) {
            throw ApiException.forbidden("this needs the " + role + " role; the token has " + p.role());
        }
        return new TenantRequest(p, t, DSL.using(core.tenantDataSource(t), SQLDialect.POSTGRES));
    }

    public String actor() {
        return principal.actor();
    }

    public static int limit(Context ctx, int fallback, int max) {
        String s = ctx.queryParam("limit");
        if (s == null || s.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n < 1 || n > max) {
                throw ApiException.badRequest("limit must be between 1 and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("limit must be a number");
        }
    }

    public static long id(String s, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(what + " must be a number, not '" + s + "'");
        }
    }
}
