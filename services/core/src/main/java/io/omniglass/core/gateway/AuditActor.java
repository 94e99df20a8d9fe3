package io.omniglass.core.gateway;

import io.omniglass.core.access.Principal;

/**
 * Who an audit row names: the label it shows and the control database's principal id, which is
 * what pseudonymisation follows (0: no identity, the core's own work or a bare name).
 */
public record AuditActor(String name, long principalId) {

    /** A label without an identity: a scheduler, the lifecycle, an actor string passed down. */
    public static AuditActor named(String name) {
        return new AuditActor(name, 0);
    }

    public static AuditActor of(Principal principal) {
        return new AuditActor(principal.actor(), principal.principalId());
    }
}
