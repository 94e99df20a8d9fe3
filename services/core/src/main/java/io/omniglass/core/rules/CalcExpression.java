package io.omniglass.core.rules;

import java.util.Map;
import java.util.Set;

/**
 * The arithmetic of a calc rule: numbers, input names, + - * /, parentheses, unary minus and
 * abs/min/max/sqrt. Parsed once; a bad expression is refused when the rule is written.
 */
public final class CalcExpression {

    private interface Node {
        double eval(Map<String, Double> vars);
    }

    private final String text;
    private final Node root;
    private int pos;
    private final Set<String> names;

    private CalcExpression(String text, Set<String> names) {
        this.text = text;
        this.names = names;
        this.root = parseAll();
    }

    /** Parses {@code text} over the input names {@code names}. */
    public static CalcExpression parse(String text, Set<String> names) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expression is required");
        }
        return new CalcExpression(text, names);
    }

    /** The value, or NaN when an input is missing or the arithmetic is undefined. */
    public double eval(Map<String, Double> vars) {
        return root.eval(vars);
    }

    private Node parseAll() {
        Node n = sum();
        skip();
        if (pos != text.length()) {
            throw error("unexpected '" + text.charAt(pos) + "'");
        }
        return n;
    }

    private Node sum() {
        Node left = product();
        while (true) {
            skip();
            if (eat('+')) {
                Node l = left, r = product();
                left = v -> l.eval(v) + r.eval(v);
            } else if (eat('-')) {
                Node l = left, r = product();
                left = v -> l.eval(v) - r.eval(v);
            } else {
                return left;
            }
        }
    }

    private Node product() {
        Node left = unary();
        while (true) {
            skip();
            if (eat('*')) {
                Node l = left, r = unary();
                left = v -> l.eval(v) * r.eval(v);
            } else if (eat('/')) {
                Node l = left, r = unary();
                left = v -> {
                    double d = r.eval(v);
                    return d == 0 ? Double.NaN : l.eval(v) / d;
                };
            } else {
                return left;
            }
        }
    }

    private Node unary() {
        skip();
        if (eat('-')) {
            Node n = unary();
            return v -> -n.eval(v);
        }
        return atom();
    }

    private Node atom() {
        skip();
        if (eat('(')) {
            Node n = sum();
            skip();
            if (!eat(')')) {
                throw error("')' expected");
            }
            return n;
        }
        int start = pos;
        if (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) {
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.'
                    || text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
                pos++;
            }
            double d;
            try {
                d = Double.parseDouble(text.substring(start, pos));
            } catch (NumberFormatException e) {
                throw error("bad number '" + text.substring(start, pos) + "'");
            }
            return v -> d;
        }
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        if (start == pos) {
            throw error(pos < text.length() ? "unexpected '" + text.charAt(pos) + "'" : "unexpected end");
        }
        String name = text.substring(start, pos);
        skip();
        if (eat('(')) {
            Node a = sum();
            skip();
            Node b = eat(',') ? sum() : null;
            skip();
            if (!eat(')')) {
                throw error("')' expected");
            }
            return switch (name) {
                case "abs" -> v -> Math.abs(a.eval(v));
                case "sqrt" -> v -> Math.sqrt(a.eval(v));
                case "min" -> {
                    if (b == null) throw error("min takes two arguments");
                    yield v -> Math.min(a.eval(v), b.eval(v));
                }
                case "max" -> {
                    if (b == null) throw error("max takes two arguments");
                    yield v -> Math.max(a.eval(v), b.eval(v));
                }
                default -> throw error("unknown function '" + name + "': use abs, sqrt, min or max");
            };
        }
        if (!names.contains(name)) {
            throw error("unknown input '" + name + "': the inputs are " + names);
        }
        return v -> {
            Double d = v.get(name);
            return d == null ? Double.NaN : d;
        };
    }

    private void skip() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private boolean eat(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("expression '" + text + "' at position " + (pos + 1) + ": " + what);
    }
}
