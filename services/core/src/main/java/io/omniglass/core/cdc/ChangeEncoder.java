package io.omniglass.core.cdc;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.omniglass.api.lane.ChangeMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * One change as the feed carries it (CONTRACT.md):
 * {@code {"lsn","xid","commit_ts","table","op","key","row","old"}}, with Postgres values mapped to
 * JSON by type: booleans and numbers as JSON, json/jsonb embedded, timestamps ISO-8601 UTC, bytea
 * base64, everything else (text, enums, uuids, arrays, intervals) as the Postgres text form.
 */
final class ChangeEncoder {

    static final int BOOL = 16, BYTEA = 17, INT8 = 20, INT2 = 21, INT4 = 23, OID = 26, JSON = 114,
            FLOAT4 = 700, FLOAT8 = 701, TIMESTAMP = 1114, TIMESTAMPTZ = 1184, NUMERIC = 1700, JSONB = 3802;

    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final DateTimeFormatter PG_TIMESTAMPTZ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
            .appendPattern("[XXXXX][XXX][X]")
            .toFormatter();

    private final ByteArrayBuilder buffer = new ByteArrayBuilder(1024);
    /**
     * One generator for every change of the session, flushed after each: a generator per change
     * cost a context, a buffer-recycler look-up and their garbage on every change of the hot path.
     * Made again after a failure, which can leave it inside an object.
     */
    private JsonGenerator generator;
    /** The ISO form of a timestamptz is written from here: no substring and concatenation per value. */
    private final char[] timestamp = new char[40];

    /** The op of a row change; truncate carries neither key nor row. */
    enum Op { insert, update, delete, truncate }

    byte[] encode(String lsn, long xid, String commitTs, PgOutput.Relation rel, Op op,
                  PgOutput.Tuple row, PgOutput.Tuple old, boolean oldIsKeyOnly) {
        return encode(lsn, xid, commitTs, rel, op, row, old, oldIsKeyOnly, false);
    }

