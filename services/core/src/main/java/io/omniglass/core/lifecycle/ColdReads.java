package io.omniglass.core.lifecycle;

import io.omniglass.api.DatapointValue;
import io.omniglass.schema.tenant.enums.DatapointKind;
import org.jooq.DSLContext;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.omniglass.schema.tenant.Tables.COLD_FILE;

/**
 * Reads of the cold tier for the read paths: the manifest names the files of the days a range
 * touches (read in the caller's gateway transaction), DuckDB reads exactly those files. The caller
 * has already resolved the series through its scoped session, so the cold read is as narrow as
 * the hot one: only those series' rows are asked for.
 */
public final class ColdReads {

    private ColdReads() {
    }

    /** The manifest's files of {@code table} for the days [from, to) touches. */
    static List<Path> files(DSLContext tx, Path root, String table, OffsetDateTime from, OffsetDateTime to) {
        return tx.select(COLD_FILE.PATH).from(COLD_FILE)
                .where(COLD_FILE.TABLE_NAME.eq(table))
                .and(COLD_FILE.DAY.ge(from.atZoneSameInstant(ZoneOffset.UTC).toLocalDate()))
                .and(COLD_FILE.DAY.le(to.atZoneSameInstant(ZoneOffset.UTC).toLocalDate()))
                .orderBy(COLD_FILE.DAY, COLD_FILE.ID)
                .fetch(r -> root.resolve(r.value1()));
    }

