package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * POST /api/v1/tokens (admin). {@code scope} is "location:NAME" or "system:NAME"; absent means the
 * whole tenant. {@code expires} is how long the token lives ("90d", "12h", "30m", "45s" or ISO-8601
 * "P30D"); absent means until revoked (or until the issuer's own token expires, when it does).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateTokenRequest(String role, String tenant, String scope, String principal, String expires) {

    public CreateTokenRequest(String role, String tenant, String scope, String principal) {
        this(role, tenant, scope, principal, null);
    }
}
