package io.omniglass.views.common;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Short human forms of instants and durations for tables. */
public final class Ages {

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private Ages() {
    }

    public static String age(Instant ts, Instant now) {
        if (ts == null) {
            return "";
        }
        return duration(Duration.between(ts, now));
    }

    public static String duration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        if (s < 86400) {
            return (s / 3600) + "h " + ((s % 3600) / 60) + "m";
        }
        return (s / 86400) + "d " + ((s % 86400) / 3600) + "h";
    }

    public static String timestamp(Instant ts) {
        return ts == null ? "" : TS.format(ts);
    }
}
