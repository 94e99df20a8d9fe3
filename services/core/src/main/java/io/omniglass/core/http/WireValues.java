package io.omniglass.core.http;

import com.fasterxml.jackson.core.JsonGenerator;
import org.postgresql.PGResultSetMetaData;
import org.postgresql.util.ByteConverter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Column values copied from the Postgres wire ({@link ResultSet#getBytes}: UTF-8 for text-like
 * columns in either format) into a JSON generator with no String or boxed number per value: a
 * fleet read writes a million of them. pgjdbc hands a column over in text or
 * binary format (binary once a statement is server-prepared, or at once when forced, see
 * {@link CurrentValueRoutes}); both are handled, and both give the same JSON.
 */
final class WireValues {

    /** 2000-01-01T00:00:00Z, the Postgres timestamp epoch, in Unix seconds. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    private final boolean[] binary;
    private final char[] chars = new char[64];
    private final byte[] isoBytes = new byte[64];
    /** The last day formatted (a fleet's current values mostly share one): its epoch day and yyyy-MM-dd. */
    private long lastDay = Long.MIN_VALUE;
    private final byte[] lastDate = new byte[10];

    WireValues(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        PGResultSetMetaData pg = md.unwrap(PGResultSetMetaData.class);
        binary = new boolean[md.getColumnCount() + 1];
        for (int c = 1; c < binary.length; c++) {
            binary[c] = pg.getFormat(c) == 1;
        }
    }

    /** {@code binary[c]}: column {@code c} (from 1) arrives in binary format. */
    WireValues(boolean[] binary) {
        this.binary = binary.clone();
    }

    /** A text, varchar or enum column as a JSON string (escaped as needed), or null. */
    void string(JsonGenerator g, byte[] b) throws IOException {
        if (b == null) {
            g.writeNull();
        } else if (needsNoEscape(b)) {
            // names and keys are printable ASCII: copied as they are, without Jackson's per-byte escape pass
            g.writeRawUTF8String(b, 0, b.length);
        } else {
            g.writeUTF8String(b, 0, b.length);
        }
    }

    /** Printable ASCII without a quote or backslash: what JSON carries inside quotes unchanged. */
    static boolean needsNoEscape(byte[] b) {
        for (byte x : b) {
            if (x < 0x20 || x == '"' || x == '\\') { // bytes of non-ASCII characters are negative
                return false;
            }
        }
        return true;
    }

    /** A bigint or int column as a JSON number, or null. */
    void integer(JsonGenerator g, int col, byte[] b) throws IOException {
        if (b == null) {
            g.writeNull();
        } else if (binary[col]) {
            g.writeNumber(binaryInteger(b));
        } else {
            rawAscii(g, b);
        }
    }

    /** The value of a bigint or int column (for cursors). */
    long longValue(int col, byte[] b) {
        return binary[col] ? binaryInteger(b) : Long.parseLong(new String(b, StandardCharsets.US_ASCII));
    }

    /** bigint, int or smallint in binary format: big-endian, its width telling which. */
    private static long binaryInteger(byte[] b) {
        return b.length == 8 ? ByteConverter.int8(b, 0) : b.length == 4 ? ByteConverter.int4(b, 0) : ByteConverter.int2(b, 0);
    }

    /** A double precision column as a JSON number; NaN and infinities, which JSON cannot carry, as null. */
    void float8(JsonGenerator g, int col, byte[] b) throws IOException {
        if (b == null) {
            g.writeNull();
        } else if (binary[col]) {
            double d = ByteConverter.float8(b, 0);
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeNull();
            }
        } else {
            byte last = b[b.length - 1];
            if (last == 'N' || last == 'y') { // NaN, Infinity, -Infinity
                g.writeNull();
            } else {
                rawAscii(g, b); // float8out's shortest exact form is a valid JSON number
            }
        }
    }

    /** A timestamptz column as an ISO-8601 UTC string ({@code 2026-11-21T07:00:00.123Z}), or null. */
    void timestamptz(JsonGenerator g, int col, byte[] b) throws IOException {
        if (b == null) {
            g.writeNull();
        } else if (binary[col]) {
            long micros = ByteConverter.int8(b, 0);
            int n = isoBytes(micros);
            if (n > 0) {
                g.writeRawUTF8String(isoBytes, 0, n); // digits, '-', ':', 'T', '.', 'Z': nothing to escape
                return;
            }
            n = isoFromPgMicros(micros, chars);
            if (n < 0) {
                g.writeString(micros == Long.MAX_VALUE ? "infinity" : micros == Long.MIN_VALUE ? "-infinity"
                        : Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L) + PG_EPOCH_SECONDS,
                                Math.floorMod(micros, 1_000_000L) * 1000L).toString());
            } else {
                g.writeString(chars, 0, n);
            }
        } else {
            g.writeString(CurrentValueRoutes.isoUtc(new String(b, StandardCharsets.US_ASCII)));
        }
    }

    /**
     * Formats Postgres microseconds since 2000-01-01 UTC as {@code yyyy-MM-ddTHH:mm:ss[.ffffff]Z}
     * (trailing zeros of the fraction dropped, as Postgres prints it) into {@code out}; returns the
     * length, or -1 outside years 0-9999.
     */
    static int isoFromPgMicros(long micros, char[] out) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            return -1;
        }
        long seconds = Math.floorDiv(micros, 1_000_000L) + PG_EPOCH_SECONDS;
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        long day = Math.floorDiv(seconds, 86_400L);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        LocalDate date = LocalDate.ofEpochDay(day);
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return -1;
        }
        int i = 0;
        i = digits(out, i, year, 4);
        out[i++] = '-';
        i = digits(out, i, date.getMonthValue(), 2);
        out[i++] = '-';
        i = digits(out, i, date.getDayOfMonth(), 2);
        out[i++] = 'T';
        i = digits(out, i, secondOfDay / 3600, 2);
        out[i++] = ':';
        i = digits(out, i, secondOfDay / 60 % 60, 2);
        out[i++] = ':';
        i = digits(out, i, secondOfDay % 60, 2);
        if (fraction != 0) {
            out[i++] = '.';
            int width = 6;
            while (fraction % 10 == 0) {
                fraction /= 10;
                width--;
            }
            i = digits(out, i, fraction, width);
        }
        out[i++] = 'Z';
        return i;
    }

    /**
     * {@link #isoFromPgMicros} into {@link #isoBytes}, its date part reused from the previous value
     * of the same day; -1 outside years 0-9999 (left to the general path).
     */
    private int isoBytes(long micros) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            return -1;
        }
        long seconds = Math.floorDiv(micros, 1_000_000L) + PG_EPOCH_SECONDS;
        long day = Math.floorDiv(seconds, 86_400L);
        if (day != lastDay) {
            int n = isoFromPgMicros(day * 86_400_000_000L - PG_EPOCH_SECONDS * 1_000_000L, chars);
            if (n < 0) {
                return -1;
            }
            for (int k = 0; k < 10; k++) {
                lastDate[k] = (byte) chars[k];
            }
            lastDay = day;
        }
        System.arraycopy(lastDate, 0, isoBytes, 0, 10);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        int fraction = (int) Math.floorMod(micros, 1_000_000L);
        int i = 10;
        isoBytes[i++] = 'T';
        i = digits(isoBytes, i, secondOfDay / 3600, 2);
        isoBytes[i++] = ':';
        i = digits(isoBytes, i, secondOfDay / 60 % 60, 2);
        isoBytes[i++] = ':';
        i = digits(isoBytes, i, secondOfDay % 60, 2);
        if (fraction != 0) {
            isoBytes[i++] = '.';
            int width = 6;
            while (fraction % 10 == 0) {
                fraction /= 10;
                width--;
            }
            i = digits(isoBytes, i, fraction, width);
        }
        isoBytes[i++] = 'Z';
        return i;
    }

    private static int digits(byte[] out, int at, int value, int width) {
        for (int k = width - 1; k >= 0; k--) {
            out[at + k] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    private static int digits(char[] out, int at, int value, int width) {
        for (int k = width - 1; k >= 0; k--) {
            out[at + k] = (char) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    private void rawAscii(JsonGenerator g, byte[] b) throws IOException {
        char[] c = b.length <= chars.length ? chars : new char[b.length];
        for (int k = 0; k < b.length; k++) {
            c[k] = (char) b[k];
        }
        g.writeRawValue(c, 0, b.length);
    }
}
