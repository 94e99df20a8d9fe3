package io.omniglass.core.lifecycle;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Resolves retention: global default &lt; the tenant's table level &lt; datapoint type (class) &lt;
 * owner (entity); for each of hot, keep and tier the most specific level that sets it wins.
 * Pure: built from what {@link RetentionStore} read, so the rules are testable without a database.
 */
public final class RetentionCascade {

    public static final List<String> TABLES = List.of("metric_datapoint", "state_datapoint", "log_datapoint",
            "audit_log", "session_log", "internal_log", "collection_log", "node_log");
    public static final Set<String> DATAPOINT_TABLES = Set.of("metric_datapoint", "state_datapoint", "log_datapoint");

    /** When the control setting lacks a table: keep a year, all hot. */
    static final RetentionLevel FALLBACK = new RetentionLevel(null, null, null, null, Duration.ofDays(365), Tier.none);

    private final Map<String, RetentionLevel> defaults;
    private final List<RetentionLevel> levels;

    public RetentionCascade(Map<String, RetentionLevel> defaults, List<RetentionLevel> levels) {
        this.defaults = Map.copyOf(defaults);
        this.levels = List.copyOf(levels);
    }

    public static void requireTable(String table) {
        if (!TABLES.contains(table)) {
            throw new IllegalArgumentException("no retention for table '" + table + "': one of " + TABLES);
        }
    }

    /** The policy for {@code table}, narrowed to a class and/or an owner (either may be null). */
    public ResolvedRetention resolve(String table, String type, String owner) {
        requireTable(table);
        List<RetentionLevel> chain = new ArrayList<>(4);
        if (owner != null) {
            find(table, null, owner).ifPresent(chain::add);
        }
        if (type != null) {
            find(table, type, null).ifPresent(chain::add);
        }
        find(table, null, null).ifPresent(chain::add);
        RetentionLevel dflt = defaults.getOrDefault(table, FALLBACK);

        Duration keep = null;
        String keepFrom = null;
        Duration hot = null;
        String hotFrom = null;
        Tier tier = null;
        String tierFrom = null;
        for (RetentionLevel l : chain) {
            if (keep == null && l.keep() != null) {
                keep = l.keep();
                keepFrom = l.source();
            }
            if (hot == null && l.hot() != null) {
                hot = l.hot();
                hotFrom = l.source();
            }
            if (tier == null && l.tier() != null) {
                tier = l.tier();
                tierFrom = l.source();
            }
        }
        if (keep == null) {
            keep = Objects.requireNonNullElse(dflt.keep(), FALLBACK.keep());
            keepFrom = "default";
        }
        if (tier == null) {
            tier = Objects.requireNonNullElse(dflt.tier(), Tier.none);
            tierFrom = "default";
        }
        if (hot == null) {
            hot = dflt.hot() != null ? dflt.hot() : keep;
            hotFrom = "default";
        }
        if (!DATAPOINT_TABLES.contains(table) && tier == Tier.parquet) {
            tier = Tier.none; // only the partitioned datapoint tables have a cold tier
        }
        if (tier == Tier.none || hot.compareTo(keep) > 0) {
            // without a cold tier rows stay hot until they go; and nothing is hot past its keep
            hot = keep;
            hotFrom = keepFrom;
        }
        return new ResolvedRetention(table, type, owner, hot, hotFrom, keep, keepFrom, tier, tierFrom);
    }

    /** Every policy that can apply to rows of {@code table}: the table's own and each override's. */
    public List<ResolvedRetention> allFor(String table) {
        List<ResolvedRetention> out = new ArrayList<>();
        out.add(resolve(table, null, null));
        List<String> types = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        for (RetentionLevel l : levels) {
            if (l.table().equals(table) && !l.isTableLevel()) {
                out.add(resolve(table, l.type(), l.owner()));
                if (l.type() != null) {
                    types.add(l.type());
                } else {
                    owners.add(l.owner());
                }
            }
        }
        // a series of an overridden class at an overridden owner takes values from both
        for (String t : types) {
            for (String o : owners) {
                out.add(resolve(table, t, o));
            }
        }
        return out;
    }

    /** Rows of {@code table} older than this are past every policy: their partition is dropped whole. */
    public Duration dropAfter(String table) {
        return allFor(table).stream().map(ResolvedRetention::keep).max(Duration::compareTo).orElseThrow();
    }

    /** Rows older than this are needed hot by no policy: their partition leaves Postgres (tiered or dropped). */
    public Duration leaveHotAfter(String table) {
        return allFor(table).stream().map(ResolvedRetention::hotFor).max(Duration::compareTo).orElseThrow();
    }

    public List<RetentionLevel> levels() {
        return levels;
    }

    private java.util.Optional<RetentionLevel> find(String table, String type, String owner) {
        return levels.stream().filter(l -> l.table().equals(table) && Objects.equals(l.type(), type)
                && Objects.equals(l.owner(), owner)).findFirst();
    }
}
