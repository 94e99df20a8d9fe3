package io.omniglass.core.cdc;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.omniglass.core.runtime.PgServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A bounded number of replication sessions serving every tenant slot this core leads: a feed with
 * pending changes is queued (woken by a commit of this core, a wake-up from another core, a
 * take-over or the sweep); a session takes it, drains its slot to the server's flushed WAL
 * position, confirms after the PubAcks and moves on to the next one. Every slot decodes the whole
 * server's WAL, so {@code sessions} walsenders at most, not one per tenant.
 *
 * <p>The sweep is for writes from elsewhere (psql, another application): once per interval, one
 * query per Postgres server reads each tenant database's write counters and each slot's
 * unconfirmed WAL; a database that was written to, or a slot behind by more than the threshold, is drained.
 */
final class SlotScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlotScheduler.class);

    /**
     * Feeds with a commit to carry, oldest wake-up first, ahead of the sweep's housekeeping (writes
     * from elsewhere, idle slots holding WAL): under a replay every slot is behind, and a drain of an
     * idle slot decodes the replay's WAL for nobody while a live tenant's commit waits.
     */
    private final ArrayDeque<TenantFeed> commits = new ArrayDeque<>();
    private final ArrayDeque<TenantFeed> housekeeping = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private int housekeepingRunning;
    private final StandbySnapshots snapshots = new StandbySnapshots();
    private final CdcSettings settings;
    private final String natsUrl;
    private final String instanceId;
    private final ScheduledExecutorService timers;
    private final Supplier<Collection<TenantFeed>> feeds;
    private final Fence fence;
    private final List<Thread> workers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Session workers alive, and how many of them wait for work in {@link #take()} (under the lock). */
    private int liveWorkers;
    private int idleWorkers;
    private final java.util.concurrent.atomic.AtomicInteger workerNames = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Replication sessions kept open after a commit drain (under the lock): the next wake-up of a
     * tenant expected back soon goes on on the same walsender instead of paying a connection,
     * authentication, a walsender fork and START_REPLICATION again. Bounded by
     * {@link CdcSettings#openSessions()}, admitted by {@link ParkPolicy}, and closed once its hold
     * ({@link ParkPolicy#holdNanos}: about its tenant's interval, at most {@link CdcSettings#openIdle()})
     * is over unused, so an idle fleet keeps no walsender.
     */
    private final Map<TenantFeed, Parked> parked = new HashMap<>();
    /** One NATS connection for every session (a parked session may be resumed by any worker). */
    private Connection nats;
    private final Object natsLock = new Object();
    private final Map<String, Long> writesSeen = new HashMap<>();
    private final DrainTimers drainTimers;
    private final ParkPolicy parkPolicy;
    private final SlotSkip skip;
    private volatile boolean closed;

    /** Whether a session may still publish for the feed (its lease, at the token it holds). */
    interface Fence {
        boolean holds(TenantFeed feed, long token);
    }

    SlotScheduler(CdcSettings settings, String natsUrl, String instanceId, ScheduledExecutorService timers,
                  Supplier<Collection<TenantFeed>> feeds, Fence fence, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.drainTimers = new DrainTimers(metrics);
        this.skip = new SlotSkip(settings.skipBehind(), settings.maxRetainedWal(), timers, snapshots, metrics);
        this.settings = settings;
        this.parkPolicy = new ParkPolicy(settings.openIdle().toNanos());
        this.natsUrl = natsUrl;
        this.instanceId = instanceId;
        this.timers = timers;
        this.feeds = feeds;
        this.fence = fence;
    }

    /**
     * A session left open after its drain, under the lease term it was opened in, until
     * {@code deadlineNanos} unless its tenant is back by then (a commit waits for a session to take
     * the feed: kept up to {@link ParkPolicy#claimedHoldNanos} since {@code sinceNanos}, under the walsender's timeout).
     */
    private record Parked(CdcSession session, long token, long sinceNanos, long intervalNanos, long deadlineNanos) {
    }

    void start() {
        lock.lock();
        try {
            for (int i = 1; i <= settings.sessions(); i++) {
                startWorker();
            }
        } finally {
            lock.unlock();
        }
        timers.scheduleWithFixedDelay(this::sweep, 1000, settings.sweepEvery().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Under the lock. */
    private void startWorker() {
        liveWorkers++;
        // named after its place in the pool, never after a tenant
        Thread t = new Thread(this::serve, "og-cdc-session-" + workerNames.incrementAndGet());
        t.setDaemon(true);
        workers.add(t);
        t.start();
    }

    /** A commit (of this core, another core, or a previous leader's leftovers) wants carrying. */
    void wake(TenantFeed feed) {
        if (!closed && feed.leading() && feed.commitWake()) {
            enqueue(commits, feed);
        }
    }

    /** The sweep's wake-up: writes from elsewhere, or an idle slot holding WAL. */
    void wakeForHousekeeping(TenantFeed feed) {
        if (!closed && feed.leading() && feed.wake()) {
            enqueue(housekeeping, feed);
        }
    }

    private void enqueue(ArrayDeque<TenantFeed> q, TenantFeed feed) {
        lock.lock();
        try {
            q.addLast(feed);
            // a commit and no session free: one more session, up to the busy bound (it ends when idle again)
            if (q == commits && !closed && idleWorkers == 0 && liveWorkers < settings.maxSessions()) {
                startWorker();
            }
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Housekeeping drains at once at most: the others stay free for commits, and the CPU that every
     * drain's decoding costs goes to the tenants that are waiting for theirs.
     */
    private int housekeepingLimit() {
        return Math.max(1, settings.sessions() / 3);
    }

    /** A taken feed and whether it came from the housekeeping queue. */
    private record Turn(TenantFeed feed, boolean housekeeping) {
    }

    /** The next feed to serve; null when this worker is one beyond the base pool and has been idle long enough to end. */
    private Turn take() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (true) {
                TenantFeed f = commits.pollFirst();
                if (f != null) {
                    f.leftCommitQueue();
                    return new Turn(f, false);
                }
                if (housekeepingRunning < housekeepingLimit() && (f = housekeeping.pollFirst()) != null) {
                    housekeepingRunning++;
                    return new Turn(f, true);
                }
                idleWorkers++;
                try {
                    if (liveWorkers <= settings.sessions()) {
                        ready.await(); // blocks: an idle fleet costs nothing here
                    } else if (ready.awaitNanos(extraSessionIdleNanos()) <= 0 && liveWorkers > settings.sessions()
                            && commits.isEmpty()) {
                        liveWorkers--; // a busy spell's extra session: the pool is back to its base size
                        workers.remove(Thread.currentThread());
                        return null;
                    }
                } finally {
                    idleWorkers--;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long an extra session (beyond the base pool) waits for work before it ends: the idle
     * period, at most 10 s (a thread, not a walsender: it need not wait for a tenant's return).
     */
    private long extraSessionIdleNanos() {
        return Math.min(settings.openIdle().toNanos(), EXTRA_SESSION_IDLE_NANOS);
    }

    private static final long EXTRA_SESSION_IDLE_NANOS = 10_000_000_000L;

    private void done(Turn turn) {
        if (turn.housekeeping()) {
            lock.lock();
            try {
                housekeepingRunning--;
                ready.signal();
            } finally {
                lock.unlock();
            }
        }
    }

    private boolean commitsWaiting() {
        lock.lock();
        try {
            return !commits.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    private boolean anyWaiting() {
        lock.lock();
        try {
            return !commits.isEmpty() || (!housekeeping.isEmpty() && housekeepingRunning < housekeepingLimit());
        } finally {
            lock.unlock();
        }
    }

    /** Back in line after a time slice: ahead of housekeeping when a commit is still to carry. */
    private void requeue(TenantFeed feed) {
        if (feed.commitPending()) {
            if (feed.requeueForCommit()) {
                enqueue(commits, feed);
            }
        } else {
            enqueue(housekeeping, feed);
        }
    }

    /** A sweep soon (a new tenant: its lag figure), without waiting for the interval. */
    void sweepSoon() {
        later(this::sweep, 200);
    }

    private void later(Runnable r, long millis) {
        try {
            timers.schedule(r, millis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closing
        }
    }

    private void serve() {
        try {
            while (!closed) {
                Turn turn;
                try {
                    turn = take();
                } catch (InterruptedException e) {
                    if (closed) {
                        throw e;
                    }
                    Thread.interrupted(); // not our close (see below): this thread keeps serving
                    continue;
                }
                if (turn == null) {
                    return; // an extra session, idle again
                }
                TenantFeed feed = turn.feed();
                try {
                    boolean forCommit = feed.commitPending() || !turn.housekeeping();
                    if (!feed.begin()) {
                        continue; // taken from the other queue already
                    }
                    long now = System.nanoTime();
                    long wokenAt = feed.takeCommitWokenAtNanos();
                    drainTimers.commitWaited(wokenAt == 0 ? 0 : now - wokenAt);
                    if (forCommit) {
                        feed.commitDrainStarted(wokenAt, 2 * settings.openIdle().toNanos());
                    }
                    long token = feed.token();
                    if (token == 0 || closed) {
                        feed.reset();
                        continue;
                    }
                    if (!feed.slotSettled) {
                        skip.settleSlot(feed);
                    }
                    if (!forCommit && skip.wanted(feed)) {
                        if (skip.deferring(feed)) {
                            // a transaction elsewhere held the last try up: neither a drain through
                            // its WAL nor another try yet (the sweep wakes the feed again)
                            if (feed.end(false)) {
                                requeue(feed);
                            }
                            continue;
                        }
                        Parked open = unpark(feed); // it holds the old slot, which the skip drops
                        if (open != null) {
                            open.session().close();
                        }
                        if (skip.trySkip(feed, () -> !closed && fence.holds(feed, token)) != SlotSkip.Outcome.DRAIN) {
                            if (feed.end(false)) {
                                requeue(feed);
                            }
                            continue;
                        }
                    }
                    Connection nats = null;
                    try {
                        nats = nats();
                        long drainStart = System.nanoTime();
                        boolean again = drain(feed, token, nats, !forCommit);
                        drainTimers.drained(forCommit, System.nanoTime() - drainStart);
                        if (again) {
                            feed.stillPending(forCommit);
                        }
                        if (feed.end(again)) {
                            requeue(feed);
                        }
                    } catch (Exception e) {
                        if (e instanceof InterruptedException && closed) {
                            feed.reset();
                            throw (InterruptedException) e;
                        }
                        if (e instanceof InterruptedException) {
                            // Not our close: the interrupt came from a client library while a connection
                            // was dying (after kill -9 of a NATS node: closing the session's dead
                            // connection, then connecting again). It used to end this thread with the
                            // feed left RUNNING, so every later wake was taken as "already draining" and
                            // the slot was never read again (LeaseBucketKillBench: 355 changes stuck).
                            // It is a failed session like any other: retried, and the pool keeps its thread.
                            Thread.interrupted();
                            dropNats(nats); // its close may be interrupted too
                            Thread.interrupted();
                        }
                        feed.reset();
                        if (sqlState(e, "42704")) {
                            feed.slotSettled = false; // the slot is gone (moved by a skip elsewhere): look again
                        }
                        if (tooManyWalSenders(e)) {
                            // a Postgres with a small max_wal_senders (10 by default outside the embedded
                            // one): the connections kept open for quick reuse give way to the drain
                            shedParkedSessions();
                        }
                        if (!closed && fence.holds(feed, token)) {
                            log.warn("cdc {}: session failed, retrying: {}", feed.slug(), e.toString());
                            later(() -> wake(feed), 500);
                        } else if (!closed && feed.leading()) {
                            // the lease was lost and taken again while this session failed (a NATS node
                            // died): the take-over's wake found the feed running and the reset dropped
                            // it, so the new term drains now, or the slot waits for the next write
                            log.info("cdc {}: session of lease term {} ended ({}); draining under term {}",
                                    feed.slug(), token, e.toString(), feed.token());
                            later(() -> wake(feed), 500);
                        } else if (!closed) {
                            // not leading now: the next lease term's take-over wakes the feed
                            log.info("cdc {}: session of lease term {} ended ({}) while this core does not lead the feed",
                                    feed.slug(), token, e.toString());
                        }
                    }
                } finally {
                    done(turn);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.lock();
            try {
                if (workers.remove(Thread.currentThread())) {
                    liveWorkers--;
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The sessions' NATS connection, made again when it broke (a broken one ends the sessions on it).
     * Under a lock of its own: the sweep holds this object's monitor through its query.
     */
    private Connection nats() throws Exception {
        synchronized (natsLock) {
            if (nats == null || nats.getStatus() != Connection.Status.CONNECTED) {
                closeQuietly(nats);
                nats = connect();
            }
            return nats;
        }
    }

    private void dropNats(Connection broken) {
        synchronized (natsLock) {
            if (broken != null && broken == nats) {
                closeQuietly(nats);
                nats = null;
            }
        }
    }

    private Parked unpark(TenantFeed feed) {
        lock.lock();
        try {
            return parked.remove(feed);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The session left open for this feed under this lease term, if any (taken out of the pool; a
     * reuse for a commit is counted, a housekeeping drain's is not: it says nothing of the tenant).
     */
    private Parked reuse(TenantFeed feed, long token, boolean forCommit) {
        Parked p = unpark(feed);
        if (p == null) {
            return null;
        }
        if (p.token() == token && p.session().reusable()) {
            if (forCommit) {
                drainTimers.reused();
            }
            return p;
        }
        p.session().close();
        return null;
    }

    /**
     * Keeps a session open for the feed's next wake-up when {@link ParkPolicy} says it is likely to be
     * taken again, for its hold. {@code before}: the session was parked before this drain, which only
     * the sweep's housekeeping woke, so its tenant is not back: it goes back to the pool as it was
     * (its interval, its deadline), or is closed when that is over. Re-parked as new, every sweep that
     * found the slot written to or behind would give a session another full hold, its tenant gone.
     */
    private void park(TenantFeed feed, long token, CdcSession session, Parked before, boolean back) {
        List<CdcSession> closing = new ArrayList<>();
        long delayNanos = 0;
        lock.lock();
        try {
            Parked stale = parked.remove(feed);
            if (stale != null) {
                closing.add(stale.session());
            }
            long now = System.nanoTime();
            long interval = before != null ? before.intervalNanos() : feed.commitIntervalNanos();
            Map<TenantFeed, ParkPolicy.Entry> view = new HashMap<>();
            parked.forEach((f, p) -> view.put(f, new ParkPolicy.Entry(p.intervalNanos(), p.sinceNanos(), f.commitPending())));
            boolean over = before != null && now >= before.deadlineNanos();
            ParkPolicy.Decision<TenantFeed> d = closed || over ? new ParkPolicy.Decision<>(false, null)
                    : parkPolicy.decide(interval, back, now, view, settings.openSessions());
            if (d.park()) {
                if (d.evict() != null) {
                    closing.add(parked.remove(d.evict()).session());
                    drainTimers.evicted(1);
                }
                Parked p = before != null ? new Parked(session, token, before.sinceNanos(), interval, before.deadlineNanos())
                        : new Parked(session, token, now, interval, now + parkPolicy.holdNanos(interval));
                parked.put(feed, p);
                delayNanos = p.deadlineNanos() - now;
                if (before == null) {
                    drainTimers.parked();
                }
            } else {
                closing.add(session);
                if (over) {
                    drainTimers.idleClosed(1);
                } else if (!closed && settings.openSessions() > 0) {
                    drainTimers.declined();
                }
            }
        } finally {
            lock.unlock();
        }
        closing.forEach(CdcSession::close);
        if (!closing.contains(session)) {
            later(this::closeIdleSessions, TimeUnit.NANOSECONDS.toMillis(delayNanos) + 50);
        }
    }

    /** SQLSTATE 53300: the server refused a replication connection over {@code max_wal_senders}. */
    static boolean tooManyWalSenders(Throwable e) {
        return sqlState(e, "53300");
    }

    private static boolean sqlState(Throwable e, String state) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.sql.SQLException s && state.equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** Closes every replication connection kept open for reuse (they hold walsenders a drain needs now). */
    private void shedParkedSessions() {
        List<CdcSession> closing = new ArrayList<>();
        lock.lock();
        try {
            parked.values().forEach(p -> closing.add(p.session()));
            parked.clear();
        } finally {
            lock.unlock();
        }
        if (!closing.isEmpty()) {
            log.warn("cdc: the server refused a replication connection (max_wal_senders); closed {} kept open for reuse",
                    closing.size());
        }
        closing.forEach(CdcSession::close);
    }

    /**
     * Closes the sessions whose hold is over unused (scheduled after each park: no loop). One whose
     * tenant is back (its commit waits for a session to take the feed) is kept until
     * {@link ParkPolicy#claimedHoldNanos} since it was parked is over, and looked at once more then.
     */
    private void closeIdleSessions() {
        List<CdcSession> closing = new ArrayList<>();
        long now = System.nanoTime();
        long recheck = Long.MAX_VALUE;
        lock.lock();
        try {
            var it = parked.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                Parked p = e.getValue();
                if (now < p.deadlineNanos()) {
                    continue;
                }
                long last = p.sinceNanos() + parkPolicy.claimedHoldNanos();
                if (e.getKey().commitPending() && now < last) {
                    recheck = Math.min(recheck, last - now);
                    continue;
                }
                closing.add(p.session());
                it.remove();
            }
        } finally {
            lock.unlock();
        }
        if (recheck != Long.MAX_VALUE) {
            later(this::closeIdleSessions, TimeUnit.NANOSECONDS.toMillis(recheck) + 50);
        }
        drainTimers.idleClosed(closing.size());
        closing.forEach(CdcSession::close);
    }

    /** This core stopped leading the feed: its open session goes now, so that the next leader may take the slot. */
    void forget(TenantFeed feed) {
        Parked p = unpark(feed);
        if (p != null) {
            later(p.session()::close, 0); // off the lease thread, which called: a close waits for the walsender
        }
    }

    /** Replication connections held open for recently active tenants (for tests and the benchmark). */
    int openSessions() {
        lock.lock();
        try {
            return parked.size();
        } finally {
            lock.unlock();
        }
    }

    /** One session on the feed's slot; true when it yielded to other feeds before it was done. */
    private boolean drain(TenantFeed feed, long token, Connection nats, boolean housekeepingOnly) throws Exception {
        long started = System.nanoTime();
        // a fresh running-xacts record just before the target: decoding past it, and confirming after
        // it, moves the slot's restart_lsn up, so the next drain starts decoding near here instead of
        // re-reading everything since the last checkpoint's record (every slot reads the whole server's WAL)
        snapshots.logIfDue(feed);
        SlotSkip.Pending watermarking = skip.start(feed);
        SlotSkip.Pending[] settling = {watermarking};
        long[] watermarkLsn = {-1};
        long[] target = {flushedWal(feed)};
        boolean[] yielded = {false};
        long[] lastAsked = {0};
        long[] streaming = {0}; // when the stream was open (first callback)
        long[] caughtUpAt = {0};
        long[] yieldAt = {0};
        DrainTimers.End[] ending = {DrainTimers.End.FAILED};
        if (!housekeepingOnly) {
            drainTimers.behindAtStart(feed.behindBytes);
        }
        CdcSession.Drain until = new CdcSession.Drain() {
            @Override
            public boolean done(long receivedLsn, long quietNanos, int walsenderPid) {
                if (streaming[0] == 0) {
                    streaming[0] = System.nanoTime();
                }
                try {
                    // caught up: the walsender's keepalive says so, or (when none came) the server
                    // says it has sent past the target and nothing has arrived for a while since
                    boolean caughtUp = receivedLsn >= target[0];
                    long now = System.nanoTime();
                    boolean asked = false;
                    if (!caughtUp && quietNanos > QUIET_NANOS && now - lastAsked[0] > QUIET_NANOS) {
                        lastAsked[0] = now; // at most ten questions a second
                        asked = true;
                        caughtUp = sentLsn(feed, walsenderPid) >= target[0];
                        if (!housekeepingOnly) {
                            drainTimers.sentLsnAsked(System.nanoTime() - now);
                        }
                    }
                    if (!caughtUp) {
                        return false;
                    }
                    if (settling[0] != null) {
                        // a watermark for the skip: once the transactions running at the start have
                        // ended, the position past them is the drain's target (a few more bytes)
                        long past = skip.settle(feed, settling[0]);
                        settling[0] = null;
                        if (past > 0) {
                            watermarkLsn[0] = past;
                            if (past > target[0]) {
                                target[0] = past;
                                return false;
                            }
                        }
                    }
                    if (caughtUpAt[0] == 0) {
                        caughtUpAt[0] = System.nanoTime();
                        if (!housekeepingOnly) {
                            drainTimers.caughtUpBy(asked);
                        }
                    }
                    if (feed.wokenWhileRunning() && anyWaiting()) {
                        // caught up with what it was woken for and others wait: hand over rather than
                        // drain on; the wake-up stays and puts the feed at the back of the line
                        ending[0] = DrainTimers.End.HANDED_OVER;
                        return true;
                    }
                    if (feed.takeWake()) {
                        drainTimers.commitWaited(feed.takeCommitWokenAt());
                        target[0] = flushedWal(feed); // woken meanwhile: drain on in this session
                        return false;
                    }
                    ending[0] = DrainTimers.End.CAUGHT_UP;
                    return true;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public boolean passed(long receivedLsn) {
                return receivedLsn >= target[0];
            }

            @Override
            public boolean yieldNow() {
                if (streaming[0] == 0) {
                    streaming[0] = System.nanoTime();
                }
                // housekeeping gives way to a waiting commit at once; a commit's drain after its time slice
                boolean give = housekeepingOnly && !feed.commitPending()
                        ? commitsWaiting()
                        : System.nanoTime() - started > settings.timeSlice().toNanos() && anyWaiting();
                if (give) {
                    yielded[0] = true;
                    yieldAt[0] = System.nanoTime();
                    ending[0] = DrainTimers.End.SLICED;
                }
                return give;
            }
        };
        // a housekeeping drain takes an open session too: a second one could not start on the slot it holds
        Parked reused = reuse(feed, token, !housekeepingOnly);
        CdcSession session = reused == null ? null : reused.session();
        boolean wasOpen = session != null;
        if (session == null) {
            drainTimers.opened();
            session = new CdcSession(feed.source, nats, () -> !closed && fence.holds(feed, token),
                    feed.stats, null, CdcSession.Settings.defaults(), null);
        }
        // a new session under the term of the feed's last clean drain starts where that one left the
        // stream, without a STREAM.INFO and a read of the last message: a drain on a loaded
        // nats-server waited for those at every start; a stale end is fenced by the first
        // publish's expected last sequence (refused: the run fails and the next one asks)
        CdcSession.StreamEnd known = feed.takeStreamEnd(token);
        if (!wasOpen) {
            session.startingAfter(known);
        }
        boolean keep = false;
        try {
            if (!housekeepingOnly) {
                drainTimers.prepared(System.nanoTime() - started);
            }
            session.drainingUntil(until).run();
            if (ending[0] == DrainTimers.End.FAILED) {
                ending[0] = DrainTimers.End.FENCED; // returned neither done nor yielded: the fence dropped (or the core is closing)
            }
            if (!housekeepingOnly && !wasOpen) {
                drainTimers.opening(session.openSlotBusyNanos, session.openConnectNanos, session.openStartNanos, session.openStreamEndNanos,
                        session.streamEndAsked);
                if (session.firstMessageNanos > 0) {
                    drainTimers.firstMessage(session.firstMessageNanos - session.startedNanos);
                }
            }
            if (!housekeepingOnly && yieldAt[0] > 0) {
                drainTimers.sliced(yieldAt[0] - streaming[0], System.nanoTime() - yieldAt[0]);
            }
            if (watermarkLsn[0] > 0 && session.flushedLsn() >= watermarkLsn[0] && watermarking.slot().equals(feed.slot())) {
                feed.watermark = new SlotSkip.Watermark(watermarking.slot(), watermarking.writes(), watermarkLsn[0]);
                log.debug("cdc {}: watermark {}", feed.slug(), feed.watermark);
            }
            // a commit drain's, or one that was open already: a tenant woken for a commit is likely
            // to commit again soon; one only the sweep's housekeeping woke (an idle slot, writes from
            // elsewhere) is not
            keep = (!housekeepingOnly || wasOpen) && !closed && session.reusable();
        } finally {
            if (!housekeepingOnly) {
                drainTimers.ended(ending[0]);
            }
            long closing = System.nanoTime();
            // known for the next session only after a clean ending (everything acknowledged)
            feed.streamEnded(token, closed ? null : session.cleanEnd());
            if (!housekeepingOnly) {
                feed.drainEnded(System.nanoTime()); // the sweep's drains say nothing of when the tenant commits
            }
            if (keep) {
                // its tenant is back already: woken during the drain, or the drain gave way before
                // it caught up (its commits still to carry)
                park(feed, token, session, housekeepingOnly ? reused : null, feed.commitPending() || yielded[0]);
            } else {
                session.close();
            }
            if (!housekeepingOnly) {
                drainTimers.closed(System.nanoTime() - closing);
            }
        }
        if (!housekeepingOnly) {
            drainTimers.phases(started, streaming[0], caughtUpAt[0], System.nanoTime(), wasOpen);
        }
        return yielded[0];
    }

    private static final long QUIET_NANOS = 100_000_000L;

    /** What the session's walsender has sent so far (0 when unknown). */
    private static long sentLsn(TenantFeed feed, int walsenderPid) throws Exception {
        try (java.sql.Connection c = feed.serverDb.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_wal_lsn_diff(sent_lsn, '0/0')::bigint FROM pg_stat_replication WHERE pid = ?")) {
            ps.setInt(1, walsenderPid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** The server's flushed WAL position: every commit that has returned is at or before it. */
    private static long flushedWal(TenantFeed feed) throws Exception {
        try (java.sql.Connection c = feed.serverDb.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void sweep() {
        if (closed) {
            return;
        }
        Map<PgServer, List<TenantFeed>> byServer = new HashMap<>();
        for (TenantFeed f : feeds.get()) {
            byServer.computeIfAbsent(f.server, s -> new ArrayList<>()).add(f);
        }
        for (List<TenantFeed> group : byServer.values()) {
            try {
                sweepServer(group);
            } catch (Exception e) {
                log.debug("cdc sweep of {}: {}", group.get(0).server.host(), e.toString());
            }
        }
    }

    private synchronized void sweepServer(List<TenantFeed> group) throws Exception {
        Map<String, TenantFeed> byDb = new HashMap<>();
        for (TenantFeed f : group) {
            byDb.put(f.database, f);
        }
        // one statement for every tenant on the server: write counters, retained and unconfirmed WAL
        try (java.sql.Connection c = group.get(0).serverDb.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT d.datname, d.tup_inserted + d.tup_updated + d.tup_deleted, 0,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint, s.slot_name
                FROM pg_stat_database d JOIN pg_replication_slots s ON s.database = d.datname
                WHERE s.slot_type = 'logical' AND s.slot_name LIKE 'og\\_cdc\\_%'""")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TenantFeed f = byDb.get(rs.getString(1));
                    if (f == null || !f.slot().equals(rs.getString(5))) {
                        continue; // not a feed of this core, or the slot a skip is replacing
                    }
                    long writes = rs.getLong(2);
                    long unconfirmed = rs.getLong(4);
                    f.stats.lagBytes(unconfirmed);
                    f.behindBytes = unconfirmed;
                    Long before = writesSeen.put(f.database, writes);
                    // the first look at a tenant has no count to compare with: a write from elsewhere
                    // before it would otherwise be counted in and never drained (or, after it, wait a
                    // second sweep period), so a slot with anything unconfirmed is drained once now
                    boolean written = before == null ? unconfirmed > 0 : before != writes;
                    // WAL the slot has not confirmed (anyone's): a drain confirms it, and Postgres then
                    // releases it at its next restart point. Not restart_lsn itself: on an idle server
                    // it only moves when a running-xacts record comes by, and would ask for a drain forever
                    // a slot that can be skipped waits for the skip's threshold rather than be drained
                    // through every other tenant's WAL every sweep
                    long behind = skip.enabled() && f.watermark != null ? settings.skipBehind() : settings.maxRetainedWal();
                    if (f.leading() && (written || unconfirmed > behind)) {
                        wakeForHousekeeping(f);
                    }
                }
            }
        }
    }

    private Connection connect() throws Exception {
        return Nats.connect(new Options.Builder()
                .servers(io.omniglass.core.runtime.NatsUrls.servers(natsUrl))
                .connectionName("omniglass-cdc-" + instanceId + "-sessions")
                // no reconnect and no reconnect buffer: a broken connection ends the session, and the
                // next one resumes after what the stream holds (each publish names its predecessor)
                .noReconnect()
                .reconnectBufferSize(0)
                .maxMessagesInOutgoingQueue(100_000)
                .connectionTimeout(Duration.ofSeconds(2))
                .build());
    }

    private static void closeQuietly(Connection nats) {
        if (nats != null) {
            try {
                nats.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Sessions stop at their next fence check (between messages); no per-tenant work to wait for. */
    @Override
    public void close() {
        closed = true;
        List<Thread> stopping = new ArrayList<>(workers);
        stopping.forEach(Thread::interrupt); // take() waits interruptibly
        for (Thread t : stopping) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<CdcSession> open;
        lock.lock();
        try {
            open = new ArrayList<>();
            parked.values().forEach(p -> open.add(p.session()));
            parked.clear();
        } finally {
            lock.unlock();
        }
        open.forEach(CdcSession::close);
        synchronized (natsLock) {
            closeQuietly(nats);
            nats = null;
        }
    }
}
