package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.OffsetDateTime;

/** The one time a token's secret is shown. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TokenCreated(long id, String token, String prefix, String role, String tenant, String scope,
                           String principal, OffsetDateTime expiresAt) {

    public TokenCreated(long id, String token, String prefix, String role, String tenant, String scope) {
        this(id, token, prefix, role, tenant, scope, null, null);
    }
}
