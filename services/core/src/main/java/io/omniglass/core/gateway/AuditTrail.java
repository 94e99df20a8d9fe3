package io.omniglass.core.gateway;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Table;

/**
 * The one writer of audit rows, one instance per database kind: {@link #TENANT} writes a tenant
 * database's {@code audit_log}, {@link #CONTROL} the control database's. Call it on the
 * transaction of the change it records, so that both commit or neither does. {@code old} and
 * {@code now} are serialised as JSON; {@code null} leaves the column empty.
 */
public final class AuditTrail {

    public static final AuditTrail TENANT = new AuditTrail(io.omniglass.schema.tenant.Tables.AUDIT_LOG,
            io.omniglass.schema.tenant.Tables.AUDIT_LOG.ACTOR, io.omniglass.schema.tenant.Tables.AUDIT_LOG.ACTOR_ID,
            io.omniglass.schema.tenant.Tables.AUDIT_LOG.VERB, io.omniglass.schema.tenant.Tables.AUDIT_LOG.RESOURCE,
            io.omniglass.schema.tenant.Tables.AUDIT_LOG.OLD, io.omniglass.schema.tenant.Tables.AUDIT_LOG.NEW);

    public static final AuditTrail CONTROL = new AuditTrail(io.omniglass.schema.control.Tables.AUDIT_LOG,
            io.omniglass.schema.control.Tables.AUDIT_LOG.ACTOR, io.omniglass.schema.control.Tables.AUDIT_LOG.ACTOR_ID,
            io.omniglass.schema.control.Tables.AUDIT_LOG.VERB, io.omniglass.schema.control.Tables.AUDIT_LOG.RESOURCE,
            io.omniglass.schema.control.Tables.AUDIT_LOG.OLD, io.omniglass.schema.control.Tables.AUDIT_LOG.NEW);

    private final Table<?> table;
    private final Field<String> actor;
    private final Field<Long> actorId;
    private final Field<String> verb;
    private final Field<String> resource;
    private final Field<JSONB> old;
    private final Field<JSONB> now;

    private AuditTrail(Table<?> table, Field<String> actor, Field<Long> actorId, Field<String> verb,
                       Field<String> resource, Field<JSONB> old, Field<JSONB> now) {
        this.table = table;
        this.actor = actor;
        this.actorId = actorId;
        this.verb = verb;
        this.resource = resource;
        this.old = old;
        this.now = now;
    }

    public void write(DSLContext tx, AuditActor by, String verb, String resource, Object old, Object now) {
        tx.insertInto(table)
                .set(actor, by.name())
                .set(actorId, by.principalId() == 0 ? null : by.principalId())
                .set(this.verb, verb)
                .set(this.resource, resource)
                .set(this.old, Jsonb.of(old))
                .set(this.now, Jsonb.of(now))
                .execute();
    }
}
