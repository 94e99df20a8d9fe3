package io.omniglass.core.lifecycle;

import org.postgresql.PGConnection;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.Collection;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Writes one day's partition to a Parquet file (zstd) and proves it: rows leave Postgres by
 * {@code COPY ... TO STDOUT} as CSV, DuckDB turns them into Parquet, then the row count and a
 * {@link RowChecksum} of the file must equal the partition's. A file that does not match is
 * deleted and the export fails; the partition is untouched either way. A metric day also gets its
 * hourly {@link Rollups} file, written from the proven file.
 */
final class ColdExport {

    /** What a proven file holds. */
    record Written(Path file, String relativePath, long rows, String checksum, long bytes,
                   java.time.OffsetDateTime minTs, java.time.OffsetDateTime maxTs, Rollups.Written rollup) {
    }

    private ColdExport() {
    }

    static Written export(Connection pg, ColdEngine duck, Path coldRoot, String tenant, String table, LocalDate day,
                          Collection<Long> excludedSeries) throws SQLException, IOException {
        DatapointColumns cols = DatapointColumns.of(table);
        String partition = Partitions.partitionName(table, day);
        String where = excludedSeries.isEmpty() ? "" : " WHERE series_id NOT IN ("
                + excludedSeries.stream().map(String::valueOf)
                .collect(Collectors.joining(", ")) + ")";
        String select = "SELECT " + cols.postgresSelect() + " FROM ONLY " + partition + where;
        String relative = tenant + "/" + table + "/" + day + "/" + UUID.randomUUID() + ".parquet";
        Path file = coldRoot.resolve(relative);
        Files.createDirectories(file.getParent());
        Path csv = file.resolveSibling(file.getFileName() + ".csv.tmp");
        Rollups.Written rollup = null;
        try {
            try (OutputStream out = Files.newOutputStream(csv)) {
                pg.unwrap(PGConnection.class).getCopyAPI().copyOut(
                        "COPY (" + select + " ORDER BY series_id, ts_us) TO STDOUT (FORMAT csv)", out);
            }
            try (Connection d = duck.connection(); Statement st = d.createStatement()) {
                st.execute("COPY (SELECT * FROM read_csv(" + ColdEngine.literal(csv.toString())
                        + ", columns = " + cols.duckColumns() + ", header = false, allow_quoted_nulls = false,"
                        + " auto_detect = false, quote = '\"', escape = '\"')) TO " + ColdEngine.literal(file.toString())
                        + " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)");
            }
            Files.deleteIfExists(csv);
            LifecycleHooks.pause("written");

            RowChecksum hot = new RowChecksum();
            long minUs = Long.MAX_VALUE;
            long maxUs = Long.MIN_VALUE;
            int n = cols.columns.size();
            try (PreparedStatement ps = pg.prepareStatement(select)) {
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        hot.add(rs, n);
                        long us = rs.getLong(2);
                        minUs = Math.min(minUs, us);
                        maxUs = Math.max(maxUs, us);
                    }
                }
            }
            RowChecksum cold = new RowChecksum();
            try (Connection d = duck.connection(); Statement st = d.createStatement();
                 ResultSet rs = st.executeQuery("SELECT " + cols.names() + " FROM "
                         + ColdEngine.readParquet(java.util.List.of(file)))) {
                while (rs.next()) {
                    cold.add(rs, n);
                }
            }
            if (!hot.value().equals(cold.value())) {
                throw new IOException("the Parquet file of " + partition + " does not match it: partition "
                        + hot.value() + ", file " + cold.value());
            }
            rollup = table.equals("metric_datapoint") ? Rollups.write(duck, coldRoot, file, relative, hot.rows()) : null;
            return new Written(file, relative, hot.rows(), hot.value(), Files.size(file),
                    hot.rows() == 0 ? null : micros(minUs), hot.rows() == 0 ? null : micros(maxUs), rollup);
        } catch (SQLException | IOException | RuntimeException e) {
            Files.deleteIfExists(csv);
            Files.deleteIfExists(file);
            if (rollup != null) {
                Files.deleteIfExists(rollup.file());
            }
            throw e;
        }
    }

    static java.time.OffsetDateTime micros(long us) {
        return java.time.Instant.EPOCH.plus(us, java.time.temporal.ChronoUnit.MICROS).atOffset(java.time.ZoneOffset.UTC);
    }
}
