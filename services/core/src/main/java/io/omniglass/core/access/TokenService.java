package io.omniglass.core.access;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TokenInfo;
import io.omniglass.core.http.ApiException;
import io.omniglass.schema.control.enums.PrincipalRole;
import io.omniglass.schema.control.enums.ScopeKind;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static io.omniglass.schema.control.Tables.API_TOKEN;
import static io.omniglass.schema.control.Tables.PRINCIPAL;

/**
 * API tokens: 256 random bits, printed once, stored as SHA-256 (a slow hash buys nothing for a
 * secret with this much entropy, and lookups stay an index probe). A token never grants more than
 * the token that issued it (role, tenant, scope, lifetime), its principal name is never someone
 * else's, and it can be listed and revoked by whoever could have issued it.
 */
public final class TokenService {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "og_";
    private static final Pattern PRINCIPAL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}");
    /** Names the core itself writes into audit rows, or that read as the deployment's own authority. */
    private static final Set<String> RESERVED = Set.of("admin", "root", "system", "omniglass", "core", "demo", "bench", "test");
    private static final io.omniglass.schema.control.tables.Principal ISSUER = PRINCIPAL.as("issuer");
    private static final io.omniglass.schema.control.tables.Principal REVOKER = PRINCIPAL.as("revoker");
    private final DSLContext control;

    public TokenService(DSLContext control) {
        this.control = control;
    }

    public record Issued(long id, String secret, String prefix, String principal, Optional<OffsetDateTime> expiresAt) {
        public Issued(long id, String secret, String prefix) {
            this(id, secret, prefix, null, Optional.empty());
        }
    }

    /** What a caller asks for; {@code principal} empty: a fresh name is made up. */
    public record Grant(Optional<String> principal, Role role, Optional<String> tenant,
                        Principal.ScopeKind scopeKind, Optional<String> scopeName,
                        Optional<Duration> lifetime) {
    }

    /**
     * The core's own issuing (the admin token of the data dir): no issuer to check against, and the
     * "admin" principal is reused when the token file has to be made again.
     */
    public Issued create(String actor, String principalName, Role role, Optional<String> tenant,
                         Principal.ScopeKind scopeKind, Optional<String> scopeName) {
        if (tenant.isEmpty() && role != Role.admin) {
            throw new IllegalArgumentException("a " + role + " token must name a tenant (--tenant)");
        }
        if ((scopeKind == Principal.ScopeKind.tenant) != scopeName.isEmpty()) {
            throw new IllegalArgumentException("a location or system scope needs a name, a tenant scope none");
        }
        return control.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            t.insertInto(PRINCIPAL).set(PRINCIPAL.NAME, principalName).onConflictDoNothing().execute();
            long principalId = t.select(PRINCIPAL.ID).from(PRINCIPAL).where(PRINCIPAL.NAME.eq(principalName)).fetchSingle().value1();
            return insert(t, actor, 0, principalId, principalName, role, tenant, scopeKind, scopeName, Optional.empty());
        });
    }

    /** A token asked for through the API by {@code issuer}; 4xx (ApiException) for what it may not have. */
    public Issued issue(Principal issuer, Grant g) {
        if (!issuer.role().atLeast(g.role())) {
            throw ApiException.forbidden("a " + issuer.role() + " token cannot issue a " + g.role() + " token");
        }
        if (g.tenant().isEmpty() && g.role() != Role.admin) {
            throw ApiException.badRequest("a " + g.role() + " token must name a tenant");
        }
        if (issuer.tenant().isPresent() && !issuer.tenant().equals(g.tenant())) {
            throw ApiException.forbidden("a token of tenant " + issuer.tenant().get() + " can only issue tokens of that tenant");
        }
        if (issuer.narrowed() && (issuer.scopeKind() != g.scopeKind() || !issuer.scopeName().equals(g.scopeName()))) {
            throw ApiException.forbidden("a token scoped to " + issuer.scopeKind() + ":" + issuer.scopeName().orElse("")
                    + " can only issue tokens of that same scope");
        }
        if (g.tenant().isEmpty() && g.scopeKind() != Principal.ScopeKind.tenant) {
            throw ApiException.badRequest("a location or system scope needs a tenant");
        }
        Optional<OffsetDateTime> expires = g.lifetime().map(d -> OffsetDateTime.now(ZoneOffset.UTC).plus(d));
        if (issuer.expiresAt().isPresent()) {
            OffsetDateTime cap = issuer.expiresAt().get().atOffset(ZoneOffset.UTC);
            if (expires.isPresent() && expires.get().isAfter(cap)) {
                throw ApiException.forbidden("the issuing token expires at " + cap + "; a token it issues cannot outlive it");
            }
            expires = Optional.of(expires.orElse(cap));
        }
        String name = g.principal().map(TokenService::requireAllowedName)
                .orElseGet(() -> g.role() + "-" + g.tenant().orElse("all") + "-" + HexFormat.of().formatHex(randomBytes(3)));
        Optional<OffsetDateTime> expiresAt = expires;
        return control.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            Long issuerId = issuer.principalId() == 0 ? null : issuer.principalId();
            Optional<Record> existing = t.select(PRINCIPAL.ID, PRINCIPAL.CREATED_BY).from(PRINCIPAL)
                    .where(PRINCIPAL.NAME.eq(name)).forUpdate().fetchOptional().map(r -> r);
            long principalId;
            if (existing.isPresent()) {
                // a name is its creator's: another token for it only from the same issuer (rotation),
                // never a second identity behind someone else's name
                Long creator = existing.get().get(PRINCIPAL.CREATED_BY);
                if (issuerId == null || !issuerId.equals(creator)) {
                    throw ApiException.conflict("principal '" + name + "' exists and was not created by this token's principal: choose another name");
                }
                principalId = existing.get().get(PRINCIPAL.ID);
            } else {
                principalId = t.insertInto(PRINCIPAL).set(PRINCIPAL.NAME, name).set(PRINCIPAL.CREATED_BY, issuerId)
                        .returning(PRINCIPAL.ID).fetchSingle().getId();
            }
            return insert(t, issuer.actor(), issuer.principalId(), principalId, name, g.role(), g.tenant(),
                    g.scopeKind(), g.scopeName(), expiresAt);
        });
    }

    static String requireAllowedName(String name) {
        if (!PRINCIPAL_NAME.matcher(name).matches()) {
            throw ApiException.badRequest("principal must be 1 to 100 letters, digits or _ . : @ - (starting with a letter or digit)");
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (RESERVED.contains(lower) || lower.startsWith("system:") || lower.startsWith("system.") || lower.startsWith("og:")) {
            throw ApiException.badRequest("principal name '" + name + "' is reserved");
        }
        return name;
    }

    private Issued insert(DSLContext t, String actor, long actorId, long principalId, String principalName, Role role,
                          Optional<String> tenant, Principal.ScopeKind scopeKind,
                          Optional<String> scopeName, Optional<OffsetDateTime> expiresAt) {
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
        String prefix = secret.substring(0, 10);
        long id = t.insertInto(API_TOKEN)
                .set(API_TOKEN.PRINCIPAL_ID, principalId)
                .set(API_TOKEN.TOKEN_HASH, hash(secret))
                .set(API_TOKEN.TOKEN_PREFIX, prefix)
                .set(API_TOKEN.ROLE, PrincipalRole.valueOf(role.name()))
                .set(API_TOKEN.TENANT_SLUG, tenant.orElse(null))
                .set(API_TOKEN.SCOPE_KIND, ScopeKind.valueOf(scopeKind.name()))
                .set(API_TOKEN.SCOPE_NAME, scopeName.orElse(null))
                .set(API_TOKEN.EXPIRES_AT, expiresAt.orElse(null))
                .set(API_TOKEN.ISSUED_BY, actorId == 0 ? null : actorId)
                .returning(API_TOKEN.ID)
                .fetchSingle().getId();
        audit(t, actor, actorId, "token.create", id, OmniglassClient.JSON.createObjectNode()
                .put("principal", principalName)
                .put("principal_id", principalId)
                .put("role", role.name())
                .put("tenant", tenant.orElse(null))
                .put("scope_kind", scopeKind.name())
                .put("scope_name", scopeName.orElse(null))
                .put("expires_at", expiresAt.map(OffsetDateTime::toString).orElse(null))
                .put("prefix", prefix));
        return new Issued(id, secret, prefix, principalName, expiresAt);
    }

    private static void audit(DSLContext t, String actor, long actorId, String verb, long tokenId, Object neu) {
        AuditTrail.CONTROL.write(t, new AuditActor(actor, actorId), verb, "token:" + tokenId, null, neu);
    }

    /**
     * The tokens a caller may manage: an all-tenant admin every token, a tenant admin its tenant's,
     * a scoped admin those of its own scope. The same rule as issuing, so a caller lists and revokes
     * exactly what it could have issued.
     */
    private static Condition manageable(Principal caller) {
        Condition c = DSL.trueCondition();
        if (caller.tenant().isPresent()) {
            c = c.and(API_TOKEN.TENANT_SLUG.eq(caller.tenant().get()));
        }
        if (caller.narrowed()) {
            c = c.and(API_TOKEN.SCOPE_KIND.eq(ScopeKind.valueOf(caller.scopeKind().name())))
                    .and(API_TOKEN.SCOPE_NAME.eq(caller.scopeName().orElse("")));
        }
        return c;
    }

    /** Newest first: at most {@code limit} of the tokens the caller may manage, after a keyset cursor. */
    public List<TokenInfo> list(Principal caller, Condition after, int limit) {
        return control.select(API_TOKEN.asterisk(), PRINCIPAL.NAME, ISSUER.NAME, REVOKER.NAME)
                .from(API_TOKEN)
                .join(PRINCIPAL).on(PRINCIPAL.ID.eq(API_TOKEN.PRINCIPAL_ID))
                .leftJoin(ISSUER).on(ISSUER.ID.eq(API_TOKEN.ISSUED_BY))
                .leftJoin(REVOKER).on(REVOKER.ID.eq(API_TOKEN.REVOKED_BY))
                .where(manageable(caller)).and(after)
                .orderBy(API_TOKEN.ID.desc())
                .limit(limit)
                .fetch(TokenService::info);
    }

    /** Revokes (idempotently); empty when the token does not exist or is not the caller's to manage. */
    public Optional<TokenInfo> revoke(Principal caller, long id) {
        return control.transactionResult(tx -> {
            DSLContext t = tx.dsl();
            int n = t.update(API_TOKEN)
                    .set(API_TOKEN.REVOKED_AT, OffsetDateTime.now(ZoneOffset.UTC))
                    .set(API_TOKEN.REVOKED_BY, caller.principalId() == 0 ? null : caller.principalId())
                    .where(API_TOKEN.ID.eq(id)).and(API_TOKEN.REVOKED_AT.isNull()).and(manageable(caller))
                    .execute();
            if (n == 1) {
                audit(t, caller.actor(), caller.principalId(), "token.revoke", id, Map.of());
            }
            return t.select(API_TOKEN.asterisk(), PRINCIPAL.NAME, ISSUER.NAME, REVOKER.NAME)
                    .from(API_TOKEN)
                    .join(PRINCIPAL).on(PRINCIPAL.ID.eq(API_TOKEN.PRINCIPAL_ID))
                    .leftJoin(ISSUER).on(ISSUER.ID.eq(API_TOKEN.ISSUED_BY))
                    .leftJoin(REVOKER).on(REVOKER.ID.eq(API_TOKEN.REVOKED_BY))
                    .where(API_TOKEN.ID.eq(id)).and(manageable(caller))
                    .fetchOptional(TokenService::info);
        });
    }

    private static TokenInfo info(Record r) {
        OffsetDateTime now = OffsetDateTime.now();
        OffsetDateTime expires = r.get(API_TOKEN.EXPIRES_AT);
        OffsetDateTime revoked = r.get(API_TOKEN.REVOKED_AT);
        String state = revoked != null ? "revoked" : expires != null && !expires.isAfter(now) ? "expired" : "active";
        String scope = r.get(API_TOKEN.SCOPE_NAME) == null ? null : r.get(API_TOKEN.SCOPE_KIND).getLiteral() + ":" + r.get(API_TOKEN.SCOPE_NAME);
        return new TokenInfo(r.get(API_TOKEN.ID), r.get(API_TOKEN.TOKEN_PREFIX), r.get(PRINCIPAL.NAME),
                r.get(API_TOKEN.PRINCIPAL_ID), r.get(API_TOKEN.ROLE).getLiteral(), r.get(API_TOKEN.TENANT_SLUG), scope,
                state, r.get(API_TOKEN.CREATED_AT), expires, revoked, r.get(ISSUER.NAME), r.get(REVOKER.NAME));
    }

    public Optional<Principal> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) {
            return Optional.empty();
        }
        return control.select(API_TOKEN.ID, PRINCIPAL.NAME, API_TOKEN.ROLE, API_TOKEN.TENANT_SLUG,
                        API_TOKEN.SCOPE_KIND, API_TOKEN.SCOPE_NAME, PRINCIPAL.ID, API_TOKEN.EXPIRES_AT)
                .from(API_TOKEN).join(PRINCIPAL).on(PRINCIPAL.ID.eq(API_TOKEN.PRINCIPAL_ID))
                .where(API_TOKEN.TOKEN_HASH.eq(hash(secret)))
                .and(valid())
                .fetchOptional(r -> new Principal(r.value1(), r.value2(),
                        Role.valueOf(r.value3().getLiteral()), Optional.ofNullable(r.value4()),
                        Principal.ScopeKind.valueOf(r.value5().getLiteral()),
                        Optional.ofNullable(r.value6()), r.value7(),
                        Optional.ofNullable(r.value8()).map(OffsetDateTime::toInstant)));
    }

    /** Whether the token still works (not revoked, not expired, its principal not disabled): for open streams. */
    public boolean stillValid(long tokenId) {
        return control.fetchExists(control.selectOne().from(API_TOKEN).join(PRINCIPAL).on(PRINCIPAL.ID.eq(API_TOKEN.PRINCIPAL_ID))
                .where(API_TOKEN.ID.eq(tokenId)).and(valid()));
    }

    private static Condition valid() {
        return API_TOKEN.REVOKED_AT.isNull()
                .and(API_TOKEN.EXPIRES_AT.isNull().or(API_TOKEN.EXPIRES_AT.gt(DSL.currentOffsetDateTime())))
                .and(PRINCIPAL.DISABLED.isFalse());
    }

    public static boolean expired(Principal p, Instant now) {
        return p.expiresAt().isPresent() && !p.expiresAt().get().isAfter(now);
    }

    private static byte[] randomBytes(int n) {
        byte[] raw = new byte[n];
        RANDOM.nextBytes(raw);
        return raw;
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
