package io.omniglass.core.lifecycle;


import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.omniglass.schema.tenant.Tables.COLD_FILE;

/**
 * Which datapoints of a write are already in the cold tier. A day's partition is dropped once
 * tiered, so a datapoint redelivered (or published again) after that would find no row to
 * conflict with and land in hot a second time: history reads distinct rows and showed it once,
 * but aggregates, which add the tiers' partials, counted it twice. The sink asks this first for
 * rows of days that have cold files (one manifest query per batch with old days; Parquet is read
 * only for days that were tiered) and stores only what is not there, so "the same (series, ts)
 * twice leaves one row" holds across the tiers.
 */
public final class ColdCopies {

    /** A datapoint's identity: its series and its time in microseconds (what Postgres and the files keep). */
    public record Key(long series, long micros) {
    }

    private final io.omniglass.core.gateway.GatewaySession db;
    private final java.util.function.Supplier<ColdTier> coldTier;

    /** {@code coldTier} is asked only once a day has cold files (a core without the lifecycle module never tiers). */
    public ColdCopies(io.omniglass.core.gateway.GatewaySession db, java.util.function.Supplier<ColdTier> coldTier) {
        this.db = db;
        this.coldTier = coldTier;
    }

    /** Those of {@code keys} (of {@code table}, by UTC day) that a cold file of their day holds. */
    public Set<Key> alreadyCold(String table, Map<LocalDate, List<Key>> keys) throws SQLException {
        RetentionCascade.requireTable(table);
        Map<LocalDate, List<String>> files = new TreeMap<>();
        db.dsl().select(COLD_FILE.DAY, COLD_FILE.PATH).from(COLD_FILE)
                .where(COLD_FILE.TABLE_NAME.eq(table)).and(COLD_FILE.DAY.in(keys.keySet()))
                .forEach(r -> files.computeIfAbsent(r.value1(), d -> new ArrayList<>()).add(r.value2()));
        if (files.isEmpty()) {
            return Set.of();
        }
        ColdTier cold = coldTier.get();
        Set<Key> found = new HashSet<>();
        for (Map.Entry<LocalDate, List<String>> day : files.entrySet()) {
            List<Key> wanted = keys.get(day.getKey());
            Set<Key> asked = new HashSet<>(wanted);
            long from = wanted.stream().mapToLong(Key::micros).min().orElseThrow();
            long to = wanted.stream().mapToLong(Key::micros).max().orElseThrow();
            String series = wanted.stream().map(k -> Long.toString(k.series())).distinct().collect(Collectors.joining(", "));
            List<Path> paths = day.getValue().stream().map(p -> cold.root().resolve(p)).toList();
            // numbers only (longs formatted here) and file names as literals: nothing from a message reaches this text
            try (Connection d = cold.engine().connection(); Statement st = d.createStatement();
                 ResultSet rs = st.executeQuery("SELECT series_id, ts_us FROM " + ColdEngine.readParquet(paths)
                         + " WHERE series_id IN (" + series + ") AND ts_us BETWEEN " + from + " AND " + to)) {
                while (rs.next()) {
                    Key k = new Key(rs.getLong(1), rs.getLong(2));
                    if (asked.contains(k)) {
                        found.add(k);
                    }
                }
            }
        }
        return found;
    }
}
