package io.omniglass.api.lane;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * A datapoint's {@code ts}: exactly what {@link OffsetDateTime#parse(CharSequence)} accepts, with
 * the same result, but the form every publisher sends ({@code 2026-11-21T07:00:00.123456Z} or
 * {@code ...+02:00}) read by hand. {@code OffsetDateTime.parse} builds a field map and resolves it
 * for every call, which was about a tenth of the sink's CPU per row; this reads the digits in place.
 * Anything the fast path does not recognise (lowercase {@code t}/{@code z}, a year past 9999 or
 * signed, an offset with seconds or {@code -00:00}, any field out of range) goes to java.time
 * itself, so what is accepted and what is refused never differs from java.time's answer.
 */
public final class LaneTimestamp {

    private static final int[] DAYS_IN_MONTH = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    private static final int[] POW10 = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private LaneTimestamp() {
    }

    /** As {@link OffsetDateTime#parse(CharSequence)}: the timestamp, or a {@link DateTimeParseException}. */
    public static OffsetDateTime parse(String s) {
        OffsetDateTime fast = fast(s);
        return fast != null ? fast : OffsetDateTime.parse(s);
    }

    /**
     * Microseconds since 1970-01-01 UTC, rounded half up as Postgres rounds a timestamptz;
     * saturated at {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE} for a ts beyond about 292,000
     * years (java.time reads years to ±999,999,999, and such a ts must still be refused by the
     * accepted window, not throw).
     */
    public static long epochMicros(OffsetDateTime ts) {
        long seconds = ts.toEpochSecond();
        if (seconds >= Long.MAX_VALUE / 1_000_000L) {
            return Long.MAX_VALUE;
        }
        if (seconds <= Long.MIN_VALUE / 1_000_000L) {
            return Long.MIN_VALUE;
        }
        return seconds * 1_000_000L + (ts.getNano() + 500) / 1000;
    }

    /** null when {@code s} is not in the common form or any field is out of range (java.time decides then). */
    static OffsetDateTime fast(String s) {
        int n = s.length();
        // yyyy-MM-ddTHH:mm is 16 characters, the shortest offset Z one more
        if (n < 17 || n > 41 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
            return null;
        }
        int monthDays = month == 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
        if (day > monthDays) {
            return null;
        }
        int i = 16;
        int second = 0;
        int nano = 0;
        if (s.charAt(i) == ':') {
            if (i + 3 > n) {
                return null;
            }
            second = digits(s, i + 1, 2);
            if (second < 0 || second > 59) {
                return null;
            }
            i += 3;
            if (i < n && s.charAt(i) == '.') {
                int start = ++i;
                int fraction = 0;
                while (i < n && i - start < 9 && isDigit(s.charAt(i))) {
                    fraction = fraction * 10 + (s.charAt(i) - '0');
                    i++;
                }
                int count = i - start;
                if (count == 0 || (i < n && isDigit(s.charAt(i)))) {
                    return null; // no digit, or more than nine
                }
                nano = fraction * POW10[9 - count];
            }
        }
        if (i >= n) {
            return null;
        }
        ZoneOffset offset;
        char sign = s.charAt(i);
        if (sign == 'Z' && i + 1 == n) {
            offset = ZoneOffset.UTC;
        } else if ((sign == '+' || sign == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 18 || om < 0 || om > 59 || (oh == 18 && om > 0) || (sign == '-' && oh == 0 && om == 0)) {
                return null;
            }
            int total = oh * 3600 + om * 60;
            offset = ZoneOffset.ofTotalSeconds(sign == '-' ? -total : total);
        } else {
            return null;
        }
        return OffsetDateTime.of(year, month, day, hour, minute, second, nano, offset);
    }

    /** The unsigned decimal of {@code count} ASCII digits at {@code from}, or -1. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLeap(int year) {
        return (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);
    }
}
