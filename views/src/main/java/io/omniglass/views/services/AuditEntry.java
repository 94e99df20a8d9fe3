package io.omniglass.views.services;

import java.time.Instant;

/** One operator action from the audit log. */
public record AuditEntry(long id, Instant ts, String actor, String verb, String resource, String detail) {
}
