package io.omniglass.core.cdc;

import io.omniglass.core.runtime.PgServer;

import javax.sql.DataSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One tenant's change feed on this core: where its slot is, whether this core leads it (and with
 * which fencing token), and whether a session is queued for it or draining it. No thread of its
 * own: the {@link SlotScheduler}'s sessions serve it when it has pending changes.
 */
final class TenantFeed {

    private static final int IDLE = 0;
    private static final int QUEUED = 1;
    private static final int RUNNING = 2;
    /** Draining, and woken again meanwhile: drain on (or queue again) when caught up. */
    private static final int RUNNING_WOKEN = 3;

    /** Where the feed reads: on {@link #primarySlot} or {@link #alternateSlot}, whichever a skip left it on. */
    volatile CdcSession.Source source;
    final String primarySlot;
    final String alternateSlot;
    /** The tenant's database (the write counter of tenant V255 lives there). */
    final DataSource tenantDb;
    /** The slot's unconfirmed WAL as the sweep last read it. */
    volatile long behindBytes;
    /** Since which point of the slot the tenant's record lane is known untouched (null: unknown). */
    volatile SlotSkip.Watermark watermark;
    /** When the last skip was deferred (nanoTime; 0: not deferred); see {@link SlotSkip#deferring}. */
    volatile long skipDeferredAt;
    /** Which of the two slots is the feed's was settled in this lease term (at its first drain). */
    volatile boolean slotSettled;
    final String database;
    final PgServer server;
    /** The server's own database: the WAL and slot questions are the server's, not the tenant's. */
    final DataSource serverDb;
    final CdcStats stats;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    /** A commit is waiting for this feed (not only the sweep's housekeeping): it goes ahead of housekeeping. */
    private final AtomicBoolean commitPending = new AtomicBoolean();
    /** Queued among the commit wake-ups (it may also still sit in the housekeeping queue). */
    private final AtomicBoolean inCommitQueue = new AtomicBoolean();
    /** When the oldest commit wake-up not yet taken by a session came (nanoTime; 0: none). */
    private final java.util.concurrent.atomic.AtomicLong commitWokenAt = new java.util.concurrent.atomic.AtomicLong();
    /** When the feed's last commit drain ended (nanoTime; 0: none yet); only the session holding the feed writes it. */
    private volatile long lastDrainEndNanos;
    /**
     * The feed's gap from the end of a drain to the start of its next commit drain, smoothed
     * ({@link ParkPolicy#UNKNOWN} before the first): how long a session kept open would wait.
     */
    private volatile long commitIntervalNanos = ParkPolicy.UNKNOWN;
    /**
     * Where the feed's stream ended after its last clean drain, and under which lease term (only the
     * session holding the feed reads or writes it; null: unknown, the next session asks JetStream).
     */
    private volatile KnownEnd knownEnd;

    private record KnownEnd(long token, CdcSession.StreamEnd end) {
    }

    /** The stream's end a clean drain under lease term {@code token} left, or null after any other ending. */
    void streamEnded(long token, CdcSession.StreamEnd end) {
        knownEnd = end == null ? null : new KnownEnd(token, end);
    }

    /** The stream's end known under lease term {@code token} (null: ask JetStream); taken, so that a failing run leaves none. */
    CdcSession.StreamEnd takeStreamEnd(long token) {
        KnownEnd k = knownEnd;
        knownEnd = null;
        return k != null && k.token() == token ? k.end() : null;
    }

    /** The lease's fencing token while this core leads the tenant; 0 when it does not. */
    private volatile long token;

    TenantFeed(CdcSession.Source source, String database, PgServer server, DataSource serverDb, DataSource tenantDb,
               CdcStats stats) {
        this.source = source;
        this.primarySlot = source.slot();
        this.alternateSlot = io.omniglass.core.tenancy.Tenant.alternateSlotFor(source.slot());
        this.tenantDb = tenantDb;
        this.database = database;
        this.server = server;
        this.serverDb = serverDb;
        this.stats = stats;
    }

    String slug() {
        return source.slug();
    }

    String slot() {
        return source.slot();
    }

    /** The other of the tenant's two slot names: where the next skip makes the new slot. */
    String otherSlot() {
        return slot().equals(primarySlot) ? alternateSlot : primarySlot;
    }

    /** The feed reads from {@code slot} from now on. */
    void readFrom(String slot) {
        CdcSession.Source s = source;
        if (!s.slot().equals(slot)) {
            source = new CdcSession.Source(s.slug(), slot, s.jdbcUrl(), s.user(), s.password());
        }
    }

    void lead(long token) {
        slotSettled = false; // another core may have moved the feed to its other slot meanwhile
        watermark = null; // and only what this term sees its slot confirm counts
        this.token = token;
        stats.leader(true);
    }

