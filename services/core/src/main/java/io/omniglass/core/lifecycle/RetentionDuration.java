package io.omniglass.core.lifecycle;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Retention periods as people write them: {@code 90d}, {@code 7 days}, {@code 2w}, {@code 7 years},
 * {@code 36h}, or ISO-8601 ({@code P90D}). A year is 365 days: retention is counted in whole days.
 */
public final class RetentionDuration {

    private static final Pattern HUMAN = Pattern.compile(
            "(\\d{1,6})\\s*(h|hours?|d|days?|w|weeks?|mons?|months?|y|years?)");

    private RetentionDuration() {
    }

    /** The duration, or IllegalArgumentException naming what is accepted. */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a retention period is required, e.g. 90d, 7 days, 1y or P90D");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = HUMAN.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2);
            if (unit.startsWith("h")) {
                return Duration.ofHours(n);
            }
            if (unit.startsWith("d")) {
                return Duration.ofDays(n);
            }
            if (unit.startsWith("w")) {
                return Duration.ofDays(7 * n);
            }
            if (unit.startsWith("mon")) {
                return Duration.ofDays(30 * n);
            }
            return Duration.ofDays(365 * n);
        }
        if (t.startsWith("p")) {
            String iso = t.toUpperCase(Locale.ROOT);
            try {
                if (iso.contains("T")) {
                    return Duration.parse(iso);
                }
                java.time.Period p = java.time.Period.parse(iso);
                return Duration.ofDays(365L * p.getYears() + 30L * p.getMonths() + p.getDays());
            } catch (DateTimeParseException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not a retention period: use e.g. 90d, 7 days, 2w, 1y, 36h or P90D");
    }

    /** Whole days where it is whole days ({@code 90d}), hours otherwise ({@code 36h}). */
    public static String format(Duration d) {
        if (d == null) {
            return null;
        }
        if (d.toHours() % 24 == 0) {
            return d.toDays() + "d";
        }
        return d.toHours() + "h";
    }
}
