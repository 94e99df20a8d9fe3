package io.omniglass.api;

import java.time.OffsetDateTime;

/**
 * A token as GET /api/v1/tokens lists it: never its secret, only the first characters
 * ({@code prefix}) to recognise it. {@code state} is active, expired or revoked.
 */
public record TokenInfo(long id, String prefix, String principal, long principalId, String role, String tenant,
                        String scope, String state, OffsetDateTime createdAt, OffsetDateTime expiresAt,
                        OffsetDateTime revokedAt, String issuedBy, String revokedBy) {
}
