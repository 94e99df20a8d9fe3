package io.omniglass.core.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
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
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.ResultQuery;
import org.jooq.impl.CallbackExecuteListener;
import org.jooq.impl.DSL;
import org.postgresql.PGStatement;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.BitSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;

/**
 * {@code GET /api/v1/tenants/{t}/current-values?filter=&limit=&after=&format=}: the current-value
 * projection, keyset-paginated by (owner, key, instance, provenance, series_id), in two shapes:
 * {@code format=objects} (the default: one object per signal) and {@code format=compact} (one
 * array per signal in the order of {@code columns}, and each key's kind, unit and fusion policy
 * once under {@code types}: 40% of the bytes, for fleet reads). The compact query reads only what
 * varies per signal: the server prints less, and that printing is most of a fleet read's cost.
 *
 * <p>Streamed: rows go from the database cursor into a Jackson generator as wire bytes (no String,
 * boxed number or record per value).
 */
public final class CurrentValueRoutes {

    public static final int DEFAULT_LIMIT = 1000;
    public static final int MAX_LIMIT = 100_000;
    /** Rows per database round trip: bounds a request's memory whatever its limit. */
    public static final int FETCH_SIZE = 10_000;
    // series_id breaks ties: template-scoped keys may share a name
    static final Keyset KEYSET = Keyset.ascending(CURRENT_VALUE.OWNER, CURRENT_VALUE.KEY, CURRENT_VALUE.INSTANCE,
            CURRENT_VALUE.PROVENANCE, CURRENT_VALUE.SERIES_ID);

    /** The compact shape's row layout, also the query's column order. */
    static final String[] COLUMNS = {"owner", "key", "instance", "provenance", "value", "text", "severity", "ts",
            "source_count", "series_id", "type_id"};
    private static final int OWNER = 1, KEY = 2, INSTANCE = 3, PROVENANCE = 4, VALUE = 5, TEXT = 6, SEVERITY = 7,
            TS = 8, SOURCE_COUNT = 9, SERIES_ID = 10, TYPE_ID = 11, OWNER_KIND = 12, KIND = 13, UNIT = 14, FUSION_POLICY = 15;

    private CurrentValueRoutes() {
    }

