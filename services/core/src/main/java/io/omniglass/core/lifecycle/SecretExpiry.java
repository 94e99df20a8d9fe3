package io.omniglass.core.lifecycle;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.http.HttpParams;
import io.omniglass.schema.tenant.tables.records.VariableRecord;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

import static io.omniglass.schema.tenant.Tables.VARIABLE;

/**
 * Secrets expire: {@code PUT /api/v1/tenants/{t}/variables/{id}/expiry} {@code {"expiresAt": "..."|null}}
 * (admin, audited) gives a secret variable an expiry; from then on a decrypt is refused (410), and
 * the upkeep purges the sealed value ({@code ciphertext} set to null, {@code purged_at} set),
 * audited as {@code secret.purge}. Setting a new secret value clears neither: the expiry is the
 * credential's, so a replacement is made with a new expiry.
 */
public final class SecretExpiry {

    private static final OwnerColumns OWNER = OwnerColumns.of(VARIABLE);

    private SecretExpiry() {
    }

    /** The body of a PUT. */
    record ExpiryRequest(OffsetDateTime expiresAt) {
    }

    static void register(Javalin app, Gateway gateway) {
        app.put("/api/v1/tenants/{t}/variables/{id}/expiry", ctx -> set(ctx, gateway));
    }

    /** 410 when the variable's secret has expired (or was purged). */
    public static void requireNotExpired(VariableRecord v) {
        if (v.getPurgedAt() != null) {
            throw new ApiException(410, "gone", "variable " + v.getId() + "'s secret expired at " + v.getExpiresAt()
                    + " and its sealed value was purged at " + v.getPurgedAt());
        }
        if (v.getExpiresAt() != null && !v.getExpiresAt().isAfter(OffsetDateTime.now())) {
            throw new ApiException(410, "gone", "variable " + v.getId() + "'s secret expired at " + v.getExpiresAt());
        }
    }

    private static void set(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.WRITE_VARIABLES);
        long id = HttpParams.pathLong(ctx, "id");
        ExpiryRequest req = HttpParams.body(ctx, ExpiryRequest.class, "{\"expiresAt\": \"2027-06-30T00:00:00Z\"}");
        Map<String, Object> out = s.transaction(tx -> {
            VariableRecord v = tx.selectFrom(VARIABLE).where(VARIABLE.ID.eq(id)).and(s.visible(OWNER)).forUpdate().fetchOne();
            if (v == null) {
                throw ApiException.notFound("no variable " + id);
            }
            requireNotExpired(v);
            if (v.getCiphertext() == null) {
                throw ApiException.badRequest("variable " + id + " is not a secret; only secrets expire");
            }
            int n = tx.update(VARIABLE).set(VARIABLE.EXPIRES_AT, req.expiresAt())
                    .where(VARIABLE.ID.eq(id)).and(s.visible(OWNER)).execute();
            GatewaySession.requireAffected(n, "variable " + id);
            s.audit(tx, "secret.expiry", "variable:" + id, Map.of("expires_at", String.valueOf(v.getExpiresAt())),
                    Map.of("expires_at", String.valueOf(req.expiresAt())));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("name", v.getName());
            m.put("expiresAt", req.expiresAt());
            return m;
        });
        ctx.json(out);
    }

    /** Purges every expired secret's sealed value, each audited; returns how many. */
    static int purge(DSLContext tdb) {
        return tdb.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var purged = tx.update(VARIABLE)
                    .set(VARIABLE.CIPHERTEXT, (byte[]) null)
                    .set(VARIABLE.PURGED_AT, DSL.currentOffsetDateTime())
                    .where(VARIABLE.EXPIRES_AT.le(DSL.currentOffsetDateTime())).and(VARIABLE.CIPHERTEXT.isNotNull())
                    .returning(VARIABLE.ID, VARIABLE.NAME, VARIABLE.EXPIRES_AT).fetch();
            for (var v : purged) {
                Map<String, Object> purge = new LinkedHashMap<>();
                purge.put("name", v.getName());
                purge.put("expired_at", String.valueOf(v.getExpiresAt()));
                AuditTrail.TENANT.write(tx, AuditActor.named("system:lifecycle"), "secret.purge", "variable:" + v.getId(), null, purge);
            }
            return purged.size();
        });
    }
}
