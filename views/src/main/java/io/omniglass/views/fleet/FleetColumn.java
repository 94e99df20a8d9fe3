package io.omniglass.views.fleet;

import io.omniglass.views.services.FleetSnapshot.TenantHealth;

import java.util.Comparator;
import java.util.Locale;
import java.util.function.Function;

/**
 * The board's columns: what each shows, how it sorts (unknown values last whatever the direction)
 * and when its cell turns amber or red. The thresholds are an operator's, not a database's: a
 * minute without data is a warning, an hour is a fault; one dead letter is worth a look.
 */
public enum FleetColumn {
    TENANT("Tenant", h -> h.slug(), h -> h.slug(), h -> Level.NONE),
    STATUS("Status", h -> h.status(), h -> h.status(), h -> "active".equals(h.status()) ? Level.OK : Level.BAD),
    INGEST("Ingest", h -> h.ingestPerSecond(), h -> rate(h.ingestPerSecond()), h -> Level.NONE),
    SINK_BACKLOG("Sink backlog", h -> h.sinkBacklog(), h -> count(h.sinkBacklog()),
            h -> level(h.sinkBacklog(), 1_000, 10_000)),
    DEAD_LETTERS("Dead letters 24 h", h -> h.deadLetters24h(), h -> count(h.deadLetters24h()),
            h -> level(h.deadLetters24h(), 1, 100)),
    CDC_LAG("CDC lag", h -> h.cdcLagBytes(), h -> bytes(h.cdcLagBytes()) + (h.cdcLagSeconds() == null || h.cdcLagSeconds() < 1
            ? "" : " · " + age(h.cdcLagSeconds())),
            h -> level(h.cdcLagBytes(), 16L << 20, 256L << 20).worse(level(h.cdcLagSeconds(), 5, 60))),
    NEWEST("Newest datapoint", h -> h.newestAgeSeconds(), h -> h.newestAgeSeconds() == null ? "–" : age(h.newestAgeSeconds()) + " ago",
            h -> level(h.newestAgeSeconds(), 300, 3_600)),
    ACTIVE_ALARMS("Active alarms", h -> h.activeAlarms(), h -> count(h.activeAlarms()), h -> level(h.activeAlarms(), 1, Long.MAX_VALUE)),
    UNACKED_ALARMS("Unacknowledged", h -> h.unackedAlarms(), h -> count(h.unackedAlarms()), h -> level(h.unackedAlarms(), 1, 1));

    private final String title;
    private final Function<TenantHealth, Comparable<?>> value;
    private final Function<TenantHealth, String> text;
    private final Function<TenantHealth, Level> level;

    FleetColumn(String title, Function<TenantHealth, Comparable<?>> value, Function<TenantHealth, String> text,
                Function<TenantHealth, Level> level) {
        this.title = title;
        this.value = value;
        this.text = text;
        this.level = level;
    }

    public String title() {
        return title;
    }

    public String text(TenantHealth h) {
        return text.apply(h);
    }

    public Level level(TenantHealth h) {
        return level.apply(h);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    Comparable<Object> value(TenantHealth h) {
        return (Comparable) value.apply(h);
    }

    /** Ascending or descending by this column; unknown values last either way, then by slug. */
    public Comparator<TenantHealth> order(boolean ascending) {
        Comparator<Comparable<Object>> natural = Comparator.naturalOrder();
        Comparator<TenantHealth> byValue = Comparator.comparing(this::value,
                Comparator.nullsLast(ascending ? natural : natural.reversed()));
        return byValue.thenComparing(TenantHealth::slug);
    }

    /** Worst first (red, then amber), then by slug: the board's order before the user picks a column. */
    public static Comparator<TenantHealth> worstFirst() {
        return Comparator.comparingInt((TenantHealth h) -> rank(worst(h))).reversed().thenComparing(TenantHealth::slug);
    }

    public static Level worst(TenantHealth h) {
        Level w = Level.OK;
        for (FleetColumn c : values()) {
            w = w.worse(c.level(h));
        }
        return w;
    }

    private static int rank(Level l) {
        return l == Level.BAD ? 2 : l == Level.WARN ? 1 : 0;
    }

    static Level level(Number n, double warn, double bad) {
        if (n == null) {
            return Level.NONE;
        }
        double v = n.doubleValue();
        return v >= bad ? Level.BAD : v >= warn ? Level.WARN : Level.OK;
    }

    public static String count(Long n) {
        return n == null ? "–" : String.format(Locale.ROOT, "%,d", n);
    }

    public static String rate(double perSecond) {
        return perSecond == 0 ? "0/s" : perSecond < 10 ? String.format(Locale.ROOT, "%.1f/s", perSecond)
                : String.format(Locale.ROOT, "%,.0f/s", perSecond);
    }

    public static String bytes(Long b) {
        if (b == null) {
            return "–";
        }
        if (b < 1024) {
            return b + " B";
        }
        double v = b;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }

    public static String age(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.0f s", Math.floor(seconds));
        }
        if (seconds < 3_600) {
            return String.format(Locale.ROOT, "%.0f min", Math.floor(seconds / 60));
        }
        if (seconds < 86_400) {
            return String.format(Locale.ROOT, "%.1f h", seconds / 3_600);
        }
        return String.format(Locale.ROOT, "%.1f d", seconds / 86_400);
    }
}
