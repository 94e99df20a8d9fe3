package io.omniglass.core.access;

import java.util.Optional;

/**
 * Who is calling, as its token says: a role, the tenant it is confined to (empty: every tenant,
 * admin only), and optionally a location or system subtree within that tenant.
 */
public record Principal(long tokenId, String name, Role role, Optional<String> tenant,
                        ScopeKind scopeKind, Optional<String> scopeName) {

    public enum ScopeKind { tenant, location, system }

    public boolean canSeeTenant(String slug) {
        return tenant.isEmpty() || tenant.get().equals(slug);
    }

    public String actor() {
        return name;
    }

    public static Principal system(String name) {
        return new Principal(0, name, Role.admin, Optional.empty(), ScopeKind.tenant, Optional.empty());
    }
}
