package io.omniglass.core.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Moves an idle tenant's slot past other databases' WAL without decoding it: when the tenant's
 * record lane was not written since its slot confirmed a watermark, a new slot made at the current
 * position misses nothing, and replaces the old one (docs/cdc.md#skipping-other-databases-wal).
 *
 * <p>The record lane counts its statements in the sequence {@code og_cdc_writes} (tenant V255,
 * triggers ensured by the boot phase). A watermark {@code (v, L)} of a slot says: every
 * transaction that called nextval up to {@code v} committed before {@code L}, and the slot has
 * confirmed {@code L}. It is taken by a normal drain: {@code v}, then the transactions of the
 * tenant's database running just after, before the drain's target is read; once caught up, a wait
 * until those have ended (every transaction that could have called nextval up to {@code v} has),
 * then {@code L}, the current WAL position, becomes the drain's target. The skip reads {@code v} again, makes the other slot, and reads {@code v} a third
 * time once that slot is consistent: unchanged, no record-lane statement ran between the watermark
 * and the new slot's consistent point, so no record-lane transaction commits between the old slot's
 * confirmed position and the new slot's start.
 */
final class SlotSkip {

    private static final Logger log = LoggerFactory.getLogger(SlotSkip.class);

    /** The watermark of {@code slot}: record-lane writes counted up to {@code writes} all committed before {@code lsn}. */
    record Watermark(String slot, long writes, long lsn) {
    }

    /**
     * The first half of a watermark, read before a drain's target: the counter, then the
     * transactions of the tenant's database that were running just after (any that called nextval
     * up to {@code writes} and had not ended yet is among them).
     */
    record Pending(String slot, long writes, String[] running) {
    }

    /**
     * The counter: last_value alone stays 1 through the first nextval of a new sequence (only
     * is_called changes), which would hide the first record-lane statement ever.
     */
    static final String COUNTER = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM og_cdc_writes";

    /** How long a drain waits, once caught up, for the transactions running at its start to end. */
    private static final long SETTLE_NANOS = 100_000_000L;
    private static final long SETTLE_POLL_MILLIS = 10;
    /** How long a new slot may take to reach its consistent point before the skip gives up. */
    static final int CREATE_TIMEOUT_MILLIS = 5_000;
    /**
     * After a new slot could not become consistent in time (a transaction elsewhere runs long: a
     * bulk load, a replay's batch), how long the feed waits before it tries again rather than be
     * drained through that WAL.
     */
    static final long RETRY_NANOS = 10_000_000_000L;
    /** How often a running-xacts record is written while a new slot waits for its consistent point. */
    private static final long SNAPSHOT_EVERY_MILLIS = 50;

    /** What a try left the feed to do. */
    enum Outcome {
        /** The feed reads from its new slot: nothing to drain. */
        SKIPPED,
        /** The record lane was written meanwhile (or the skip failed): drain as usual. */
        DRAIN,
        /** A transaction elsewhere kept the new slot from its consistent point: try again later, no drain now. */
        DEFERRED
    }

    private final long skipBehind;
    /** Past this much unconfirmed WAL a feed whose skip keeps being deferred is drained anyway. */
    private final long overdueBehind;
    private final ScheduledExecutorService timers;
    private final StandbySnapshots snapshots;
    private final Counter skipped;
    private final Counter written;
    private final Counter failed;
    private final Counter deferred;

    SlotSkip(long skipBehind, long maxRetainedWal, ScheduledExecutorService timers, StandbySnapshots snapshots,
             MeterRegistry metrics) {
        this.skipBehind = skipBehind;
        this.overdueBehind = 4 * Math.max(skipBehind, maxRetainedWal);
        this.timers = timers;
        this.snapshots = snapshots;
        this.skipped = counter(metrics, "skipped", "the idle slot was replaced by a new one at the current position");
        this.written = counter(metrics, "written", "the record lane was written meanwhile: drained as usual");
        this.failed = counter(metrics, "failed", "the new slot could not be made (error, or deferred too long): drained as usual");
        this.deferred = counter(metrics, "deferred", "a transaction elsewhere kept the new slot from its consistent point: tried again later");
    }

    private static Counter counter(MeterRegistry metrics, String outcome, String what) {
        return metrics == null ? null : Counter.builder("og_cdc_slot_skips").tag("outcome", outcome)
                .description("skips of idle CDC slots far behind: " + what).register(metrics);
    }

    boolean enabled() {
        return skipBehind > 0;
    }

    /** Whether the feed's slot is far enough behind, with a watermark of its own, for a skip. */
    boolean wanted(TenantFeed feed) {
        Watermark w = feed.watermark;
        return enabled() && w != null && w.slot().equals(feed.slot()) && feed.behindBytes > skipBehind;
    }

    /**
     * Whether the feed's last try was deferred a moment ago: its turn ends without a drain (the
     * sweep wakes it again), unless it is so far behind that it is drained anyway.
     */
    boolean deferring(TenantFeed feed) {
        long at = feed.skipDeferredAt;
        return at != 0 && System.nanoTime() - at < RETRY_NANOS && !overdue(feed);
    }

    private boolean overdue(TenantFeed feed) {
        return feed.behindBytes > overdueBehind;
    }

    /** Before a drain reads its target: the counter and what runs, when the feed has no watermark at this count. */
    Pending start(TenantFeed feed) {
        if (!enabled()) {
            return null;
        }
        try (Connection c = feed.tenantDb.getConnection(); Statement st = c.createStatement()) {
            long v;
            try (ResultSet rs = st.executeQuery(COUNTER)) {
                rs.next();
                v = rs.getLong(1);
            }
            Watermark w = feed.watermark;
            if (w != null && w.writes() == v && w.slot().equals(feed.slot())) {
                return null; // still holds: nothing counted since
            }
            // a statement of its own, after the counter's (each autocommit statement reads the
            // backends' state afresh): a transaction that called nextval up to v has ended, or is here
            try (ResultSet rs = st.executeQuery("""
                    SELECT coalesce(array_agg(backend_xid::text), '{}') FROM pg_stat_activity
                    WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()""")) {
                rs.next();
                return new Pending(feed.slot(), v, (String[]) rs.getArray(1).getArray());
            }
        } catch (SQLException e) {
            log.debug("cdc {}: no write counter ({}): no skip", feed.slug(), e.toString());
            return null;
        }
    }

    /**
     * The drain caught up with its target: waits (briefly) until every transaction of the tenant's
     * database running when {@code pending} was read has ended, and returns the WAL position past
     * their commits (the drain's new target, and the watermark's once the slot confirmed it); -1
     * when they did not end in time. Only the tenant's own transactions: a bulk transaction of
     * another database (a replay) may run for seconds, and cannot have touched this record lane.
     * The insert position, not the write position: a writer from elsewhere with
     * {@code synchronous_commit = off} leaves the proc array before its commit record is written.
     */
    long settle(TenantFeed feed, Pending pending) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        try (Connection c = feed.serverDb.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = ? AND backend_xid::text = ANY (?)),
                       pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint""")) {
            ps.setString(1, feed.database);
            ps.setArray(2, c.createArrayOf("text", pending.running()));
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return rs.getLong(2);
                    }
                }
                if (System.nanoTime() > deadline) {
                    log.debug("cdc {}: no watermark: transactions of its database still run", feed.slug());
                    return -1;
                }
                Thread.sleep(SETTLE_POLL_MILLIS);
            }
        } catch (SQLException e) {
            log.debug("cdc {}: watermark not taken: {}", feed.slug(), e.toString());
            return -1;
        }
    }

    /**
     * Replaces the feed's slot by its other slot at the current position when the record lane was
     * not written since the watermark (the old slot is dropped). The caller holds the feed (no drain
     * runs on it) and has closed any session open on its slot. When the new slot cannot become
     * consistent in time, a transaction elsewhere runs long (CI saw a 40 MB bulk insert take longer
     * than {@link #CREATE_TIMEOUT_MILLIS}); draining then would decode all of that WAL, the very
     * thing the skip is for, so the try is deferred instead, unless the feed is overdue.
     */
    Outcome trySkip(TenantFeed feed, java.util.function.BooleanSupplier leading) {
        Watermark w = feed.watermark;
        if (w == null || !w.slot().equals(feed.slot())) {
            return Outcome.DRAIN;
        }
        String old = feed.slot();
        String next = feed.otherSlot();
        CdcSession.Source src = feed.source;
        try (Connection c = DriverManager.getConnection(src.jdbcUrl(), src.user(), src.password())) {
            if (writes(c) != w.writes()) {
                count(written);
                return Outcome.DRAIN;
            }
            dropIfPresent(c, next); // a leftover of a skip that failed half-way (it was never the feed's)
            if (!create(feed, c, next)) {
                if (overdue(feed)) {
                    count(failed);
                    return Outcome.DRAIN;
                }
                feed.skipDeferredAt = System.nanoTime();
                count(deferred);
                return Outcome.DEFERRED;
            }
            if (writes(c) != w.writes() || !leading.getAsBoolean()) {
                // a record-lane statement ran before the new slot was consistent: it may have
                // committed before that point, so only the old slot has it
                drop(c, next);
                count(written);
                return Outcome.DRAIN;
            }
            feed.readFrom(next);
            // the new slot starts past L: the watermark holds for it as it stands
            feed.watermark = new Watermark(next, w.writes(), w.lsn());
            drop(c, old);
            count(skipped);
            log.debug("cdc {}: slot {} skipped {} bytes of WAL: the feed reads from {} now", feed.slug(), old,
                    feed.behindBytes, next);
            feed.behindBytes = 0;
            feed.skipDeferredAt = 0;
            return Outcome.SKIPPED;
        } catch (SQLException e) {
            count(failed);
            log.info("cdc {}: skip of slot {} failed: {}", feed.slug(), old, e.toString());
            return Outcome.DRAIN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.DRAIN;
        }
    }

    /**
     * Which of the tenant's two slots the feed reads (at the first drain of a lease term): the only
     * one there is; when both are (a skip stopped half-way: a crash, a lost lease), the one that
     * confirmed less, which is always complete (the other is either the complete one's successor,
     * only made at a later position, or was checked and found complete), and the other is dropped.
     */
    void settleSlot(TenantFeed feed) {
        try (Connection c = feed.serverDb.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT slot_name, active FROM pg_replication_slots
                WHERE slot_name IN (?, ?) AND database = ? AND slot_type = 'logical'
                ORDER BY confirmed_flush_lsn, slot_name = ? DESC""")) {
            ps.setString(1, feed.primarySlot);
            ps.setString(2, feed.alternateSlot);
            ps.setString(3, feed.database);
            ps.setString(4, feed.primarySlot);
            String keep = null;
            String extra = null;
            boolean extraActive = false;
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    keep = rs.getString(1);
                }
                if (rs.next()) {
                    extra = rs.getString(1);
                    extraActive = rs.getBoolean(2);
                }
            }
            if (keep == null) {
                feed.slotSettled = true; // neither (yet): the boot phase makes the slot; the drain says what is wrong
                return;
            }
            if (!keep.equals(feed.slot())) {
                log.info("cdc {}: the feed reads from slot {}", feed.slug(), keep);
                feed.readFrom(keep);
            }
            if (extra != null) {
                if (extraActive) {
                    return; // a previous leader's walsender still holds it: settled at the next drain
                }
                try (PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    drop.setString(1, extra);
                    drop.execute();
                }
                log.info("cdc {}: both slots were there (a skip stopped half-way): kept {}, dropped {}",
                        feed.slug(), keep, extra);
            }
            feed.slotSettled = true;
        } catch (SQLException e) {
            log.info("cdc {}: could not settle which slot to read: {}", feed.slug(), e.toString());
        }
    }

    private static long writes(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(COUNTER)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Makes {@code slot} at the current position; false when it did not reach its consistent point
     * in time. A running-xacts record every few dozen ms meanwhile: the slot is consistent at the
     * first one after every transaction running at its start has ended, and Postgres writes one by
     * itself only every 15 s.
     */
    private boolean create(TenantFeed feed, Connection c, String slot) throws SQLException {
        ScheduledFuture<?> logging = timers.scheduleWithFixedDelay(() -> snapshots.logNow(feed), SNAPSHOT_EVERY_MILLIS,
                SNAPSHOT_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = " + CREATE_TIMEOUT_MILLIS);
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, slot);
                ps.execute();
            }
            st.execute("SET statement_timeout = 0");
            return true;
        } catch (SQLException e) {
            if ("57014".equals(e.getSQLState())) { // canceled by the timeout: the slot is not kept
                // debug, not info: during a replay every idle slot of its server comes here every 10 s,
                // and og_cdc_slot_skips_total{outcome="deferred"} counts them
                log.debug("cdc {}: slot {} not consistent within {} ms (a transaction elsewhere runs long)", feed.slug(), slot,
                        CREATE_TIMEOUT_MILLIS);
                return false;
            }
            throw e;
        } finally {
            logging.cancel(false);
        }
    }

    private static void dropIfPresent(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
            ps.setString(1, slot);
            ps.execute();
        }
    }

    /** Drops a slot; its walsender may take a moment to let go after its session closed. */
    private static void drop(Connection c, String slot) throws SQLException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                dropIfPresent(c, slot);
                return;
            } catch (SQLException e) {
                if (!"55006".equals(e.getSQLState()) || attempt >= 50) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static void count(Counter c) {
        if (c != null) {
            c.increment();
        }
    }
}
