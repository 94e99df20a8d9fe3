package io.omniglass.core.http;

import io.javalin.http.Context;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.access.TokenService;

/** Bearer-token authentication for /api/*; the principal rides on the request. */
public final class Auth {

    private static final String ATTR = "og.principal";
    private static final TokenCache CACHE = new TokenCache();

    private Auth() {
    }

    static void authenticate(Context ctx, TokenService tokens) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized();
        }
        Principal p = CACHE.authenticate(tokens, header.substring(7).trim()).orElseThrow(ApiException::unauthorized);
        ctx.attribute(ATTR, p);
    }

    /** The caller when a token is sent (401 for a bad one), empty when none is: for endpoints open to both. */
    static java.util.Optional<Principal> optional(Context ctx, TokenService tokens) {
        if (ctx.header("Authorization") == null) {
            return java.util.Optional.empty();
        }
        authenticate(ctx, tokens);
        return java.util.Optional.of(principal(ctx));
    }

    /** Forgets a cached token (see {@link TokenRevocations}). */
    static void forget(TokenService tokens, long tokenId) {
        CACHE.forget(tokens, tokenId);
    }

    public static Principal principal(Context ctx) {
        Principal p = ctx.attribute(ATTR);
        if (p == null) {
            throw ApiException.unauthorized();
        }
        return p;
    }

    public static Principal require(Context ctx, Role role) {
        Principal p = principal(ctx);
        if (!p.role().atLeast(role)) {
            throw ApiException.forbidden("this needs the " + role + " role; the token has " + p.role());
        }
        return p;
    }
}
