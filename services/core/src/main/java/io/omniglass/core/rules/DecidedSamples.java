package io.omniglass.core.rules;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far each (rule version, owner) of one tenant has been decided, as this engine saw it commit:
 * a lower bound of {@code event_rule_state.last_ts}, which only moves forward. The live decision
 * ignores a sample not newer than the last one ({@link RuleDecision}), so a backfilled datapoint at
 * or before this bound cannot change an alarm. A replay of old data behind live series is then
 * skipped before it is decoded: {@link #nothingNew} reads only the owner, key and ts of each
 * datapoint with a streaming parser, and never skips what it cannot read (the full decode decides).
 *
 * <p>Bounded: at most {@link #MAX_ENTRIES} pairs a tenant and {@link #MAX_ENTRIES_PER_CORE} over
 * every tenant of the core (a few MB whatever the fleet); past that, pairs not yet known are
 * simply not skipped early (their datapoints take the full path, as before).
 */
final class DecidedSamples {

    static final int MAX_ENTRIES = 10_000;
    static final int MAX_ENTRIES_PER_CORE = 50_000;
    private static final java.util.concurrent.atomic.AtomicInteger CORE_ENTRIES = new java.util.concurrent.atomic.AtomicInteger();
    private static final JsonFactory JSON = new JsonFactory();

    private final Map<String, Instant> decided = new ConcurrentHashMap<>();

    /** After a commit: the state of {@code rule} for {@code owner} is at {@code lastTs} or later. */
    void decided(EventRuleDef rule, String owner, Instant lastTs) {
        if (lastTs == null) {
            return;
        }
        // the database keeps microseconds, rounding: the bound must not pass what it stored
        Instant bound = lastTs.truncatedTo(ChronoUnit.MICROS);
        String k = key(rule, owner);
        Instant before = decided.get(k);
        if (before != null) {
            if (bound.isAfter(before)) {
                decided.merge(k, bound, (a, b) -> a.isAfter(b) ? a : b);
            }
            return;
        }
        if (decided.size() >= MAX_ENTRIES || CORE_ENTRIES.incrementAndGet() > MAX_ENTRIES_PER_CORE) {
            if (decided.size() < MAX_ENTRIES) {
                CORE_ENTRIES.decrementAndGet();
            }
            return;
        }
        if (decided.putIfAbsent(k, bound) != null) {
            CORE_ENTRIES.decrementAndGet(); // another thread added it meanwhile
            decided.merge(k, bound, (a, b) -> a.isAfter(b) ? a : b);
        }
    }

    /** The tenant's engine stops: its pairs leave the core's budget. */
    void clear() {
        int n = decided.size();
        decided.clear();
        CORE_ENTRIES.addAndGet(-n);
    }

    /** Whether the live decision could still act on a sample of {@code owner} at {@code ts} under {@code rule}. */
    boolean isNew(EventRuleDef rule, String owner, Instant ts) {
        Instant bound = decided.get(key(rule, owner));
        return bound == null || ts.isAfter(bound);
    }

    /**
     * When no datapoint of the message body can change an alarm under {@code rules} (each one matches
     * no rule, or is not newer than every matching rule's decided bound): how many (datapoint, rule)
     * matches it holds, all of them already decided. {@link #MAY_CHANGE} as soon as one might, and
     * for anything this scan does not understand (the full decode then decides).
     */
    int decidedMatches(byte[] body, List<EventRuleDef> rules) {
        if (decided.isEmpty() && !rules.isEmpty()) {
            return MAY_CHANGE;
        }
        int[] matches = {0};
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                return item(p, rules, matches) || p.nextToken() != null ? MAY_CHANGE : matches[0];
            }
            if (t != JsonToken.START_ARRAY) {
                return MAY_CHANGE;
            }
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                if (item(p, rules, matches)) {
                    return MAY_CHANGE;
                }
            }
            return t == JsonToken.END_ARRAY && p.nextToken() == null ? matches[0] : MAY_CHANGE;
        } catch (IOException | RuntimeException e) { // a ts that does not parse among them
            return MAY_CHANGE;
        }
    }

    static final int MAY_CHANGE = -1;

    /** One datapoint object (the parser on its START_OBJECT, left on its END_OBJECT): may it change an alarm? */
    private boolean item(JsonParser p, List<EventRuleDef> rules, int[] matches) throws IOException {
        String owner = null;
        String key = null;
        String ts = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "owner" -> owner = v == JsonToken.VALUE_STRING ? p.getText() : null;
                case "key" -> key = v == JsonToken.VALUE_STRING ? p.getText() : null;
                case "ts" -> ts = v == JsonToken.VALUE_STRING ? p.getText() : null;
                default -> p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT || owner == null || key == null || ts == null) {
            return true;
        }
        Instant at = null;
        for (EventRuleDef r : rules) {
            if (r.matches(owner, key)) {
                if (at == null) {
                    at = instant(ts);
                }
                if (isNew(r, owner, at)) {
                    return true;
                }
                matches[0]++;
            }
        }
        return false;
    }

    /**
     * The lane's timestamp ({@code 2026-11-21T07:00:00.123456Z}, or with an offset) read without
     * the general parser, which was most of this scan's cost; anything else goes to the general one.
     */
    static Instant instant(String ts) {
        int n = ts.length();
        if (n >= 20 && ts.charAt(4) == '-' && ts.charAt(7) == '-' && ts.charAt(10) == 'T' && ts.charAt(13) == ':'
                && ts.charAt(16) == ':') {
            int y = digits(ts, 0, 4);
            int mo = digits(ts, 5, 7);
            int d = digits(ts, 8, 10);
            int h = digits(ts, 11, 13);
            int mi = digits(ts, 14, 16);
            int se = digits(ts, 17, 19);
            int i = 19;
            long nanos = 0;
            if (i < n && ts.charAt(i) == '.') {
                int start = ++i;
                while (i < n && i - start < 9 && Character.isDigit(ts.charAt(i))) {
                    nanos = nanos * 10 + (ts.charAt(i++) - '0');
                }
                if (i == start) {
                    return OffsetDateTime.parse(ts).toInstant();
                }
                for (int k = i - start; k < 9; k++) {
                    nanos *= 10;
                }
            }
            int offset = Integer.MIN_VALUE;
            if (i == n - 1 && ts.charAt(i) == 'Z') {
                offset = 0;
            } else if (i == n - 6 && (ts.charAt(i) == '+' || ts.charAt(i) == '-') && ts.charAt(i + 3) == ':') {
                int oh = digits(ts, i + 1, i + 3);
                int om = digits(ts, i + 4, i + 6);
                if (oh >= 0 && oh <= 18 && om >= 0 && om < 60) {
                    offset = (ts.charAt(i) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
                }
            }
            if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 60
                    && offset != Integer.MIN_VALUE && d <= java.time.YearMonth.of(y, mo).lengthOfMonth()) {
                long day = java.time.LocalDate.of(y, mo, d).toEpochDay();
                return Instant.ofEpochSecond(day * 86_400 + h * 3600L + mi * 60L + se - offset, nanos);
            }
        }
        return OffsetDateTime.parse(ts).toInstant();
    }

    /** The decimal number in {@code s[from, to)}, or -1 when it is not all digits. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static String key(EventRuleDef rule, String owner) {
        return rule.id() + "/" + rule.version() + "/" + owner;
    }
}
