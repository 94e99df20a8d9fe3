package io.omniglass.core.similar;

import io.javalin.Javalin;
import io.omniglass.api.SimilarAlarms;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Filter;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.schema.tenant.tables.records.AlarmFingerprintRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;

import java.util.List;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT;

/**
 * {@code GET /api/v1/tenants/{t}/alarms/{id}/similar?limit=&filter=}: the alarm's current raise
 * against every past fingerprint the caller's scope covers (viewer and up, like the alarm list).
 * 503 with the reason when the tenant's Postgres has no pgvector.
 */
final class SimilarRoutes {

    static final OwnerColumns FINGERPRINT_OWNER = OwnerColumns.of(ALARM_FINGERPRINT);

    private SimilarRoutes() {
    }

    static void register(Javalin app, CoreContext core, SimilarModule module) {
        app.get("/api/v1/tenants/{t}/alarms/{id}/similar", ctx -> {
            GatewaySession s = Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ALARMS);
            long id = id(ctx.pathParam("id"));
            int limit = Keyset.limit(ctx.queryParam("limit"), SimilarSearch.DEFAULT_LIMIT, SimilarSearch.MAX_LIMIT);
            String filter = ctx.queryParam("filter");
            SimilarAlarms answer = s.read(tx -> answer(tx, s, id, filter, limit));
            if (answer == null) {
                // a raise the worker has not reached yet (it is a moment behind the commit): done now
                long raise = s.read(tx -> raiseOf(tx, s, id));
                module.db(s.tenant().slug()).ifPresent(db -> FingerprintStore.fingerprint(db, raise));
                answer = s.read(tx -> answer(tx, s, id, filter, limit));
                if (answer == null) {
                    throw ApiException.conflict("the fingerprint of alarm " + id + "'s raise is not computed yet: retry in a moment");
                }
            }
            ctx.json(answer);
        });
    }

    /** The whole answer in one transaction; null when the raise has no fingerprint yet. */
    private static SimilarAlarms answer(DSLContext tx, GatewaySession s, long id, String filter, int limit) throws Exception {
        long raise = raiseOf(tx, s, id);
        AlarmFingerprintRecord q = tx.selectFrom(ALARM_FINGERPRINT).where(ALARM_FINGERPRINT.EVENT_ID.eq(raise)).fetchOne();
        if (q == null) {
            return null;
        }
        Condition where = Filter.parse(filter, SimilarSearch.fields(q)).and(s.visible(FINGERPRINT_OWNER));
        if (q.getLeadUp() == null) {
            return new SimilarAlarms(id, raise, q.getRaisedAt(), q.getRecipeVersion(), List.of(q.getKeys()), List.of(),
                    List.of(), q.getSamples() == 0
                    ? "the owner had no metric datapoint in the " + FingerprintRecipe.WINDOW.toMinutes()
                    + " minutes before the raise: nothing to compare"
                    : "none of the owner's signals moved in the " + FingerprintRecipe.WINDOW.toMinutes()
                    + " minutes before the raise (a sudden fault): no lead-up shape to compare");
        }
        return new SimilarAlarms(id, raise, q.getRaisedAt(), q.getRecipeVersion(), List.of(q.getKeys()),
                FingerprintStore.list(q.getLeadUp()), SimilarSearch.search(tx, q, where, limit), null);
    }

    /** The alarm's current raise event: 503 without pgvector, 404 when the alarm is not the caller's to see. */
    private static long raiseOf(DSLContext tx, GatewaySession s, long id) throws Exception {
        if (!tx.connectionResult(SimilarSchema::ready)) {
            throw new ApiException(503, "pgvector missing", SimilarSchema.MISSING);
        }
        Long raise = tx.select(ALARM.RAISE_EVENT_ID).from(ALARM)
                .where(ALARM.ID.eq(id).and(s.visible(OwnerColumns.ALARM_OWNER))).fetchOne(ALARM.RAISE_EVENT_ID);
        if (raise == null) {
            throw ApiException.notFound("no alarm " + id);
        }
        return raise;
    }

    private static long id(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("alarm id must be a number, not '" + s + "'");
        }
    }
}
