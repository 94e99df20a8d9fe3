package io.omniglass.core.lifecycle;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * An order-independent checksum over typed rows: the sum (mod 2^64) of a 64-bit mix of every
 * column of each row. The same rows read from Postgres and from the Parquet file give the same
 * sum, whatever order each engine returns them in; a lost, doubled or altered row changes it.
 */
final class RowChecksum {

    private long sum;
    private long rows;

    void add(ResultSet rs, int columns) throws SQLException {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 1; i <= columns; i++) {
            Object v = rs.getObject(i);
            long x;
            if (v == null) {
                x = 0x5bd1e995L;
            } else if (v instanceof Double d) {
                x = Double.doubleToLongBits(d);
            } else if (v instanceof Number n) {
                x = n.longValue();
            } else {
                x = fnv(v.toString());
            }
            h = mix(h ^ mix(x + i));
        }
        sum += h;
        rows++;
    }

    long rows() {
        return rows;
    }

    String value() {
        return rows + ":" + Long.toHexString(sum);
    }

    private static long fnv(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** splitmix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
