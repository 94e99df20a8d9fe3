package io.omniglass.api.lane;

import java.nio.charset.StandardCharsets;

/**
 * What a text field of a datapoint must be for the database to hold it as data. Postgres text
 * cannot hold NUL (22021), and a series or source rule is keyed by a unique index whose row is
 * limited to about 2.7 kB (54000): such a datapoint is refused at decode time, with its reason,
 * instead of failing the batch it arrived in. The rules decode the same message and apply the
 * same decoder ({@link LaneCodec}), so they never evaluate what the sink will not store.
 */
public final class LaneText {

    /**
     * Bytes of UTF-8 for {@code instance}, {@code source} and {@code source_rule}: instance and source
     * share the series' unique index with the owner (at most 128 characters, 512 bytes), so
     * 512 + 512 + 512 stays well under the index row limit.
     */
    public static final int MAX_FIELD_BYTES = 512;

    private LaneText() {
    }

    /** null when {@code key} may name a datapoint type, else why not. */
    public static String keyProblem(String key) {
        // the datapoint_type.name CHECK: a key that cannot be registered is unknown without a lookup
        if (isName(key, false)) {
            return null;
        }
        return "key '" + printable(key) + "' is not a datapoint type name ([A-Za-z][A-Za-z0-9_.-]{0,127})";
    }

    /**
     * {@code [A-Za-z][A-Za-z0-9_.-]{0,127}}, or with {@code digitFirst} {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,127}}:
     * checked by hand, as a regex matcher per datapoint was a tenth of the decoder's time.
     */
    static boolean isName(String s, boolean digitFirst) {
        int n = s.length();
        if (n == 0 || n > 128) {
            return false;
        }
        char first = s.charAt(0);
        if (!isLetter(first) && !(digitFirst && isDigit(first))) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = s.charAt(i);
            if (!isLetter(c) && !isDigit(c) && c != '_' && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** null when {@code value} of {@code field} is storable text, else why not. */
    public static String fieldProblem(String field, String value) {
        if (value.indexOf('\0') >= 0) {
            return field + " holds a NUL byte, which Postgres text cannot store";
        }
        int bytes = utf8Length(value);
        if (bytes > MAX_FIELD_BYTES) {
            return field + " is " + bytes + " bytes of UTF-8; at most " + MAX_FIELD_BYTES;
        }
        return null;
    }

    private static int utf8Length(String s) {
        if (s.length() * 3 <= MAX_FIELD_BYTES) {
            return s.length(); // cannot exceed the limit: skip the count on the common, short field
        }
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A bounded, one-line rendering of hostile text for a reason. */
    private static String printable(String s) {
        String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
