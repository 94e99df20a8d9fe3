package io.omniglass.core.gateway;

import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The times a caller may name: years 1 to 9999. Java parses years of nine digits and Postgres
 * stores 4713 BC to 294276 AD, but arithmetic on either end overflows (an epoch-day past Java's
 * range, a timestamp past Postgres's), and no plant has data there: a time outside is the
 * caller's mistake, answered 400 where it is parsed (issue 16, finding 12).
 */
public final class StorableTime {

    public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999Z");

    private StorableTime() {
    }

    public static boolean storable(Instant t) {
        return !t.isBefore(MIN) && !t.isAfter(MAX);
    }

    public static boolean storable(OffsetDateTime t) {
        return t.getYear() > -2 && t.getYear() < 10_001 && storable(t.toInstant());
    }

    public static String range() {
        return "between years 1 and 9999";
    }
}
