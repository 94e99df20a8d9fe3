package io.omniglass.core.rules;

/**
 * An owner glob ({@code component:pump-*}, {@code *}): '*' any run of characters, '?' one.
 * Matched by a two-pointer scan that backtracks only to the last '*' (time at most glob x owner
 * length), never a regex: "*a*a*a*b" against a long owner made a backtracking regex take
 * exponential time on the rules' hot path (issue 16, finding 13).
 */
public record Selector(String glob) {

    static final int MAX_LENGTH = 256;
    static final int MAX_STARS = 8;

    public Selector {
        if (glob == null || glob.isBlank()) {
            throw new IllegalArgumentException("selector is required, e.g. component:pump-*");
        }
    }

    /** A selector already stored (a rule of an earlier version): matched as it is, whatever its size. */
    public static Selector of(String glob) {
        return new Selector(glob);
    }

    /** A selector a caller asks for: bounded, so that what is stored stays cheap to match. */
    public static Selector parse(String glob) {
        Selector s = new Selector(glob);
        if (glob.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("selector longer than " + MAX_LENGTH + " characters");
        }
        if (glob.chars().filter(c -> c == '*').count() > MAX_STARS) {
            throw new IllegalArgumentException("selector has more than " + MAX_STARS + " '*'");
        }
        if (glob.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("selector contains a control character (NUL, newline, ...)");
        }
        return s;
    }

    public boolean matches(String owner) {
        if (owner == null) {
            return false;
        }
        int g = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < owner.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == owner.charAt(t))) {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = t;
            } else if (star >= 0) {
                g = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /** The SQL LIKE pattern equivalent to the glob (for the scheduled checks over stored series). */
    public String likePattern() {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append('%');
                case '?' -> sb.append('_');
                case '%', '_', '\\' -> sb.append('\\').append(c);
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