    static void list(Context ctx, Gateway gateway) throws Exception {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_CURRENT_VALUES);
        Condition filter = Filter.parse(ctx.queryParam("filter"), ResourceFields.CURRENT_VALUES);
        int limit = Keyset.limit(ctx.queryParam("limit"), DEFAULT_LIMIT, MAX_LIMIT);
        Condition after = KEYSET.after(ctx.queryParam("after"));
        boolean compact = compact(ctx.queryParam("format"));
        boolean large = limit > FETCH_SIZE;
        // one snapshot when the key registry is read first: every type id a row names is in it
        GatewaySession.Work<Void> work = tx -> {
            if (large) {
                sessionSettings(tx);
            }
            // a large read takes each key's kind, unit and fusion policy from one small read of
            // the key registry instead of from every row: the server prints less (~50 ms per 100k)
            Map<Integer, KeyType> keys = compact || large ? keyTypes(tx) : null;
            stream(ctx, query(tx, s, filter.and(after), limit + 1, keys != null), limit, compact, keys);
            return null;
        };
        if (compact || large) {
            // a fleet read: a replica close enough behind may serve it
            s.readSnapshotMayLag(work);
        } else {
            // one statement, its rows fetched at once (no cursor at this size): no COMMIT round trip
            s.readOneStatement(work);
        }
    }

    static boolean compact(String format) {
        if (format == null || format.isEmpty() || format.equals("objects")) {
            return false;
        }
        if (format.equals("compact")) {
            return true;
        }
        throw ApiException.badRequest("format must be objects (the default) or compact");
    }

    /**
     * Transaction-local settings of a large read (one round trip, which a point read does without):
     * random_page_cost for a read model that lives in shared buffers, so the planner takes the
     * index that is already in the API's order over a sort of the fleet (at the default 4, which
     * prices every heap visit as a disk seek, it sorts); custom plans (the limit is a bind value,
     * and a generic plan that guesses it may pick the sort); work_mem for its hashes; UTC, should
     * a timestamp arrive as text.
     */
    public static void sessionSettings(DSLContext tx) {
        // bound like every value, so the statement reads the same in the latency telemetry
        tx.select(DSL.function("set_config", String.class, DSL.val("random_page_cost"), DSL.val("1.1"), DSL.val(true)),
                DSL.function("set_config", String.class, DSL.val("plan_cache_mode"), DSL.val("force_custom_plan"), DSL.val(true)),
                DSL.function("set_config", String.class, DSL.val("work_mem"), DSL.val("64MB"), DSL.val(true)),
                DSL.function("set_config", String.class, DSL.val("TimeZone"), DSL.val("UTC"), DSL.val(true))).fetch();
    }

    /**
     * The projection query exactly as the endpoint runs it (the benchmark runs the same SQL
     * directly). {@code lean}: only what varies per signal (a large read, or the compact shape);
     * otherwise each row also carries its owner kind, kind, unit and fusion policy.
     */
    public static ResultQuery<? extends Record> query(DSLContext tx, GatewaySession s, Condition where, int limit, boolean lean) {
        CurrentValue cv = CURRENT_VALUE;
        List<Field<?>> columns = new ArrayList<>(List.of(cv.OWNER, cv.KEY, cv.INSTANCE, cv.PROVENANCE, cv.VALUE_NUM,
                cv.VALUE_TEXT, cv.SEVERITY, cv.TS, cv.SOURCE_COUNT, cv.SERIES_ID, cv.DATAPOINT_TYPE_ID));
        if (!lean) {
            columns.addAll(List.of(cv.OWNER_KIND, cv.KIND, cv.UNIT, cv.FUSION_POLICY));
        }
        return tx.select(columns)
                .from(cv)
                .where(s == null ? where : s.visibleOwnerText(cv.OWNER).and(where))
                .orderBy(KEYSET.orderBy())
                .limit(limit)
                .fetchSize(FETCH_SIZE);
    }

    /**
     * Asks pgjdbc for binary results from the first execution (timestamps, numbers and ids cross
     * the wire as fixed-width values instead of being printed by the server: ~20 ms of a 100k-row
     * read). Without it the format changes after a statement's fifth run on a connection.
     */
    public static void forceBinary(Statement statement) throws SQLException {
        statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
    }

    /** What every signal of a key shares, ready to write. */
    record KeyType(String key, SerializedString kind, SerializedString unit, SerializedString fusionPolicy) {
    }

    /** The key registry (hundreds of rows at most), read in the request's transaction. */
    static Map<Integer, KeyType> keyTypes(DSLContext tx) {
        Map<Integer, KeyType> out = new HashMap<>();
        for (var t : tx.select(DATAPOINT_TYPE.ID, DATAPOINT_TYPE.NAME, DATAPOINT_TYPE.KIND, DATAPOINT_TYPE.UNIT,
                DATAPOINT_TYPE.FUSION_POLICY).from(DATAPOINT_TYPE).fetch()) {
            out.put(t.value1(), new KeyType(t.value2(), new SerializedString(t.value3().getLiteral()),
                    new SerializedString(t.value4()), new SerializedString(t.value5().getLiteral())));
        }
        return out;
    }

    private static final SerializedString F_OWNER = new SerializedString("owner"), F_OWNER_KIND = new SerializedString("owner_kind"),
            F_KEY = new SerializedString("key"), F_KIND = new SerializedString("kind"), F_UNIT = new SerializedString("unit"),
            F_INSTANCE = new SerializedString("instance"), F_PROVENANCE = new SerializedString("provenance"),
            F_FUSION = new SerializedString("fusion_policy"), F_VALUE = new SerializedString("value"),
            F_TEXT = new SerializedString("text"), F_SEVERITY = new SerializedString("severity"), F_TS = new SerializedString("ts"),
            F_SOURCE_COUNT = new SerializedString("source_count"), F_SERIES_ID = new SerializedString("series_id"),
            GLOBAL = new SerializedString("global");

    /** {@code keys}: the key registry when the query is lean (see {@link #query}), else null. */
    private static void stream(Context ctx, ResultQuery<? extends Record> q, int limit, boolean compact,
                               Map<Integer, KeyType> keys) throws Exception {
        ctx.contentType("application/json");
        DSLContext binary = DSL.using(q.configuration().deriveAppending(
                new CallbackExecuteListener().onPrepareEnd(c -> {
                    try {
                        forceBinary(c.statement());
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                })));
        try (Cursor<? extends Record> cursor = binary.fetchLazy(q)) {
            // the driver's own result set: the read-ahead thread must not go through jOOQ's wrapper
            ResultSet rs = cursor.resultSet().unwrap(ResultSet.class);
            WireValues w = new WireValues(rs);
            int columns = rs.getMetaData().getColumnCount();
            // 64 KiB writes to Jetty for a fleet page; a point read's few hundred bytes need no such buffer each time
            OutputStream out = new BufferedOutputStream(ctx.outputStream(), limit > DEFAULT_LIMIT ? 1 << 16 : 1 << 12);
            try (ReadAhead rows = new ReadAhead(rs, columns, limit + 1);
                 JsonGenerator g = OmniglassClient.JSON.getFactory().createGenerator(out, JsonEncoding.UTF8)) {
                g.enable(JsonGenerator.Feature.USE_FAST_DOUBLE_WRITER); // JDK 17's Double.toString is ~4x slower
                g.writeStartObject();
                if (compact) {
                    g.writeArrayFieldStart("columns");
                    for (String c : COLUMNS) {
                        g.writeString(c);
                    }
                    g.writeEndArray();
                    g.writeArrayFieldStart("rows");
                } else {
                    g.writeArrayFieldStart("items");
                }
                BitSet seenTypes = new BitSet();
                int n = 0;
                String next = null;
                byte[][] last = null;
                for (byte[][] row = rows.next(); row != null; row = rows.next()) {
                    if (n == limit) {
                        next = Keyset.cursor(utf8(last[OWNER - 1]), utf8(last[KEY - 1]), utf8(last[INSTANCE - 1]),
                                utf8(last[PROVENANCE - 1]), w.longValue(SERIES_ID, last[SERIES_ID - 1]));
                        break;
                    }
                    last = row;
                    if (compact) {
                        if (row[TYPE_ID - 1] != null) {
                            seenTypes.set((int) w.longValue(TYPE_ID, row[TYPE_ID - 1]));
                        }
                        g.writeStartArray();
                        w.string(g, row[OWNER - 1]);
                        w.string(g, row[KEY - 1]);
                        w.string(g, row[INSTANCE - 1]);
                        w.string(g, row[PROVENANCE - 1]);
                        w.float8(g, VALUE, row[VALUE - 1]);
                        w.string(g, row[TEXT - 1]);
                        w.string(g, row[SEVERITY - 1]);
                        w.timestamptz(g, TS, row[TS - 1]);
                        w.integer(g, SOURCE_COUNT, row[SOURCE_COUNT - 1]);
                        w.integer(g, SERIES_ID, row[SERIES_ID - 1]);
                        w.integer(g, TYPE_ID, row[TYPE_ID - 1]);
                        g.writeEndArray();
                    } else {
                        // lean rows name their key type; a row without one (a latest row a writer left
                        // without identity, until the boot phase heals it) shows nulls, not a 500
                        KeyType k = keys == null || row[TYPE_ID - 1] == null ? null
                                : keys.get((int) w.longValue(TYPE_ID, row[TYPE_ID - 1]));
                        g.writeStartObject();
                        g.writeFieldName(F_OWNER);
                        w.string(g, row[OWNER - 1]);
                        g.writeFieldName(F_OWNER_KIND);
                        if (keys == null) {
                            w.string(g, row[OWNER_KIND - 1]);
                        } else {
                            ownerKind(g, row[OWNER - 1]);
                        }
                        g.writeFieldName(F_KEY);
                        w.string(g, row[KEY - 1]);
                        g.writeFieldName(F_KIND);
                        keyField(g, w, keys == null ? row[KIND - 1] : null, k == null ? null : k.kind());
                        g.writeFieldName(F_UNIT);
                        keyField(g, w, keys == null ? row[UNIT - 1] : null, k == null ? null : k.unit());
                        g.writeFieldName(F_INSTANCE);
                        w.string(g, row[INSTANCE - 1]);
                        g.writeFieldName(F_PROVENANCE);
                        w.string(g, row[PROVENANCE - 1]);
                        g.writeFieldName(F_FUSION);
                        keyField(g, w, keys == null ? row[FUSION_POLICY - 1] : null, k == null ? null : k.fusionPolicy());
                        // absent rather than null: a fleet read is mostly metrics, and bytes are its cost
                        if (row[VALUE - 1] != null) {
                            g.writeFieldName(F_VALUE);
                            w.float8(g, VALUE, row[VALUE - 1]);
                        }
                        if (row[TEXT - 1] != null) {
                            g.writeFieldName(F_TEXT);
                            w.string(g, row[TEXT - 1]);
                        }
                        if (row[SEVERITY - 1] != null) {
                            g.writeFieldName(F_SEVERITY);
                            w.string(g, row[SEVERITY - 1]);
                        }
                        g.writeFieldName(F_TS);
                        w.timestamptz(g, TS, row[TS - 1]);
                        g.writeFieldName(F_SOURCE_COUNT);
                        w.integer(g, SOURCE_COUNT, row[SOURCE_COUNT - 1]);
                        g.writeFieldName(F_SERIES_ID);
                        w.integer(g, SERIES_ID, row[SERIES_ID - 1]);
                        g.writeEndObject();
                    }
                    n++;
                }
                rows.close(); // the types below are another statement on this connection
                g.writeEndArray();
                if (compact) {
                    writeTypes(g, seenTypes, keys);
                }
                g.writeStringField("next", next);
                g.writeEndObject();
            }
            out.flush();
        }
    }

    /** {@code "types": {"7": {"key": ..., "kind": ..., "unit": ..., "fusion_policy": ...}}} for the types the rows name. */
    private static void writeTypes(JsonGenerator g, BitSet seen, Map<Integer, KeyType> keys) throws IOException {
        g.writeObjectFieldStart("types");
        for (int id = seen.nextSetBit(0); id >= 0; id = seen.nextSetBit(id + 1)) {
            KeyType k = keys.get(id); // present: the registry and the rows were read in one snapshot
            g.writeObjectFieldStart(Integer.toString(id));
            g.writeStringField("key", k.key());
            g.writeFieldName(F_KIND);
            g.writeString(k.kind());
            g.writeFieldName(F_UNIT);
            g.writeString(k.unit());
            g.writeFieldName(F_FUSION);
            g.writeString(k.fusionPolicy());
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /** A key's field from the row (full query) or from the registry (lean query), else null. */
    private static void keyField(JsonGenerator g, WireValues w, byte[] fromRow, SerializedString fromRegistry) throws IOException {
        if (fromRegistry != null) {
            g.writeString(fromRegistry);
        } else {
            w.string(g, fromRow);
        }
    }

    /** An owner reads {@code <kind>:<name>} or {@code global}. */
    private static void ownerKind(JsonGenerator g, byte[] owner) throws IOException {
        if (owner == null) {
            g.writeNull();
            return;
        }
        for (int i = 0; i < owner.length; i++) {
            if (owner[i] == ':') {
                g.writeUTF8String(owner, 0, i);
                return;
            }
        }
        g.writeString(GLOBAL);
    }

    private static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
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
