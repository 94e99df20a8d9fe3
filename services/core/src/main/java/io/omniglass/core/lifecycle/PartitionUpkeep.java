package io.omniglass.core.lifecycle;

import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.schema.tenant.enums.Severity;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.omniglass.schema.tenant.Tables.COLD_FILE;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.INTERNAL_LOG;
import static io.omniglass.schema.tenant.Tables.PARTITION_WRITE;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * One upkeep run of one tenant (under its {@link MaintenanceLease}): partitions ahead; each day
 * partition no policy needs hot any more is tiered to Parquet (when a policy wants it cold) and
 * dropped whole, or just dropped when past every keep; cold files past every keep are removed;
 * files no manifest row names (left by a crash) are deleted. Each tiering and drop is written to
 * {@code internal_log}. Never a DELETE of datapoints: partitions go whole.
 */
final class PartitionUpkeep {

    private static final Logger log = LoggerFactory.getLogger(PartitionUpkeep.class);
    static final int DAYS_AHEAD = 7;
    /** DROP TABLE of a partition locks its parent: never wait long for it (the next run retries). */
    static final String DROP_LOCK_TIMEOUT = "500ms";
    /**
     * A day the sink wrote into (backfill, noted in {@code partition_write} before the rows) is
     * tiered or dropped only once it has been quiet this long: a replay is never raced for the
     * days it is writing. What still lands during a tiering is caught by the recount under lock.
     */
    static final Duration QUIET = Duration.ofMinutes(10);

    /** What a run did. */
    record Report(String tenant, int created, List<String> tiered, List<String> dropped, List<String> coldRemoved,
                  int straysRemoved, long rowsTiered, long rowsDropped, int secretsPurged, int principalsPseudonymised,
                  int auditNamesErased, int copiedNamesErased, List<String> failed) {
    }

    private final String tenant;
    private final DSLContext control;
    private final GatewaySession db;
    private final ColdEngine duck;
    private final Path coldRoot;
    private final Partitions partitions;
    private final Runnable renew;

    PartitionUpkeep(String tenant, DSLContext control, GatewaySession db, ColdEngine duck, Path coldRoot,
                    Partitions partitions, Runnable renew) {
        this.tenant = tenant;
        this.control = control;
        this.db = db;
        this.duck = duck;
        this.coldRoot = coldRoot;
        this.partitions = partitions;
        this.renew = renew;
    }

