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
 * <p>Bounded: at most {@link #MAX_ENTRIES} pairs a tenant; past that, pairs not yet known are
 * simply not skipped early (their datapoints take the full path, as before).
 */
final class DecidedSamples {

    static final int MAX_ENTRIES = 10_000;
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
        if (decided.size() >= MAX_ENTRIES && !decided.containsKey(k)) {
            return;
        }
        decided.merge(k, bound, (a, b) -> a.isAfter(b) ? a : b);
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
                    at = OffsetDateTime.parse(ts).toInstant();
                }
                if (isNew(r, owner, at)) {
                    return true;
                }
                matches[0]++;
            }
        }
        return false;
    }

    private static String key(EventRuleDef rule, String owner) {
        return rule.id() + "/" + rule.version() + "/" + owner;
    }
}
