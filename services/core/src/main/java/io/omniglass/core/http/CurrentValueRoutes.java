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
import org.jooq.impl.DSL;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.sql.ResultSet;
import java.time.OffsetDateTime;

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
            sessionSettings(tx, limit > 10_000);
            stream(ctx, query(tx, s, filter.and(after), limit + 1), limit);
            return null;
        });
    }

    /**
     * Transaction-local settings of a read: UTC time zone, so timestamps arrive as UTC text that
     * becomes ISO-8601 by two character edits (no parse, no format per row); for a fleet read a
     * work_mem large enough for its sort and hashes (~100k narrow rows spill at the default 4 MB).
     */
    public static void sessionSettings(DSLContext tx, boolean fleet) {
        // bound like every value, so the statement reads the same in the latency telemetry
        tx.select(DSL.function("set_config", String.class, DSL.val("TimeZone"), DSL.val("UTC"), DSL.val(true)),
                DSL.function("set_config", String.class, DSL.val("work_mem"), DSL.val(fleet ? "64MB" : "4MB"),
                        DSL.val(true))).fetch();
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
            OutputStream out = new BufferedOutputStream(ctx.outputStream(), 1 << 16);
            try (JsonGenerator g = OmniglassClient.JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.writeStartObject();
                g.writeArrayFieldStart("items");
                int n = 0;
                String next = null;
                String owner = null, key = null, instance = null, provenance = null, seriesId = null;
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
                    String value = rs.getString(9);
                    if (value != null) {
                        g.writeFieldName("value");
                        writeNumber(g, value);
                    }
                    String text = rs.getString(10);
                    if (text != null) {
                        g.writeStringField("text", text);
                    }
                    String severity = rs.getString(11);
                    if (severity != null) {
                        g.writeStringField("severity", severity);
                    }
                    g.writeStringField("ts", isoUtc(rs.getString(12)));
                    g.writeFieldName("source_count");
                    g.writeNumber(rs.getString(13));
                    seriesId = rs.getString(14);
                    g.writeFieldName("series_id");
                    g.writeNumber(seriesId);
                    g.writeEndObject();
                    n++;
                }
                g.writeEndArray();
                g.writeStringField("next", next);
                g.writeEndObject();
            }
            out.flush();
        }
    }

    /** Postgres float8 text is a valid JSON number except NaN and +-Infinity, which JSON cannot carry. */
    static void writeNumber(JsonGenerator g, String pgFloat) throws java.io.IOException {
        char c = pgFloat.charAt(pgFloat.length() - 1);
        if (c == 'N' || c == 'y') {
            g.writeNull();
        } else {
            g.writeNumber(pgFloat);
        }
    }

    /** {@code 2026-11-21 07:00:00.123+00} (timestamptz text in a UTC session) as {@code 2026-11-21T07:00:00.123Z}. */
    static String isoUtc(String pg) {
        if (pg == null) {
            return null;
        }
        if (pg.length() > 13 && pg.endsWith("+00") && pg.charAt(10) == ' ') {
            return pg.substring(0, 10) + 'T' + pg.substring(11, pg.length() - 3) + 'Z';
        }
        return OffsetDateTime.parse(pg.replace(' ', 'T') + (pg.matches(".*[+-]\\d\\d$") ? ":00" : "")).toString();
    }
}