    Report run(Instant now) throws SQLException, IOException {
        DSLContext tdb = db.dsl();
        int strays = removeStrays(tdb);
        LocalDate today = now.atZone(ZoneOffset.UTC).toLocalDate();
        int created;
        try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement("SELECT og_ensure_partitions(?, ?)")) {
            ps.setObject(1, today);
            ps.setObject(2, today.plusDays(DAYS_AHEAD));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                created = rs.getInt(1);
            }
        }
        RetentionCascade cascade = RetentionStore.load(control, tdb);
        List<String> tiered = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<String> coldRemoved = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        long rowsTiered = 0;
        long rowsDropped = 0;
        for (String table : RetentionCascade.TABLES) {
            if (!RetentionCascade.DATAPOINT_TABLES.contains(table)) {
                rowsDropped += dropAgedLogs(table, cascade.dropAfter(table), now, dropped, failed);
                continue;
            }
            Duration dropAfter = cascade.dropAfter(table);
            Duration leaveHot = cascade.leaveHotAfter(table);
            List<LocalDate> days;
            try (Connection c = db.connection()) {
                days = Partitions.days(c, table);
                
            }
            Set<LocalDate> busy = recentlyWritten(tdb, table, now.minus(QUIET));
            for (LocalDate day : days) {
                Duration age = Duration.between(day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), now);
                if (age.isNegative() || age.compareTo(leaveHot) < 0) {
                    continue;
                }
                if (busy.contains(day)) {
                    log.info("tenant {}: {} was written within {} (backfill): left for a later run", tenant,
                            Partitions.partitionName(table, day), QUIET);
                    continue;
                }
                String partition = Partitions.partitionName(table, day);
                try {
                    boolean keptCold = age.compareTo(dropAfter) < 0 && wantsCold(cascade, table, age);
                    if (!keptCold) {
                        rowsDropped += drop(table, day);
                        dropped.add(partition);
                    } else if (!isEmpty(partition)) {
                        rowsTiered += tier(tdb, cascade, table, day, age);
                        tiered.add(partition);
                    } else {
                        // an empty partition (made ahead, by the boot phase, or by the sink just before its rows) needs no
                        // file, but the sink may commit into it any moment now: it goes only if still empty under lock
                        LifecycleHooks.pause("found-empty");
                        if (dropIfEmpty(table, day)) {
                            dropped.add(partition);
                        } else {
                            log.info("tenant {}: {} was written after it was found empty: left for a later run", tenant, partition);
                        }
                    }
                    partitions.forget(table, day);
                } catch (SQLException | IOException e) {
                    log.warn("tenant {}: upkeep of {} failed (next run retries): {}", tenant, partition, e.getMessage());
                    failed.add(partition + ": " + e.getMessage());
                }
                renew.run();
            }
            coldRemoved.addAll(removeAgedCold(tdb, table, today.minusDays(dropAfter.toDays() + 1)));
        }
        int purged = SecretExpiry.purge(tdb);
        int pseudonymised = PersonalDataExpiry.pseudonymise(control, now);
        int copiedErased = PersonalDataExpiry.eraseCopiedNames(control, tdb); // before the audit names that map ids to them
        int erased = PersonalDataExpiry.eraseTenantAuditNames(control, tdb);
        return new Report(tenant, created, tiered, dropped, coldRemoved, strays, rowsTiered, rowsDropped, purged,
                pseudonymised, erased, copiedErased, failed);
    }

    /**
     * A log table's partitions (tenant V210: {@code audit_log} by month, the others by day) whose
     * newest possible row is past the table's keep are dropped whole; nothing is tiered (a log's
     * tier is always none). Returns the rows dropped.
     */
    private long dropAgedLogs(String table, Duration keep, Instant now, List<String> dropped, List<String> failed) {
        List<LocalDate> starts;
        try (Connection c = db.connection()) {
            starts = Partitions.days(c, table);
        } catch (SQLException e) {
            failed.add(table + ": " + e.getMessage());
            return 0;
        }
        long rows = 0;
        for (LocalDate start : starts) {
            Instant end = Partitions.endOf(table, start).atStartOfDay(ZoneOffset.UTC).toInstant();
            if (Duration.between(end, now).compareTo(keep) < 0) {
                continue;
            }
            String partition = Partitions.partitionName(table, start);
            try {
                rows += drop(table, start);
                dropped.add(partition);
            } catch (SQLException e) {
                log.warn("tenant {}: upkeep of {} failed (next run retries): {}", tenant, partition, e.getMessage());
                failed.add(partition + ": " + e.getMessage());
            }
            renew.run();
        }
        return rows;
    }

    private static Set<LocalDate> recentlyWritten(DSLContext tdb, String table, Instant since) {
        return new HashSet<>(tdb.select(PARTITION_WRITE.DAY).from(PARTITION_WRITE)
                .where(PARTITION_WRITE.TABLE_NAME.eq(table))
                .and(PARTITION_WRITE.LAST_WRITE_AT.gt(since.atOffset(ZoneOffset.UTC)))
                .fetch(PARTITION_WRITE.DAY));
    }

    private boolean isEmpty(String partition) throws SQLException {
        try (Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM ONLY " + partition + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static boolean wantsCold(RetentionCascade cascade, String table, Duration age) {
        return cascade.allFor(table).stream().anyMatch(p -> p.tier() == Tier.parquet && p.keep().compareTo(age) > 0);
    }

    /** Series of the table whose own policy has let this day go entirely (their rows are not exported). */
    private static Set<Long> expiredSeries(DSLContext tdb, RetentionCascade cascade, String table, Duration age) {
        if (cascade.allFor(table).size() == 1) {
            return Set.of(); // no class or owner override: one policy for every row
        }
        io.omniglass.schema.tenant.enums.DatapointKind kind =
                io.omniglass.schema.tenant.enums.DatapointKind.valueOf(table.substring(0, table.indexOf('_')));
        Set<Long> out = new HashSet<>();
        tdb.select(SERIES.ID, SERIES.OWNER, DATAPOINT_TYPE.NAME).from(SERIES)
                .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                .where(SERIES.KIND.eq(kind))
                .forEach(r -> {
                    ResolvedRetention p = cascade.resolve(table, r.value3(), r.value2());
                    if (p.keep().compareTo(age) <= 0 || p.tier() == Tier.none) {
                        out.add(r.value1());
                    }
                });
        return out;
    }

    private long tier(DSLContext tdb, RetentionCascade cascade, String table, LocalDate day, Duration age)
            throws SQLException, IOException {
        String partition = Partitions.partitionName(table, day);
        Set<Long> expired = expiredSeries(tdb, cascade, table, age);
        ColdExport.Written w;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                w = ColdExport.export(c, duck, coldRoot, tenant, table, day, expired);
                c.commit();
            } catch (SQLException | IOException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        LifecycleHooks.pause("verified");
        String notExpired = expired.isEmpty() ? "" : " WHERE series_id NOT IN ("
                + expired.stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")";
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + DROP_LOCK_TIMEOUT + "'");
                // nothing may land in the day between the proof and the drop: hold the partition, then recount
                st.execute("LOCK TABLE ONLY " + partition + " IN SHARE MODE");
                long now;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + partition + notExpired)) {
                    rs.next();
                    now = rs.getLong(1);
                }
                if (now != w.rows()) {
                    throw new SQLException(partition + " changed while it was tiered (" + w.rows() + " -> " + now + " rows)");
                }
                long all;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + partition)) {
                    rs.next();
                    all = rs.getLong(1);
                }
                DSLContext tx = DSL.using(c, SQLDialect.POSTGRES);
                tx.insertInto(COLD_FILE)
                        .set(COLD_FILE.TABLE_NAME, table).set(COLD_FILE.DAY, day).set(COLD_FILE.PATH, w.relativePath())
                        .set(COLD_FILE.ROW_COUNT, w.rows()).set(COLD_FILE.CHECKSUM, w.checksum()).set(COLD_FILE.BYTES, w.bytes())
                        .set(COLD_FILE.MIN_TS, w.minTs()).set(COLD_FILE.MAX_TS, w.maxTs())
                        .set(COLD_FILE.ROLLUP_PATH, w.rollup() == null ? null : w.rollup().relativePath())
                        .set(COLD_FILE.ROLLUP_ROWS, w.rollup() == null ? null : w.rollup().rows())
                        .set(COLD_FILE.ROLLUP_BYTES, w.rollup() == null ? null : w.rollup().bytes())
                        .execute();
                internalLog(tx, "tiered " + partition, Map.of("table", table, "day", day.toString(), "file", w.relativePath(),
                        "rows", w.rows(), "bytes", w.bytes(), "checksum", w.checksum(), "expired_rows", all - w.rows()));
                st.execute("DROP TABLE " + partition);
                LifecycleHooks.pause("dropping");
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                Files.deleteIfExists(w.file());
                if (w.rollup() != null) {
                    Files.deleteIfExists(w.rollup().file());
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        log.info("tenant {}: {} tiered to {} ({} rows, {} bytes)", tenant, partition, w.relativePath(), w.rows(), w.bytes());
        return w.rows();
    }

    private long drop(String table, LocalDate day) throws SQLException {
        String partition = Partitions.partitionName(table, day);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + DROP_LOCK_TIMEOUT + "'");
                long rows;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ONLY " + partition)) {
                    rs.next();
                    rows = rs.getLong(1);
                }
                internalLog(DSL.using(c, SQLDialect.POSTGRES), "dropped " + partition,
                        Map.of("table", table, "day", day.toString(), "rows", rows, "reason", "past retention"));
                st.execute("DROP TABLE " + partition);
                c.commit();
                log.info("tenant {}: {} dropped ({} rows past retention)", tenant, partition, rows);
                return rows;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * Drops the day's partition if it holds no row once no writer can add one (SHARE lock, then a
     * look): rows committed after an earlier look found it empty are kept for a later tiering.
     */
    private boolean dropIfEmpty(String table, LocalDate day) throws SQLException {
        String partition = Partitions.partitionName(table, day);
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + DROP_LOCK_TIMEOUT + "'");
                st.execute("LOCK TABLE ONLY " + partition + " IN SHARE MODE");
                boolean empty;
                try (ResultSet rs = st.executeQuery("SELECT NOT EXISTS (SELECT 1 FROM ONLY " + partition + ")")) {
                    rs.next();
                    empty = rs.getBoolean(1);
                }
                if (!empty) {
                    c.rollback();
                    return false;
                }
                internalLog(DSL.using(c, SQLDialect.POSTGRES), "dropped " + partition,
                        Map.of("table", table, "day", day.toString(), "rows", 0, "reason", "empty"));
                st.execute("DROP TABLE " + partition);
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** Cold files of days before {@code before}: the manifest row goes first (then the file no longer counts). */
    private List<String> removeAgedCold(DSLContext tdb, String table, LocalDate before) throws IOException {
        List<String> removed = new ArrayList<>();
        var rows = tdb.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            var r = tx.deleteFrom(COLD_FILE).where(COLD_FILE.TABLE_NAME.eq(table)).and(COLD_FILE.DAY.lt(before))
                    .returning(COLD_FILE.PATH, COLD_FILE.ROLLUP_PATH, COLD_FILE.DAY, COLD_FILE.ROW_COUNT).fetch();
            for (var f : r) {
                internalLog(tx, "cold file removed " + f.getPath(), Map.of("table", table, "day", f.getDay().toString(),
                        "rows", f.getRowCount(), "reason", "past retention"));
            }
            return r;
        });
        for (var f : rows) {
            Files.deleteIfExists(coldRoot.resolve(f.getPath()));
            if (f.getRollupPath() != null) {
                Files.deleteIfExists(coldRoot.resolve(f.getRollupPath()));
            }
            removed.add(f.getPath());
        }
        return removed;
    }

    /** Files under the tenant's cold directory that no manifest row names: a crash's leftovers. */
    private int removeStrays(DSLContext tdb) throws IOException {
        Path dir = coldRoot.resolve(tenant);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        Set<String> counted = new HashSet<>();
        tdb.select(COLD_FILE.PATH, COLD_FILE.ROLLUP_PATH).from(COLD_FILE).forEach(r -> {
            counted.add(r.value1());
            if (r.value2() != null) {
                counted.add(r.value2());
            }
        });
        List<Path> strays;
        try (Stream<Path> files = Files.walk(dir)) {
            strays = files.filter(Files::isRegularFile)
                    .filter(p -> !counted.contains(coldRoot.relativize(p).toString().replace('\\', '/')))
                    .toList();
        }
        for (Path p : strays) {
            Files.deleteIfExists(p);
            log.info("tenant {}: removed {} (named by no manifest row)", tenant, p);
        }
        return strays.size();
    }

    private static void internalLog(DSLContext tx, String message, Map<String, Object> detail) {
        tx.insertInto(INTERNAL_LOG)
                .set(INTERNAL_LOG.SUBSYSTEM, "lifecycle")
                .set(INTERNAL_LOG.LEVEL, Severity.info)
                .set(INTERNAL_LOG.MESSAGE, message)
                .set(INTERNAL_LOG.DETAIL, io.omniglass.core.gateway.Jsonb.of(detail))
                .execute();
    }
}
