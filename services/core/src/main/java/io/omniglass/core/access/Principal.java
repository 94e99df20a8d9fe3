package io.omniglass.core.access;

import java.time.Instant;
import java.util.Optional;

/**
 * Who is calling, as its token says: a role, the tenant it is confined to (empty: every tenant,
 * admin only), and optionally a location or system subtree within that tenant. {@code principalId}
 * is the control database's identity of the caller (0 for the core's own work); {@code name} is
 * only its label. {@code expiresAt} is when the token stops working (empty: when revoked).
 */
public record Principal(long tokenId, String name, Role role, Optional<String> tenant,
                        ScopeKind scopeKind, Optional<String> scopeName, long principalId,
                        Optional<Instant> expiresAt) {

    public enum ScopeKind { tenant, location, system }

    /** A principal without a control-database identity (tests, the core's own work). */
    public Principal(long tokenId, String name, Role role, Optional<String> tenant,
                     ScopeKind scopeKind, Optional<String> scopeName) {
        this(tokenId, name, role, tenant, scopeKind, scopeName, 0, Optional.empty());
    }

    public boolean canSeeTenant(String slug) {
        return tenant.isEmpty() || tenant.get().equals(slug);
    }

    /** Scoped below its tenant (a location or system subtree). */
    public boolean narrowed() {
        return scopeKind != ScopeKind.tenant;
    }

    public String actor() {
        return name;
    }

    public static Principal system(String name) {
        return new Principal(0, name, Role.admin, Optional.empty(), ScopeKind.tenant, Optional.empty());
    }
}
