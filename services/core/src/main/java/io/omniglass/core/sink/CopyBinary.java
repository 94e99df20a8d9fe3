package io.omniglass.core.sink;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A COPY ... (FORMAT binary) stream in one growing array: the signature and header, then per
 * tuple a field count and each field as a length (-1 for NULL) and its bytes in network order,
 * then the trailer (PostgreSQL's "COPY", "Binary Format").
 */
final class CopyBinary {

    private static final byte[] HEADER = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0,
            0, 0, 0, 0, // flags: no OIDs
            0, 0, 0, 0}; // no header extension
    /** 2000-01-01T00:00:00Z, Postgres' timestamp epoch, in Unix microseconds. */
    private static final long PG_EPOCH_MICROS = 946_684_800L * 1_000_000L;

    private byte[] buf;
    private int pos;

    CopyBinary(int expectedBytes) {
        buf = new byte[Math.max(64, expectedBytes)];
        bytes(HEADER);
    }

    void tuple(int fields) {
        int16(fields);
    }

    void nul() {
        int32(-1);
    }

    void int4(int v) {
        int32(4);
        int32(v);
    }

    void int8(long v) {
        int32(8);
        int64(v);
    }

    void int8OrNull(Long v) {
        if (v == null) {
            nul();
        } else {
            int8(v);
        }
    }

    void float8(double v) {
        int8(Double.doubleToLongBits(v));
    }

    /** A timestamptz from microseconds since 1970-01-01 UTC (the wire counts from 2000-01-01). */
    void timestamptz(long epochMicros) {
        int8(Math.subtractExact(epochMicros, PG_EPOCH_MICROS));
    }

    /** UTF-8, without NUL (Postgres text cannot hold it). */
    void text(String s) {
        byte[] b = (s.indexOf('\0') >= 0 ? s.replace("\0", "") : s).getBytes(StandardCharsets.UTF_8);
        int32(b.length);
        bytes(b);
    }

    /** Text already encoded (the few fixed literals, encoded once). */
    void text(byte[] utf8) {
        int32(utf8.length);
        bytes(utf8);
    }

    byte[] finish() {
        int16(-1);
        return Arrays.copyOf(buf, pos);
    }

    private void int16(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void int32(int v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void int64(long v) {
        int32((int) (v >>> 32));
        int32((int) v);
    }

    private void bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
