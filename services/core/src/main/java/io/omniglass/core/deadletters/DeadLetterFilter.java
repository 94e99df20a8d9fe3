package io.omniglass.core.deadletters;

import io.omniglass.api.DeadLetter;
import io.omniglass.core.http.ApiException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The filter language (CONTRACT.md: {@code field op value} joined by {@code and}) over dead
 * letters, which live in a stream, not a table: fields {@code reason}, {@code subject},
 * {@code detail} and {@code body}; operators {@code = != ~ in}. A bad filter is a 400 naming
 * the position, like every other filter of the API.
 */
final class DeadLetterFilter {

    static final int MAX_LENGTH = 2000;
    private static final Set<String> FIELDS = Set.of("reason", "subject", "detail", "body");
    private static final Set<String> OPERATORS = Set.of("=", "!=", "~", "in");

    private DeadLetterFilter() {
    }

    static Predicate<DeadLetter> parse(String input) {
        if (input == null || input.isBlank()) {
            return d -> true;
        }
        if (input.length() > MAX_LENGTH) {
            throw bad(0, "the filter is longer than " + MAX_LENGTH + " characters");
        }
        List<Token> tokens = tokenize(input);
        Predicate<DeadLetter> all = d -> true;
        int i = 0;
        while (true) {
            Token field = at(tokens, i++, "a field");
            String name = field.text.toLowerCase(Locale.ROOT);
            if (field.quoted || !FIELDS.contains(name)) {
                throw bad(field.pos, "unknown field '" + field.text + "'; dead letters filter on " + String.join(", ", FIELDS.stream().sorted().toList()));
            }
            Token op = at(tokens, i++, "an operator");
            String o = op.text.toLowerCase(Locale.ROOT);
            if (op.quoted || !OPERATORS.contains(o)) {
                throw bad(op.pos, "unknown operator '" + op.text + "'; use = != ~ in");
            }
            Predicate<DeadLetter> term;
            if (o.equals("in")) {
                Token open = at(tokens, i++, "(");
                if (open.quoted || !open.text.equals("(")) {
                    throw bad(open.pos, "'in' takes a list: in (a, b)");
                }
                List<String> values = new ArrayList<>();
                while (true) {
                    values.add(value(at(tokens, i++, "a value")));
                    Token sep = at(tokens, i++, ", or )");
                    if (!sep.quoted && sep.text.equals(")")) {
                        break;
                    }
                    if (sep.quoted || !sep.text.equals(",")) {
                        throw bad(sep.pos, "expected , or ) in the list");
                    }
                }
                term = d -> values.contains(field(d, name));
            } else {
                String v = value(at(tokens, i++, "a value"));
                term = switch (o) {
                    case "=" -> d -> v.equals(field(d, name));
                    case "!=" -> d -> !v.equals(field(d, name));
                    default -> {
                        Pattern glob = glob(v);
                        yield d -> glob.matcher(field(d, name)).matches();
                    }
                };
            }
            all = all.and(term);
            if (i == tokens.size()) {
                return all;
            }
            Token and = tokens.get(i++);
            if (and.quoted || !and.text.equalsIgnoreCase("and")) {
                throw bad(and.pos, "expected 'and' between terms, found '" + and.text + "'");
            }
        }
    }

    private static String field(DeadLetter d, String name) {
        String v = switch (name) {
            case "reason" -> d.reason();
            case "subject" -> d.subject();
            case "detail" -> d.detail();
            default -> d.body();
        };
        return v == null ? "" : v;
    }

    private static String value(Token t) {
        if (!t.quoted && (t.text.equals("(") || t.text.equals(")") || t.text.equals(","))) {
            throw bad(t.pos, "expected a value, found '" + t.text + "'");
        }
        return t.text;
    }

    /** {@code *} is any text; everything else matches itself. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        String[] parts = glob.split("\\*", -1);
        for (int k = 0; k < parts.length; k++) {
            re.append(k == 0 ? "" : ".*").append(Pattern.quote(parts[k]));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    private record Token(String text, int pos, boolean quoted) {
    }

    private static Token at(List<Token> tokens, int i, String expected) {
        if (i >= tokens.size()) {
            throw bad(tokens.isEmpty() ? 0 : tokens.get(tokens.size() - 1).pos, "the filter ends where " + expected + " was expected");
        }
        return tokens.get(i);
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"') {
                int start = i++;
                StringBuilder b = new StringBuilder();
                while (i < s.length() && s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\' && i + 1 < s.length()) {
                        i++;
                    }
                    b.append(s.charAt(i++));
                }
                if (i >= s.length()) {
                    throw bad(start, "unterminated quoted value");
                }
                i++;
                out.add(new Token(b.toString(), start, true));
            } else if (c == '(' || c == ')' || c == ',') {
                out.add(new Token(String.valueOf(c), i++, false));
            } else if (c == '=' || c == '~') {
                out.add(new Token(String.valueOf(c), i++, false));
            } else if (c == '!' && i + 1 < s.length() && s.charAt(i + 1) == '=') {
                out.add(new Token("!=", i, false));
                i += 2;
            } else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "()=,~\"!".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                if (i == start) {
                    throw bad(start, "unexpected '" + c + "'");
                }
                out.add(new Token(s.substring(start, i), start, false));
            }
        }
        return out;
    }

    private static ApiException bad(int pos, String message) {
        return ApiException.badRequest("filter at position " + pos + ": " + message);
    }
}
