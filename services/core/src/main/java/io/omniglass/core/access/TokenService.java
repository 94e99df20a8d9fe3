package io.omniglass.core.access;

import io.omniglass.api.OmniglassClient;
import io.omniglass.schema.control.enums.PrincipalRole;
import io.omniglass.schema.control.enums.ScopeKind;
import org.jooq.DSLContext;
import org.jooq.JSONB;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Optional;

import static io.omniglass.schema.control.Tables.API_TOKEN;
import static io.omniglass.schema.control.Tables.AUDIT_LOG;
import static io.omniglass.schema.control.Tables.PRINCIPAL;

/**
 * API tokens: 256 random bits, printed once, stored as SHA-256 (a slow hash buys nothing for a
 * secret with this much entropy, and lookups stay an index probe).
 */
public final class TokenService {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "og_";
    private final DSLContext control;

    public TokenService(DSLContext control) {
        this.control = control;
    }

    public record Issued(long id, String secret, String prefix) {
    }

    public Issued create(String actor, String principalName, Role role, Optional<String> tenant,
                         Principal.ScopeKind scopeKind, Optional<String> scopeName) {
        if (tenant.isEmpty() && role != Role.admin) {
            throw new IllegalArgumentException("a " + role + " token must name a tenant (--tenant)");
        }
        if ((scopeKind == Principal.ScopeKind.tenant) != scopeName.isEmpty()) {
            throw new IllegalArgumentException("a location or system scope needs a name, a tenant scope none");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        String prefix = secret.substring(0, 10);
        return control.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            t.insertInto(PRINCIPAL).set(PRINCIPAL.NAME, principalName).onConflictDoNothing().execute();
            long principalId = t.select(PRINCIPAL.ID).from(PRINCIPAL).where(PRINCIPAL.NAME.eq(principalName)).fetchSingle().value1();
            long id = t.insertInto(API_TOKEN)
                    .set(API_TOKEN.PRINCIPAL_ID, principalId)
                    .set(API_TOKEN.TOKEN_HASH, hash(secret))
                    .set(API_TOKEN.TOKEN_PREFIX, prefix)
                    .set(API_TOKEN.ROLE, PrincipalRole.valueOf(role.name()))
                    .set(API_TOKEN.TENANT_SLUG, tenant.orElse(null))
                    .set(API_TOKEN.SCOPE_KIND, ScopeKind.valueOf(scopeKind.name()))
                    .set(API_TOKEN.SCOPE_NAME, scopeName.orElse(null))
                    .returning(API_TOKEN.ID)
                    .fetchSingle().getId();
            t.insertInto(AUDIT_LOG)
                    .set(AUDIT_LOG.ACTOR, actor)
                    .set(AUDIT_LOG.VERB, "token.create")
                    .set(AUDIT_LOG.RESOURCE, "token:" + id)
                    .set(AUDIT_LOG.NEW, JSONB.valueOf(OmniglassClient.JSON.createObjectNode()
                            .put("principal", principalName)
                            .put("role", role.name())
                            .put("tenant", tenant.orElse(null))
                            .put("scope_kind", scopeKind.name())
                            .put("scope_name", scopeName.orElse(null))
                            .put("prefix", prefix)
                            .toString()))
                    .execute();
            return new Issued(id, secret, prefix);
        });
    }

    public Optional<Principal> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) {
            return Optional.empty();
        }
        OffsetDateTime now = OffsetDateTime.now();
        return control.select(API_TOKEN.ID, PRINCIPAL.NAME, API_TOKEN.ROLE, API_TOKEN.TENANT_SLUG,
                        API_TOKEN.SCOPE_KIND, API_TOKEN.SCOPE_NAME)
                .from(API_TOKEN).join(PRINCIPAL).on(PRINCIPAL.ID.eq(API_TOKEN.PRINCIPAL_ID))
                .where(API_TOKEN.TOKEN_HASH.eq(hash(secret)))
                .and(API_TOKEN.REVOKED_AT.isNull())
                .and(API_TOKEN.EXPIRES_AT.isNull().or(API_TOKEN.EXPIRES_AT.gt(now)))
                .and(PRINCIPAL.DISABLED.isFalse())
                .fetchOptional(r -> new Principal(r.value1(), r.value2(), Role.valueOf(r.value3().getLiteral()),
                        Optional.ofNullable(r.value4()), Principal.ScopeKind.valueOf(r.value5().getLiteral()),
                        Optional.ofNullable(r.value6())));
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