    void unlead() {
        token = 0;
        stats.leader(false);
    }

    long token() {
        return token;
    }

    boolean leading() {
        return token != 0;
    }

    /** There may be changes to carry: true when the caller must queue the feed (it was idle). */
    boolean wake() {
        while (true) {
            int s = state.get();
            if (s == IDLE) {
                if (state.compareAndSet(IDLE, QUEUED)) {
                    return true;
                }
            } else if (s == RUNNING) {
                if (state.compareAndSet(RUNNING, RUNNING_WOKEN)) {
                    return false;
                }
            } else {
                return false; // queued already, or already told
            }
        }
    }

    /** A commit wants carrying: true when the caller must (also) put the feed in the commit queue. */
    boolean commitWake() {
        commitWokenAt.compareAndSet(0, System.nanoTime());
        commitPending.set(true);
        boolean queue = wake();
        if (!queue && state.get() == QUEUED) {
            queue = true; // queued for housekeeping only: move it ahead
        }
        return queue && !inCommitQueue.getAndSet(true);
    }

    boolean commitPending() {
        return commitPending.get();
    }

    /** A session takes the feed; false when it is not queued (taken already, from the other queue). */
    boolean begin() {
        if (state.compareAndSet(QUEUED, RUNNING)) {
            inCommitQueue.set(false);
            commitPending.set(false); // a commit from now on sets it again
            return true;
        }
        return false;
    }

    /** The run ended before it caught up: its commits are still pending when it had any. */
    void stillPending(boolean commits) {
        if (commits) {
            commitPending.set(true);
        }
    }

    /** Re-queued with a commit pending: true when it is not in the commit queue yet. */
    boolean requeueForCommit() {
        return !inCommitQueue.getAndSet(true);
    }

    /** How long ago the oldest untaken commit wake-up came (nanos; 0 when none), and none from now on. */
    long takeCommitWokenAt() {
        long at = takeCommitWokenAtNanos();
        return at == 0 ? 0 : System.nanoTime() - at;
    }

    /** When the oldest untaken commit wake-up came (nanoTime; 0 when none), and none from now on. */
    long takeCommitWokenAtNanos() {
        return commitWokenAt.getAndSet(0);
    }

    /** Taken out of the commit queue: it is now in no queue of that kind. */
    void leftCommitQueue() {
        inCommitQueue.set(false);
    }

    /** While draining: whether a wake came in since the drain's target was set (left as it is). */
    boolean wokenWhileRunning() {
        return state.get() == RUNNING_WOKEN;
    }

    /** While draining: true (and cleared) when a wake came in since the drain's target was set. */
    boolean takeWake() {
        return state.compareAndSet(RUNNING_WOKEN, RUNNING);
    }

    /** The session is done with the feed: true when the caller must queue it again. */
    boolean end(boolean again) {
        if (again) {
            state.set(QUEUED);
            return true;
        }
        if (state.compareAndSet(RUNNING, IDLE)) {
            return false;
        }
        state.set(QUEUED); // woken while finishing
        return true;
    }

    /**
     * A commit drain starts: the gap from the previous drain's end to the tenant's return (the commit
     * wake-up this drain serves, {@code backNanos}; one that came during that drain: a gap of
     * nothing; 0: none, a drain going on with commits an earlier one left, which says nothing) is
     * learnt, the newest three quarters of the weight (a tenant back from a quiet spell is judged by
     * its next interval, not by its history), a sample
     * capped at {@code capNanos} (a long quiet spell says "not back soon", not "never"). Up to the
     * wake-up, not to this drain's start: the wait for a session is not the tenant's (a parked session
     * whose tenant's commit waits is kept), and counted in, it taught a loaded core's tenants gaps
     * beyond the idle period (docs/bench/s14-cdclive-40-after-v1.json: commits waited 18 s for one of
     * two sessions, and 2.1 of 2.6 commit drains a second were declined a place).
     */
    void commitDrainStarted(long backNanos, long capNanos) {
        long end = lastDrainEndNanos;
        if (end != 0 && backNanos != 0) {
            long sample = Math.max(1, Math.min(capNanos, backNanos - end));
            long before = commitIntervalNanos;
            commitIntervalNanos = before == ParkPolicy.UNKNOWN ? sample : (before + 3 * sample) / 4;
        }
    }

    /** A commit drain of the feed ended (its session about to be parked or closed). */
    void drainEnded(long nowNanos) {
        lastDrainEndNanos = nowNanos;
    }

    long commitIntervalNanos() {
        return commitIntervalNanos;
    }

    /** After a failure: idle, and nothing pending (the caller retries later). */
    void reset() {
        state.set(IDLE);
    }
}
