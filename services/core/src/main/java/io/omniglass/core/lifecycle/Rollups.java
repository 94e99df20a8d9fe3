package io.omniglass.core.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Hourly rollups of a cold metric day: one row per (series, UTC hour) with count, sum, min, max
 * and the first and last value with their times, the same partials the aggregate reads merge, so
 * a read whose buckets are whole hours takes 24 rows a series a day instead of 1,440 and the answer
 * does not change (partials merge exactly: counts and sums add, extremes compare, first and last go
 * by time; no average is stored). Written beside the day's file, from that proven file, and named
 * by the same manifest row.
 */
final class Rollups {

    static final long HOUR_US = 3_600_000_000L;

    /** A rollup file as the manifest names it. */
    record Written(Path file, String relativePath, long rows, long bytes) {
    }

    private Rollups() {
    }

    /** Writes the rollup of {@code dayFile} ({@code rows} rows); its counts must add up to them. */
    static Written write(ColdEngine duck, Path coldRoot, Path dayFile, String dayRelative, long rows)
            throws SQLException, IOException {
        String relative = dayRelative.replaceFirst("\\.parquet$", ".rollup-1h.parquet");
        Path file = coldRoot.resolve(relative);
        try (Connection d = duck.connection(); Statement st = d.createStatement()) {
            st.execute("COPY (SELECT series_id, (ts_us // " + HOUR_US + ") * " + HOUR_US + " AS hour_us, count(*) AS n,"
                    + " sum(value) AS s, min(value) AS lo, max(value) AS hi, min(ts_us) AS t0, arg_min(value, ts_us) AS v0,"
                    + " max(ts_us) AS t1, arg_max(value, ts_us) AS v1 FROM " + ColdEngine.readParquet(List.of(dayFile))
                    + " GROUP BY 1, 2 ORDER BY 1, 2) TO " + ColdEngine.literal(file.toString())
                    + " (FORMAT parquet, COMPRESSION zstd)");
            long hours;
            long counted;
            try (ResultSet rs = st.executeQuery("SELECT count(*), coalesce(sum(n), 0) FROM "
                    + ColdEngine.readParquet(List.of(file)))) {
                rs.next();
                hours = rs.getLong(1);
                counted = rs.getLong(2);
            }
            if (counted != rows) {
                throw new IOException("the rollup of " + dayRelative + " counts " + counted + " rows, the file " + rows);
            }
            return new Written(file, relative, hours, Files.size(file));
        } catch (SQLException | IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** Whether buckets of this width are made of whole hours (epoch-aligned, so each hour falls in one bucket). */
    static boolean fits(long bucketMicros) {
        return bucketMicros % HOUR_US == 0;
    }

    static long hourCeil(long us) {
        return Math.floorDiv(us + HOUR_US - 1, HOUR_US) * HOUR_US;
    }

    static long hourFloor(long us) {
        return Math.floorDiv(us, HOUR_US) * HOUR_US;
    }
}
