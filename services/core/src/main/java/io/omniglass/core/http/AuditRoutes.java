package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.omniglass.api.AuditEntry;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.Page;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Filter;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.gateway.ResourceFields;
import io.omniglass.schema.tenant.tables.records.AuditLogRecord;
import org.jooq.Condition;
import org.jooq.JSONB;
import org.jooq.impl.DSL;

import java.util.List;

import static io.omniglass.schema.tenant.Tables.AUDIT_LOG;

/**
 * {@code GET /api/v1/tenants/{t}/audit-log?filter=&limit=&after=}: operator actions, newest first.
 * Needs operator. A token scoped below the tenant sees only its own actions (audit rows are not
 * owner-bearing, so they cannot be narrowed by location or system), matched by principal id: the
 * name in {@code actor} is a label, two principals never share an id.
 */
public final class AuditRoutes {

    private static final Keyset KEYSET = Keyset.descending(AUDIT_LOG.ID);

    private AuditRoutes() {
    }

    static void list(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_AUDIT);
        Condition filter = Filter.parse(ctx.queryParam("filter"), ResourceFields.AUDIT);
        int limit = Keyset.limit(ctx.queryParam("limit"), 100, 10_000);
        Condition after = KEYSET.after(ctx.queryParam("after"));
        Condition own = s.visibleSet().unrestricted() ? DSL.trueCondition() : AUDIT_LOG.ACTOR_ID.eq(s.principal().principalId());
        List<AuditLogRecord> rows = s.read(tx -> tx.selectFrom(AUDIT_LOG)
                .where(filter).and(after).and(own)
                .orderBy(KEYSET.orderBy()).limit(limit + 1).fetch());
        String next = null;
        if (rows.size() > limit) {
            rows = rows.subList(0, limit);
            next = Keyset.cursor(rows.get(limit - 1).getId());
        }
        List<AuditEntry> items = rows.stream().map(r -> new AuditEntry(r.getId(), r.getTs(), r.getActor(), r.getVerb(),
                r.getResource(), json(r.getOld()), json(r.getNew()), r.getCorrelationId(), r.getActorId())).toList();
        ctx.json(new Page<>(items, next));
    }

    private static JsonNode json(JSONB j) {
        if (j == null) {
            return null;
        }
        try {
            return OmniglassClient.JSON.readTree(j.data());
        } catch (Exception e) {
            return null;
        }
    }
}