    /** Where the cold tier of {@code table} ends within [from, to): the day after its newest cold day; null if none. */
    public static OffsetDateTime coldBefore(DSLContext tx, String table, OffsetDateTime from, OffsetDateTime to) {
        var newest = tx.select(org.jooq.impl.DSL.max(COLD_FILE.DAY)).from(COLD_FILE)
                .where(COLD_FILE.TABLE_NAME.eq(table))
                .and(COLD_FILE.DAY.ge(from.atZoneSameInstant(ZoneOffset.UTC).toLocalDate()))
                .and(COLD_FILE.DAY.le(to.atZoneSameInstant(ZoneOffset.UTC).toLocalDate()))
                .fetchOne(0, java.time.LocalDate.class);
        return newest == null ? null : newest.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC);
    }

    /**
     * One series' history in [from, to), newest first, hot and cold merged: {@code hot} is what
     * Postgres returned (newest first, at most {@code limit}); a ts in both tiers (a day backfilled
     * after it was tiered) is shown once, the hot row winning.
     */
    public static List<DatapointValue> history(ColdTier cold, DSLContext tx, DatapointKind kind, long series,
                                               OffsetDateTime from, OffsetDateTime to, int limit, List<DatapointValue> hot) {
        String table = kind.getLiteral() + "_datapoint";
        List<Path> files = files(tx, cold.root(), table, from, to);
        if (files.isEmpty()) {
            return hot;
        }
        String cols = switch (kind) {
            case metric -> "ts_us, value, NULL, NULL, provenance";
            case state -> "ts_us, NULL, value, NULL, provenance";
            case log -> "ts_us, NULL, message, severity, provenance";
        };
        List<DatapointValue> coldRows = new ArrayList<>();
        try (Connection d = cold.engine().connection();
             PreparedStatement ps = d.prepareStatement("SELECT " + cols + " FROM " + ColdEngine.readParquet(files)
                     + " WHERE series_id = ? AND ts_us >= ? AND ts_us < ? ORDER BY ts_us DESC LIMIT ?")) {
            ps.setLong(1, series);
            ps.setLong(2, micros(from));
            ps.setLong(3, micros(to));
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object v = rs.getObject(2);
                    coldRows.add(new DatapointValue(ColdExport.micros(rs.getLong(1)),
                            v == null ? null : ((Number) v).doubleValue(), rs.getString(3), rs.getString(4), rs.getString(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the cold tier failed: " + e.getMessage(), e);
        }
        Set<Long> seen = hot.stream().map(p -> micros(p.ts())).collect(Collectors.toCollection(HashSet::new));
        List<DatapointValue> all = new ArrayList<>(hot);
        for (DatapointValue p : coldRows) {
            if (seen.add(micros(p.ts()))) {
                all.add(p);
            }
        }
        all.sort(Comparator.comparing(DatapointValue::ts).reversed());
        return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
    }

    /** One cold datapoint of a streamed read: a number (metric) or a text (state, a log's message). */
    public interface PointSink {
        void accept(long seriesId, long tsMicros, Double number, String text);
    }

    /**
     * Streams the cold rows of these series in [from, to) to {@code sink} in (ts, series) order,
     * from the manifest's files only; the sink may throw to stop the read. Returns how many it got.
     */
    public static long points(ColdTier cold, DSLContext tx, DatapointKind kind, List<Long> series,
                              OffsetDateTime from, OffsetDateTime to, PointSink sink) {
        List<Path> files = series.isEmpty() ? List.of() : files(tx, cold.root(), kind.getLiteral() + "_datapoint", from, to);
        if (files.isEmpty()) {
            return 0;
        }
        String cols = switch (kind) {
            case metric -> "series_id, ts_us, value, NULL";
            case state -> "series_id, ts_us, NULL, value";
            case log -> "series_id, ts_us, NULL, message";
        };
        String ids = series.stream().map(String::valueOf).collect(Collectors.joining(", "));
        long n = 0;
        try (Connection d = cold.engine().connection();
             PreparedStatement ps = d.prepareStatement("SELECT " + cols + " FROM " + ColdEngine.readParquet(files)
                     + " WHERE series_id IN (" + ids + ") AND ts_us >= ? AND ts_us < ? ORDER BY ts_us, series_id")) {
            ps.setLong(1, micros(from));
            ps.setLong(2, micros(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object v = rs.getObject(3);
                    sink.accept(rs.getLong(1), rs.getLong(2), v == null ? null : ((Number) v).doubleValue(), rs.getString(4));
                    n++;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the cold tier failed: " + e.getMessage(), e);
        }
        return n;
    }

    /** How many cold rows these series have in [from, to), counted up to {@code atMost}. */
    public static long count(ColdTier cold, DSLContext tx, DatapointKind kind, List<Long> series,
                             OffsetDateTime from, OffsetDateTime to, long atMost) {
        List<Path> files = series.isEmpty() ? List.of() : files(tx, cold.root(), kind.getLiteral() + "_datapoint", from, to);
        if (files.isEmpty()) {
            return 0;
        }
        String ids = series.stream().map(String::valueOf).collect(Collectors.joining(", "));
        try (Connection d = cold.engine().connection();
             PreparedStatement ps = d.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM " + ColdEngine.readParquet(files)
                     + " WHERE series_id IN (" + ids + ") AND ts_us >= ? AND ts_us < ? LIMIT ?)")) {
            ps.setLong(1, micros(from));
            ps.setLong(2, micros(to));
            ps.setLong(3, atMost);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the cold tier failed: " + e.getMessage(), e);
        }
    }

    /** A manifest row as the aggregate read needs it: the day, its file and its hourly rollup (null before V120). */
    private record DayFiles(java.time.LocalDate day, Path file, Path rollup) {
    }

    /**
     * Adds the cold tier's partial aggregates of these metric series to {@code into}. When the
     * buckets are whole hours, the whole hours of the range are read from the days' rollups and
     * only the partial hours at its ends (and days without a rollup) from the raw files; the
     * partials are the same either way, so is the answer.
     */
    static void aggregates(ColdTier cold, DSLContext tx, List<Long> series, OffsetDateTime from, OffsetDateTime to,
                           long bucketMicros, Map<Aggregates.Key, Aggregates.Partial> into) {
        if (series.isEmpty()) {
            return;
        }
        List<DayFiles> days = tx.select(COLD_FILE.DAY, COLD_FILE.PATH, COLD_FILE.ROLLUP_PATH).from(COLD_FILE)
                .where(COLD_FILE.TABLE_NAME.eq("metric_datapoint"))
                .and(COLD_FILE.DAY.ge(from.atZoneSameInstant(ZoneOffset.UTC).toLocalDate()))
                .and(COLD_FILE.DAY.le(to.atZoneSameInstant(ZoneOffset.UTC).toLocalDate()))
                .orderBy(COLD_FILE.DAY, COLD_FILE.ID)
                .fetch(r -> new DayFiles(r.value1(), cold.root().resolve(r.value2()),
                        r.value3() == null ? null : cold.root().resolve(r.value3())));
        if (days.isEmpty()) {
            return;
        }
        String ids = series.stream().map(String::valueOf).collect(Collectors.joining(", "));
        long lo = micros(from);
        long hi = micros(to);
        long loH = Rollups.hourCeil(lo);
        long hiH = Rollups.hourFloor(hi);
        try (Connection d = cold.engine().connection()) {
            if (!Rollups.fits(bucketMicros) || loH >= hiH) {
                raw(d, paths(days, f -> true), ids, lo, hi, bucketMicros, into);
                return;
            }
            rolled(d, days.stream().filter(f -> f.rollup() != null).map(DayFiles::rollup).toList(), ids, loH, hiH,
                    bucketMicros, into);
            raw(d, paths(days, f -> f.rollup() == null), ids, lo, hi, bucketMicros, into);
            // the partial hours at either end lie in one day each
            if (lo < loH) {
                raw(d, paths(days, f -> f.rollup() != null && f.day().equals(day(lo))), ids, lo, loH, bucketMicros, into);
            }
            if (hiH < hi) {
                raw(d, paths(days, f -> f.rollup() != null && f.day().equals(day(hiH))), ids, hiH, hi, bucketMicros, into);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the cold tier failed: " + e.getMessage(), e);
        }
    }

    /** The raw files of the days that match. */
    private static List<Path> paths(List<DayFiles> days, java.util.function.Predicate<DayFiles> which) {
        return days.stream().filter(which).map(DayFiles::file).toList();
    }

    private static java.time.LocalDate day(long us) {
        return ColdExport.micros(us).toLocalDate();
    }

    private static void raw(Connection d, List<Path> files, String ids, long lo, long hi, long bucketMicros,
                            Map<Aggregates.Key, Aggregates.Partial> into) throws SQLException {
        if (files.isEmpty() || lo >= hi) {
            return;
        }
        partials(d, "SELECT series_id, (ts_us // ?) * ? AS b, count(*), sum(value),"
                + " min(value), max(value), min(ts_us), arg_min(value, ts_us), max(ts_us), arg_max(value, ts_us)"
                + " FROM " + ColdEngine.readParquet(files)
                + " WHERE series_id IN (" + ids + ") AND ts_us >= ? AND ts_us < ? GROUP BY 1, 2", lo, hi, bucketMicros, into);
    }

    private static void rolled(Connection d, List<Path> rollups, String ids, long lo, long hi, long bucketMicros,
                               Map<Aggregates.Key, Aggregates.Partial> into) throws SQLException {
        if (rollups.isEmpty() || lo >= hi) {
            return;
        }
        partials(d, "SELECT series_id, (hour_us // ?) * ? AS b, sum(n)::BIGINT, sum(s),"
                + " min(lo), max(hi), min(t0), arg_min(v0, t0), max(t1), arg_max(v1, t1)"
                + " FROM " + ColdEngine.readParquet(rollups)
                + " WHERE series_id IN (" + ids + ") AND hour_us >= ? AND hour_us < ? GROUP BY 1, 2", lo, hi, bucketMicros, into);
    }

    private static void partials(Connection d, String sql, long lo, long hi, long bucketMicros,
                                 Map<Aggregates.Key, Aggregates.Partial> into) throws SQLException {
        try (PreparedStatement ps = d.prepareStatement(sql)) {
            ps.setLong(1, bucketMicros);
            ps.setLong(2, bucketMicros);
            ps.setLong(3, lo);
            ps.setLong(4, hi);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Aggregates.Partial p = new Aggregates.Partial(rs.getLong(3), rs.getDouble(4), rs.getDouble(5),
                            rs.getDouble(6), rs.getLong(7), rs.getDouble(8), rs.getLong(9), rs.getDouble(10));
                    into.merge(new Aggregates.Key(rs.getLong(1), rs.getLong(2)), p, Aggregates.Partial::merge);
                }
            }
        }
    }

    static long micros(OffsetDateTime t) {
        java.time.Instant i = t.toInstant();
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    }
}
