package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/**
 * A token as GET /api/v1/tokens lists it: never its secret, only the first characters
 * ({@code prefix}) to recognise it. {@code state} is active, expired or revoked.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TokenInfo(long id, String prefix, String principal, long principalId, String role, String tenant,
                        String scope, String state, OffsetDateTime createdAt, OffsetDateTime expiresAt,
                        OffsetDateTime revokedAt, String issuedBy, String revokedBy) {
}
