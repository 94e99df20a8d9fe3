package io.omniglass.core.gateway;

import org.jooq.Condition;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The filter language of CONTRACT.md, parsed into a jOOQ {@link Condition} over a closed
 * {@link FilterFields} map. Values are always bound parameters; field names only ever select a
 * generated column. Grammar (keywords case-insensitive):
 * <pre>
 *   filter  := or
 *   or      := and ("or" and)*
 *   and     := primary ("and" primary)*
 *   primary := "(" or ")" | field op value | field "in" "(" value ("," value)* ")"
 *   op      := "=" | "!=" | "&lt;" | "&lt;=" | "&gt;" | "&gt;=" | "~"
 *   value   := bare | "quoted \" \\ \n \t"
 * </pre>
 * {@code ~} is a glob ({@code *} any run, {@code ?} one character) on text fields; on {@code owner}
 * a pattern without a {@code kind:} prefix matches the owner's name. Every error is a
 * {@link FilterException} with the 1-based position of the offending character.
 */
public final class Filter {

    public static final int MAX_LENGTH = 4000;
    public static final int MAX_TERMS = 32;
    public static final int MAX_DEPTH = 8;
    public static final int MAX_IN_VALUES = 200;
    public static final int MAX_VALUE_LENGTH = 512;

    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    static final int MAX_GLOB_STARS = 8;
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d{1,18}");

    private enum Kind { WORD, STRING, OP, LPAREN, RPAREN, COMMA, EOF }

    private record Token(Kind kind, String text, int pos) {
        boolean keyword(String k) {
            return kind == Kind.WORD && text.equalsIgnoreCase(k);
        }
    }

    private final FilterFields fields;
    private final List<Token> tokens;
    private int i;
    private int terms;

    private Filter(FilterFields fields, List<Token> tokens) {
        this.fields = fields;
        this.tokens = tokens;
    }

    /** An empty or blank filter is no filter (true). */
    public static Condition parse(String input, FilterFields fields) {
        if (input == null || input.isBlank()) {
            return DSL.trueCondition();
        }
        if (input.length() > MAX_LENGTH) {
            throw new FilterException(MAX_LENGTH + 1, "filter longer than " + MAX_LENGTH + " characters");
        }
        Filter f = new Filter(fields, tokenize(input));
        Condition c = f.or(0);
        Token t = f.peek();
        if (t.kind != Kind.EOF) {
            throw new FilterException(t.pos, "expected 'and', 'or' or the end of the filter, found " + describe(t));
        }
        return c;
    }

    // ---------------------------------------------------------------- parser

    private Condition or(int depth) {
        Condition c = and(depth);
        while (peek().keyword("or")) {
            next();
            c = c.or(and(depth));
        }
        return c;
    }

    private Condition and(int depth) {
        Condition c = primary(depth);
        while (peek().keyword("and")) {
            next();
            c = c.and(primary(depth));
        }
        return c;
    }

    private Condition primary(int depth) {
        Token t = next();
        if (t.kind == Kind.LPAREN) {
            if (depth >= MAX_DEPTH) {
                throw new FilterException(t.pos, "parentheses nested deeper than " + MAX_DEPTH);
            }
            Condition c = or(depth + 1);
            Token close = next();
            if (close.kind != Kind.RPAREN) {
                throw new FilterException(close.pos, "expected ')' to close the '(' at position " + t.pos + ", found " + describe(close));
            }
            return c;
        }
        if (t.kind != Kind.WORD || t.keyword("and") || t.keyword("or") || t.keyword("in")) {
            throw new FilterException(t.pos, "expected a field name, found " + describe(t));
        }
        if (++terms > MAX_TERMS) {
            throw new FilterException(t.pos, "more than " + MAX_TERMS + " conditions");
        }
        FilterFields.Spec spec = fields.get(t.text.toLowerCase(Locale.ROOT));
        if (spec == null) {
            throw new FilterException(t.pos, "unknown field '" + clip(t.text) + "' (fields: " + String.join(", ", fields.names()) + ")");
        }
        Token op = next();
        if (op.keyword("in")) {
            return in(spec, op);
        }
        if (op.kind != Kind.OP) {
            throw new FilterException(op.pos, "expected an operator (= != < <= > >= ~ in) after '" + spec.name() + "', found " + describe(op));
        }
        Token value = next();
        if (value.kind != Kind.WORD && value.kind != Kind.STRING) {
            throw new FilterException(value.pos, "expected a value after '" + op.text + "', found " + describe(value));
        }
        return compare(spec, op, value);
    }

