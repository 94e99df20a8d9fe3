package io.omniglass.core.alarms;

import io.omniglass.core.rules.Selector;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.Severity;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;

/**
 * The filter language (CONTRACT.md: {@code field op value} joined by {@code and}) over alarms:
 * fields state, severity, owner, rule, acked, snoozed; operators = != ~ (glob) and in (a,b).
 * Anything else is refused with the position, never passed to the database.
 */
final class AlarmFilter {

    private static final Pattern TERM = Pattern.compile(
            "\\s*([a-z_]+)\\s*(!=|=|~|\\bin\\b)\\s*(\"[^\"]*\"|\\([^)]*\\)|[^\\s\"()]+)\\s*");
    private static final Pattern AND = Pattern.compile("\\s*and\\s+", Pattern.CASE_INSENSITIVE);

    private AlarmFilter() {
    }

    static Condition parse(String text) {
        Condition c = DSL.trueCondition();
        if (text == null || text.isBlank()) {
            return c;
        }
        int pos = 0;
        while (true) {
            Matcher m = TERM.matcher(text).region(pos, text.length());
            if (!m.lookingAt()) {
                throw new FilterException(pos + 1, "expected field op value");
            }
            c = c.and(term(m.group(1), m.group(2), unquote(m.group(3)), m.start(1) + 1));
            pos = m.end();
            if (pos >= text.length()) {
                return c;
            }
            Matcher a = AND.matcher(text).region(pos, text.length());
            if (!a.lookingAt()) {
                throw new FilterException(pos + 1, "expected 'and'");
            }
            pos = a.end();
        }
    }

    private static Condition term(String field, String op, String value, int at) {
        List<String> values = new ArrayList<>();
        if (op.equals("in")) {
            if (!value.startsWith("(")) {
                throw new FilterException(at, "in takes a list: (a, b)");
            }
            for (String v : value.substring(1, value.length() - 1).split(",")) {
                values.add(unquote(v.trim()));
            }
        } else {
            values.add(value);
        }
        return switch (field) {
            case "state" -> compare(ALARM.STATE, op, values.stream().map(v -> enumValue(AlarmState.class, v, at)).toList(), at);
            case "severity" -> compare(ALARM.SEVERITY, op, values.stream().map(v -> enumValue(Severity.class, v, at)).toList(), at);
            case "owner" -> op.equals("~") ? ALARM.OWNER.like(Selector.of(value).likePattern(), '\\') : compare(ALARM.OWNER, op, values, at);
            case "rule" -> op.equals("~") ? EVENT_RULE.NAME.like(Selector.of(value).likePattern(), '\\') : compare(EVENT_RULE.NAME, op, values, at);
            case "acked" -> compare(ALARM.ACKED, op, values.stream().map(v -> bool(v, at)).toList(), at);
            case "snoozed" -> {
                Condition snoozed = ALARM.SNOOZED_UNTIL.gt(OffsetDateTime.now(ZoneOffset.UTC));
                boolean want = bool(value, at);
                if (!op.equals("=") && !op.equals("!=")) {
                    throw new FilterException(at, "snoozed takes = or !=");
                }
                yield want == op.equals("=") ? snoozed : DSL.not(snoozed).or(ALARM.SNOOZED_UNTIL.isNull());
            }
            default -> throw new FilterException(at, "unknown field '" + field + "': use state, severity, owner, rule, acked or snoozed");
        };
    }

    private static <T> Condition compare(Field<T> f, String op, List<T> values, int at) {
        return switch (op) {
            case "=" -> f.eq(values.get(0));
            case "!=" -> f.ne(values.get(0));
            case "in" -> f.in(values);
            default -> throw new FilterException(at, "operator " + op + " does not apply to this field");
        };
    }

    private static <E extends Enum<E> & org.jooq.EnumType> E enumValue(Class<E> type, String v, int at) {
        for (E e : type.getEnumConstants()) {
            if (e.getLiteral().equals(v)) {
                return e;
            }
        }
        throw new FilterException(at, "unknown value '" + v + "'");
    }

    private static Boolean bool(String v, int at) {
        if (v.equals("true") || v.equals("false")) {
            return Boolean.valueOf(v);
        }
        throw new FilterException(at, "expected true or false, not '" + v + "'");
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    static final class FilterException extends IllegalArgumentException {
        FilterException(int position, String message) {
            super("filter position " + position + ": " + message);
        }
    }
}
