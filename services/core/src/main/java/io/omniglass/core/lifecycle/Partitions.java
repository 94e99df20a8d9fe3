package io.omniglass.core.lifecycle;

import io.omniglass.core.gateway.GatewaySession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.omniglass.schema.tenant.Tables.PARTITION_WRITE;

/**
 * The daily partitions of a tenant's datapoint tables: made on demand (a backfilled day gets its
 * partition from the write path), listed, and dropped whole by the upkeep. Making one is a short
 * transaction of its own with a lock timeout (tenant migration V80, {@code og_create_partition}:
 * created standalone, then attached, which does not block the live lane's inserts); a timeout
 * fails the caller's batch, which is then redelivered.
 */
public final class Partitions {

    private static final Logger log = LoggerFactory.getLogger(Partitions.class);
    /** A partition known to exist is trusted for this long (upkeep on another core may drop aged ones). */
    private static final long KNOWN_MILLIS = 5 * 60_000L;
    static final String LOCK_TIMEOUT = "2s";

    /** A backfilled day's write is noted at most this often per day (the upkeep's grace is minutes). */
    private static final long NOTE_MILLIS = 60_000L;

    private final GatewaySession db;
    private final Map<String, Long> known = new ConcurrentHashMap<>();
    private final Map<String, Long> noted = new ConcurrentHashMap<>();

    /** Over a system session of the tenant (its connections for the DDL, its DSL for the notes). */
    public Partitions(GatewaySession db) {
        this.db = db;
    }

    /** Makes sure {@code table} has the partition of {@code day}; true when this call made it. */
    public boolean ensure(String table, LocalDate day) throws SQLException {
        String key = partitionName(table, day);
        Long at = known.get(key);
        long now = System.currentTimeMillis();
        if (at != null && now - at < KNOWN_MILLIS) {
            return false;
        }
        boolean made;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT + "'");
                try (PreparedStatement ps = c.prepareStatement("SELECT og_create_partition(?, ?)")) {
                    ps.setString(1, table);
                    ps.setObject(2, day);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        made = rs.getBoolean(1);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        known.put(key, now);
        if (made) {
            log.info("partition {} made on demand", key);
        }
        return made;
    }

    /**
     * Notes that a write into {@code day} (not today's) is about to happen, before the rows are
     * written: the upkeep leaves a day alone until it has been quiet for {@link PartitionUpkeep#QUIET}.
     */
    public void noteBackfill(String table, LocalDate day) throws SQLException {
        String key = partitionName(table, day);
        Long at = noted.get(key);
        long now = System.currentTimeMillis();
        if (at != null && now - at < NOTE_MILLIS) {
            return;
        }
        db.dsl().insertInto(PARTITION_WRITE)
                .set(PARTITION_WRITE.TABLE_NAME, table).set(PARTITION_WRITE.DAY, day)
                .onConflict(PARTITION_WRITE.TABLE_NAME, PARTITION_WRITE.DAY)
                .doUpdate().set(PARTITION_WRITE.LAST_WRITE_AT, org.jooq.impl.DSL.currentOffsetDateTime())
                .execute();
        noted.put(key, now);
    }

    /** Forgets that these days' partitions exist (a write found one missing: the upkeep dropped it). */
    public void forgetAll() {
        known.clear();
    }

    /** Forgets what this instance knew (after the upkeep dropped partitions). */
    public void forget(String table, LocalDate day) {
        known.remove(partitionName(table, day));
    }

    public static String partitionName(String table, LocalDate day) {
        RetentionCascade.requireTable(table);
        return table + "_p" + day.format(java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
    }

    /** The first day after the partition of {@code table} that starts on {@code start} (tenant V210: audit_log by month). */
    public static LocalDate endOf(String table, LocalDate start) {
        RetentionCascade.requireTable(table);
        return "audit_log".equals(table) ? start.withDayOfMonth(1).plusMonths(1) : start.plusDays(1);
    }

    /** The days {@code table} has a partition for (its first day), oldest first. */
    public static List<LocalDate> days(Connection c, String table) throws SQLException {
        List<LocalDate> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT day FROM og_partition_days(?)")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getObject(1, LocalDate.class));
                }
            }
        }
        return out;
    }
}