    /**
     * {@code tooLarge}: the change does not fit in a NATS message; it is published with its key
     * only, "row" and "old" null and {@code "too_large": true}, so the feed stays complete and a
     * consumer can read the row from the database.
     */
    byte[] encode(String lsn, long xid, String commitTs, PgOutput.Relation rel, Op op,
                  PgOutput.Tuple row, PgOutput.Tuple old, boolean oldIsKeyOnly, boolean tooLarge) {
        buffer.reset();
        boolean done = false;
        try {
            JsonGenerator g = generator();
            g.writeStartObject();
            g.writeStringField(ChangeMessage.LSN, lsn);
            g.writeNumberField(ChangeMessage.XID, xid);
            g.writeStringField(ChangeMessage.COMMIT_TS, commitTs);
            g.writeStringField(ChangeMessage.TABLE, rel.name());
            g.writeStringField(ChangeMessage.OP, op.name());
            g.writeFieldName(ChangeMessage.KEY);
            PgOutput.Tuple keySource = row != null ? row : old;
            if (keySource == null) {
                g.writeNull();
            } else {
                writeTuple(g, rel.columns(), keySource, true);
            }
            if (tooLarge) {
                g.writeNullField(ChangeMessage.ROW);
                g.writeNullField(ChangeMessage.OLD);
                g.writeBooleanField(ChangeMessage.TOO_LARGE, true);
                g.writeEndObject();
                g.flush();
                done = true;
                return buffer.toByteArray();
            }
            g.writeFieldName(ChangeMessage.ROW);
            if (row == null) {
                g.writeNull();
            } else {
                writeTuple(g, rel.columns(), row, false, oldIsKeyOnly ? null : old);
            }
            g.writeFieldName(ChangeMessage.OLD);
            if (old == null || oldIsKeyOnly) {
                g.writeNull();
            } else {
                writeTuple(g, rel.columns(), old, false);
            }
            PgOutput.Tuple full = oldIsKeyOnly ? null : old;
            if (row != null && hasMissing(row, full)) {
                g.writeArrayFieldStart(ChangeMessage.UNCHANGED_TOAST);
                for (int i = 0; i < row.values().length; i++) {
                    if (missing(row, full, i)) {
                        g.writeString(rel.columns().get(i).name());
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.flush();
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!done) {
                generator = null;
            }
        }
        return buffer.toByteArray();
    }

    private JsonGenerator generator() throws IOException {
        if (generator == null) {
            generator = JSON_FACTORY.createGenerator(buffer, JsonEncoding.UTF8);
            generator.setRootValueSeparator(null); // one object per message: nothing between them
        }
        return generator;
    }

    private static boolean hasMissing(PgOutput.Tuple row, PgOutput.Tuple fullOld) {
        for (int i = 0; i < row.values().length; i++) {
            if (missing(row, fullOld, i)) {
                return true;
            }
        }
        return false;
    }

    private static boolean missing(PgOutput.Tuple row, PgOutput.Tuple fullOld, int i) {
        return row.unchanged(i) && (fullOld == null || i >= fullOld.values().length || fullOld.unchanged(i));
    }

    private void writeTuple(JsonGenerator g, List<PgOutput.Column> cols, PgOutput.Tuple t, boolean keyOnly) throws IOException {
        writeTuple(g, cols, t, keyOnly, null);
    }

    /**
     * An unchanged TOAST value is not in the new tuple; it is taken from a full old tuple when
     * there is one, and otherwise left out of "row" and named in "unchanged_toast".
     */
    private void writeTuple(JsonGenerator g, List<PgOutput.Column> cols, PgOutput.Tuple t, boolean keyOnly,
                            PgOutput.Tuple fallback) throws IOException {
        g.writeStartObject();
        String[] v = t.values();
        int n = Math.min(v.length, cols.size());
        for (int i = 0; i < n; i++) {
            PgOutput.Column c = cols.get(i);
            if (keyOnly && !c.key()) {
                continue;
            }
            String value = v[i];
            if (t.unchanged(i)) {
                if (fallback == null || i >= fallback.values().length || fallback.unchanged(i)) {
                    continue;
                }
                value = fallback.values()[i];
            }
            g.writeFieldName(c.name());
            if (c.typeOid() == TIMESTAMPTZ && value != null) {
                writeTimestamptz(g, value);
            } else {
                writeValue(g, c.typeOid(), value);
            }
        }
        g.writeEndObject();
    }

    static void writeValue(JsonGenerator g, int type, String text) throws IOException {
        if (text == null) {
            g.writeNull();
            return;
        }
        switch (type) {
            case BOOL -> g.writeBoolean("t".equals(text));
            case INT2, INT4, INT8, OID -> g.writeNumber(text);
            case FLOAT4, FLOAT8, NUMERIC -> {
                if (isFinite(text)) {
                    g.writeNumber(text);
                } else {
                    g.writeString(text); // NaN, Infinity: not JSON numbers
                }
            }
            case JSON, JSONB -> g.writeRawValue(text);
            case TIMESTAMPTZ -> g.writeString(isoTimestamptz(text));
            case TIMESTAMP -> g.writeString(text.replace(' ', 'T'));
            case BYTEA -> g.writeString(Base64.getEncoder().encodeToString(bytea(text)));
            default -> g.writeString(text);
        }
    }

    private static boolean isFinite(String text) {
        char c = text.charAt(text.length() - 1);
        return c >= '0' && c <= '9';
    }

    /** {@link #isoTimestamptz} without garbage for the usual UTC text; any other offset takes the general path. */
    private void writeTimestamptz(JsonGenerator g, String text) throws IOException {
        int len = text.length();
        if (isUtcIso(text) && len - 2 <= timestamp.length) {
            text.getChars(0, len - 3, timestamp, 0);
            timestamp[10] = 'T';
            timestamp[len - 3] = 'Z';
            g.writeString(timestamp, 0, len - 2);
        } else {
            g.writeString(isoTimestamptz(text));
        }
    }

    /** "2026-11-21 07:00:00.123456+00": Postgres' text of a timestamptz in a UTC session. */
    private static boolean isUtcIso(String text) {
        int len = text.length();
        return len > 13 && text.endsWith("+00") && text.charAt(10) == ' ' && text.charAt(len - 4) != ':';
    }

    /** Postgres' ISO DateStyle text ("2026-11-21 07:00:00.123456+00") as ISO-8601 UTC. */
    static String isoTimestamptz(String text) {
        int len = text.length();
        if (isUtcIso(text)) {
            return text.substring(0, 10) + 'T' + text.substring(11, len - 3) + 'Z';
        }
        try {
            return OffsetDateTime.parse(text, PG_TIMESTAMPTZ).toInstant().toString();
        } catch (RuntimeException e) {
            return text; // infinity, BC dates: the Postgres text
        }
    }

    static String isoMicros(long pgMicros) {
        long unixMicros = pgMicros + PgOutput.PG_EPOCH_MICROS;
        return Instant.ofEpochSecond(Math.floorDiv(unixMicros, 1_000_000L), Math.floorMod(unixMicros, 1_000_000L) * 1000L)
                .toString();
    }

    private static byte[] bytea(String text) {
        if (text.startsWith("\\x")) {
            return HexFormat.of().parseHex(text, 2, text.length());
        }
        return text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // escape format: not produced by default
    }
}
