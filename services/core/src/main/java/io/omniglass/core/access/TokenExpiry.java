package io.omniglass.core.access;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --expires DURATION}: "90d", "12h", "30m", "45s", "2w" or ISO-8601 ("P30D", "PT12H"). */
public final class TokenExpiry {

    /** Ten years: a longer-lived secret is a forgotten one. */
    public static final Duration MAX = Duration.ofDays(3650);
    private static final Pattern SHORT = Pattern.compile("(\\d{1,7})([smhdw])");

    private TokenExpiry() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expires must be a duration like 90d, 12h, 30m or P30D");
        }
        String t = text.strip();
        Duration d;
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        } else {
            try {
                d = Duration.parse(t.length() > 64 ? "x" : t);
            } catch (DateTimeParseException | ArithmeticException e) {
                throw new IllegalArgumentException("expires must be a duration like 90d, 12h, 30m or P30D, not '"
                        + (t.length() > 64 ? t.substring(0, 64) + "..." : t) + "'");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("expires must be a positive duration");
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("expires must be at most " + MAX.toDays() + " days");
        }
        return d;
    }
}