    private Condition in(FilterFields.Spec spec, Token op) {
        Token open = next();
        if (open.kind != Kind.LPAREN) {
            throw new FilterException(open.pos, "expected '(' after 'in', found " + describe(open));
        }
        List<Object> values = new ArrayList<>();
        while (true) {
            Token v = next();
            if (v.kind != Kind.WORD && v.kind != Kind.STRING) {
                throw new FilterException(v.pos, "expected a value in the 'in' list, found " + describe(v));
            }
            if (values.size() >= MAX_IN_VALUES) {
                throw new FilterException(v.pos, "more than " + MAX_IN_VALUES + " values in an 'in' list");
            }
            values.add(coerce(spec, v));
            Token sep = next();
            if (sep.kind == Kind.RPAREN) {
                break;
            }
            if (sep.kind != Kind.COMMA) {
                throw new FilterException(sep.pos, "expected ',' or ')' in the 'in' list, found " + describe(sep));
            }
        }
        @SuppressWarnings("unchecked")
        Field<Object> f = (Field<Object>) spec.column();
        return f.in(values);
    }

    @SuppressWarnings("unchecked")
    private Condition compare(FilterFields.Spec spec, Token op, Token value) {
        Field<Object> f = (Field<Object>) spec.column();
        if (op.text.equals("~")) {
            if (spec.type() != FilterFields.Type.TEXT) {
                throw new FilterException(op.pos, "'~' (glob) needs a text field; '" + spec.name() + "' is " + typeName(spec));
            }
            checkLength(value);
            if (value.text.chars().filter(c -> c == '*').count() > MAX_GLOB_STARS) {
                // each '*' multiplies the matcher's work over an unbounded column value
                throw new FilterException(value.pos, "a glob may hold at most " + MAX_GLOB_STARS + " '*'");
            }
            Field<String> text = (Field<String>) spec.column();
            if (spec.name().equals("owner") && value.text.indexOf(':') < 0) {
                // owners read "component:pump-7"; a pattern without a kind is about the name
                // (CONTRACT.md: owner ~ "pump-*"), whatever the kind; names never hold ':'
                return text.like(globToLike(value.text), '\\').or(text.like("%:" + globToLike(value.text), '\\'));
            }
            return text.like(globToLike(value.text), '\\');
        }
        Object v = coerce(spec, value);
        boolean ordered = spec.type() != FilterFields.Type.BOOLEAN;
        return switch (op.text) {
            case "=" -> f.eq(v);
            case "!=" -> f.ne(v);
            case "<" -> ordering(ordered, spec, op, f.lt(v));
            case "<=" -> ordering(ordered, spec, op, f.le(v));
            case ">" -> ordering(ordered, spec, op, f.gt(v));
            case ">=" -> ordering(ordered, spec, op, f.ge(v));
            default -> throw new FilterException(op.pos, "unknown operator '" + op.text + "'");
        };
    }

    private static Condition ordering(boolean ordered, FilterFields.Spec spec, Token op, Condition c) {
        if (!ordered) {
            throw new FilterException(op.pos, "'" + op.text + "' cannot compare " + typeName(spec) + " field '" + spec.name() + "'");
        }
        return c;
    }

