package io.omniglass.core.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.http.Context;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Filter;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.gateway.ResourceFields;
import io.omniglass.schema.tenant.tables.CurrentValue;
import org.jooq.Condition;
import org.jooq.Cursor;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.ResultQuery;

import java.io.OutputStream;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;

/**
 * {@code GET /api/v1/tenants/{t}/current-values?filter=&limit=&after=}: the current-value
 * projection, keyset-paginated by (owner, key, instance, provenance, series_id). Streamed: rows go from the
 * database cursor straight into a Jackson generator (no per-row objects), so a fleet read of 100k
 * series costs little more than the query itself.
 */
public final class CurrentValueRoutes {

    public static final int DEFAULT_LIMIT = 1000;
    public static final int MAX_LIMIT = 100_000;
    // series_id breaks ties: template-scoped keys may share a name
    static final Keyset KEYSET = Keyset.ascending(CURRENT_VALUE.OWNER, CURRENT_VALUE.KEY, CURRENT_VALUE.INSTANCE,
            CURRENT_VALUE.PROVENANCE, CURRENT_VALUE.SERIES_ID);

    private CurrentValueRoutes() {
    }

    static void list(Context ctx, Gateway gateway) throws Exception {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_CURRENT_VALUES);
        Condition filter = Filter.parse(ctx.queryParam("filter"), ResourceFields.CURRENT_VALUES);
        int limit = Keyset.limit(ctx.queryParam("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        Condition after = KEYSET.after(ctx.queryParam("after"));
        s.read(tx -> {
            if (limit > 10_000) {
                fleetSettings(tx);
            }
            stream(ctx, query(tx, s, filter.and(after), limit + 1), limit);
            return null;
        });
    }

    /**
     * A fleet read sorts and hashes ~100k narrow rows: with the default work_mem (4 MB) both spill
     * to disk. Transaction-local, so it never outlives this read.
     */
    public static void fleetSettings(DSLContext tx) {
        tx.select(org.jooq.impl.DSL.function("set_config", String.class, org.jooq.impl.DSL.inline("work_mem"),
                org.jooq.impl.DSL.inline("64MB"), org.jooq.impl.DSL.inline(true))).fetch();
    }

    /** The fleet query exactly as the endpoint runs it (the benchmark runs the same SQL directly). */
    public static ResultQuery<? extends Record> query(DSLContext tx, GatewaySession s, Condition where, int limit) {
        CurrentValue cv = CURRENT_VALUE;
        return tx.select(cv.OWNER, cv.OWNER_KIND, cv.KEY, cv.KIND, cv.UNIT, cv.INSTANCE, cv.PROVENANCE,
                        cv.FUSION_POLICY, cv.VALUE_NUM, cv.VALUE_TEXT, cv.SEVERITY, cv.TS, cv.SOURCE_COUNT, cv.SERIES_ID)
                .from(cv)
                .where(s == null ? where : s.visibleOwnerText(cv.OWNER).and(where))
                .orderBy(KEYSET.orderBy())
                .limit(limit)
                .fetchSize(10_000);
    }

    private static void stream(Context ctx, ResultQuery<? extends Record> q, int limit) throws Exception {
        ctx.contentType("application/json");
        try (Cursor<? extends Record> cursor = q.fetchLazy()) {
            ResultSet rs = cursor.resultSet();
            OutputStream out = ctx.outputStream();
            try (JsonGenerator g = OmniglassClient.JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.writeStartObject();
                g.writeArrayFieldStart("items");
                int n = 0;
                String next = null;
                String owner = null, key = null, instance = null, provenance = null;
                long seriesId = 0;
                while (rs.next()) {
                    if (n == limit) {
                        next = Keyset.cursor(owner, key, instance, provenance, seriesId);
                        break;
                    }
                    owner = rs.getString(1);
                    key = rs.getString(3);
                    instance = rs.getString(6);
                    provenance = rs.getString(7);
                    g.writeStartObject();
                    g.writeStringField("owner", owner);
                    g.writeStringField("owner_kind", rs.getString(2));
                    g.writeStringField("key", key);
                    g.writeStringField("kind", rs.getString(4));
                    g.writeStringField("unit", rs.getString(5));
                    g.writeStringField("instance", instance);
                    g.writeStringField("provenance", provenance);
                    g.writeStringField("fusion_policy", rs.getString(8));
                    // absent rather than null: a fleet read is mostly metrics, and bytes are its cost
                    double v = rs.getDouble(9);
                    if (!rs.wasNull()) {
                        g.writeNumberField("value", v);
                    }
                    String text = rs.getString(10);
                    if (text != null) {
                        g.writeStringField("text", text);
                    }
                    String severity = rs.getString(11);
                    if (severity != null) {
                        g.writeStringField("severity", severity);
                    }
                    OffsetDateTime ts = rs.getObject(12, OffsetDateTime.class);
                    g.writeStringField("ts", ts == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(ts));
                    g.writeNumberField("source_count", rs.getLong(13));
                    seriesId = rs.getLong(14);
                    g.writeNumberField("series_id", seriesId);
                    g.writeEndObject();
                    n++;
                }
                g.writeEndArray();
                g.writeStringField("next", next);
                g.writeEndObject();
            }
        }
    }
}