    private static Object coerce(FilterFields.Spec spec, Token v) {
        checkLength(v);
        String s = v.text;
        switch (spec.type()) {
            case TEXT:
                return s;
            case LONG:
                if (!INTEGER.matcher(s).matches()) {
                    throw new FilterException(v.pos, "'" + spec.name() + "' needs an integer, found " + describe(v));
                }
                return Long.parseLong(s);
            case DOUBLE:
                if (!NUMBER.matcher(s).matches()) {
                    throw new FilterException(v.pos, "'" + spec.name() + "' needs a number, found " + describe(v));
                }
                double d = Double.parseDouble(s);
                if (!Double.isFinite(d)) {
                    throw new FilterException(v.pos, "'" + spec.name() + "' needs a finite number");
                }
                return d;
            case BOOLEAN:
                if (s.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (s.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                throw new FilterException(v.pos, "'" + spec.name() + "' needs true or false, found " + describe(v));
            case TIMESTAMP:
                return timestamp(spec, v);
            case ENUM:
                for (EnumType e : spec.enumClass().getEnumConstants()) {
                    if (e.getLiteral().equals(s)) {
                        return e;
                    }
                }
                List<String> allowed = new ArrayList<>();
                for (EnumType e : spec.enumClass().getEnumConstants()) {
                    allowed.add(e.getLiteral());
                }
                throw new FilterException(v.pos, "'" + spec.name() + "' is one of " + String.join(", ", allowed) + "; found " + describe(v));
            default:
                throw new IllegalStateException(spec.type().name());
        }
    }

    private static OffsetDateTime timestamp(FilterFields.Spec spec, Token v) {
        OffsetDateTime t = parseTimestamp(spec, v);
        if (!StorableTime.storable(t)) {
            throw new FilterException(v.pos, "'" + spec.name() + "' needs a time " + StorableTime.range() + ", found " + describe(v));
        }
        return t;
    }

    private static OffsetDateTime parseTimestamp(FilterFields.Spec spec, Token v) {
        String s = v.text;
        try {
            if (s.length() == 10) {
                return LocalDate.parse(s).atStartOfDay().atOffset(ZoneOffset.UTC);
            }
            return OffsetDateTime.parse(s);
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(s).atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw new FilterException(v.pos, "'" + spec.name() + "' needs an ISO-8601 time like 2026-11-21T07:00:00Z, found " + describe(v));
            }
        }
    }

    private static void checkLength(Token v) {
        if (v.text.length() > MAX_VALUE_LENGTH) {
            throw new FilterException(v.pos, "value longer than " + MAX_VALUE_LENGTH + " characters");
        }
    }

    /** {@code *} and {@code ?} become LIKE wildcards; LIKE's own wildcards and the escape are escaped. */
    static String globToLike(String glob) {
        StringBuilder b = new StringBuilder(glob.length() + 8);
        for (int k = 0; k < glob.length(); k++) {
            char c = glob.charAt(k);
            switch (c) {
                case '*' -> b.append('%');
                case '?' -> b.append('_');
                case '%', '_', '\\' -> b.append('\\').append(c);
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static String typeName(FilterFields.Spec spec) {
        return switch (spec.type()) {
            case TEXT -> "a text";
            case LONG -> "an integer";
            case DOUBLE -> "a number";
            case TIMESTAMP -> "a timestamp";
            case BOOLEAN -> "a boolean";
            case ENUM -> "an enumerated";
        };
    }

    private Token peek() {
        return tokens.get(i);
    }

    private Token next() {
        Token t = tokens.get(i);
        if (t.kind != Kind.EOF) {
            i++;
        }
        return t;
    }

    private static String describe(Token t) {
        return switch (t.kind) {
            case EOF -> "the end of the filter";
            case STRING -> "\"" + clip(t.text) + "\"";
            default -> "'" + clip(t.text) + "'";
        };
    }

    private static String clip(String s) {
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < s.length() && k < 40; k++) {
            char c = s.charAt(k);
            b.append(c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? '?' : c);
        }
        return s.length() > 40 ? b + "..." : b.toString();
    }

    // ---------------------------------------------------------------- tokenizer

    private static boolean special(char c) {
        return c == '(' || c == ')' || c == ',' || c == '"' || c == '\'' || c == '=' || c == '!' || c == '<' || c == '>' || c == '~';
    }

    private static void checkChar(String s, int k) {
        char c = s.charAt(k);
        if (c < 0x20 || c == 0x7f) {
            throw new FilterException(k + 1, String.format("control character U+%04X is not allowed", (int) c));
        }
        if (Character.isHighSurrogate(c)) {
            if (k + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(k + 1))) {
                throw new FilterException(k + 1, "invalid unicode (unpaired surrogate)");
            }
        } else if (Character.isLowSurrogate(c) && (k == 0 || !Character.isHighSurrogate(s.charAt(k - 1)))) {
            throw new FilterException(k + 1, "invalid unicode (unpaired surrogate)");
        }
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int k = 0;
        int n = s.length();
        while (k < n) {
            char c = s.charAt(k);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                k++;
                continue;
            }
            checkChar(s, k);
            int pos = k + 1;
            switch (c) {
                case '(' -> { out.add(new Token(Kind.LPAREN, "(", pos)); k++; }
                case ')' -> { out.add(new Token(Kind.RPAREN, ")", pos)); k++; }
                case ',' -> { out.add(new Token(Kind.COMMA, ",", pos)); k++; }
                case '=', '~' -> { out.add(new Token(Kind.OP, String.valueOf(c), pos)); k++; }
                case '<', '>' -> {
                    if (k + 1 < n && s.charAt(k + 1) == '=') {
                        out.add(new Token(Kind.OP, c + "=", pos));
                        k += 2;
                    } else {
                        out.add(new Token(Kind.OP, String.valueOf(c), pos));
                        k++;
                    }
                }
                case '!' -> {
                    if (k + 1 < n && s.charAt(k + 1) == '=') {
                        out.add(new Token(Kind.OP, "!=", pos));
                        k += 2;
                    } else {
                        throw new FilterException(pos, "unexpected '!' (did you mean '!='?)");
                    }
                }
                case '\'' -> throw new FilterException(pos, "unexpected single quote: quote values with double quotes");
                case '"' -> {
                    StringBuilder b = new StringBuilder();
                    k++;
                    boolean closed = false;
                    while (k < n) {
                        char d = s.charAt(k);
                        if (d == '"') {
                            closed = true;
                            k++;
                            break;
                        }
                        if (d == '\\') {
                            if (k + 1 >= n) {
                                break;
                            }
                            char e = s.charAt(k + 1);
                            switch (e) {
                                case '"' -> b.append('"');
                                case '\\' -> b.append('\\');
                                case 'n' -> b.append('\n');
                                case 't' -> b.append('\t');
                                default -> throw new FilterException(k + 1, "unknown escape '\\" + (e < 0x20 ? "?" : String.valueOf(e)) + "' (use \\\" \\\\ \\n \\t)");
                            }
                            k += 2;
                            continue;
                        }
                        checkChar(s, k);
                        b.append(d);
                        k++;
                    }
                    if (!closed) {
                        throw new FilterException(pos, "unterminated quoted value");
                    }
                    out.add(new Token(Kind.STRING, b.toString(), pos));
                }
                default -> {
                    int start = k;
                    while (k < n) {
                        char d = s.charAt(k);
                        if (d == ' ' || d == '\t' || d == '\n' || d == '\r' || special(d)) {
                            break;
                        }
                        checkChar(s, k);
                        k++;
                    }
                    out.add(new Token(Kind.WORD, s.substring(start, k), pos));
                }
            }
        }
        out.add(new Token(Kind.EOF, "", n + 1));
        return out;
    }
}
