package io.omniglass.core.tenancy;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tenant pool that keeps its connections while its tenant is active and closes them all once the
 * tenant has been quiet (no connection out, none borrowed or returned) for the quiet period.
 *
 * <p>Hikari's own idle timeout is per connection: a live tenant's pool, used from several lane
 * workers, had its second and third connections closed whenever they sat unused for 10 s, and
 * opened again at the next moment two workers wanted the tenant at once: 4-9 new backends a second
 * at 180 live tenants, each a fork, a SCRAM handshake and a cold catalog cache. The pool's Hikari
 * idle timeout is now the longer {@link TenantDatabases#TRIM_AFTER_MS} (a connection an active
 * tenant has not needed for that long still closes, so an active pool holds what its tenant uses
 * at once, not its all-time peak), and the quiet tenant's pool goes to zero here.
 *
 * <p>Nothing polls: a check is scheduled on the shared housekeeping thread at the first use after
 * quiet, runs once a quiet period while the tenant is active, and is not scheduled again once the
 * pool is empty, until the next use.
 */
final class ShrinkWhenQuiet {

    private volatile HikariDataSource pool;
    private final ScheduledExecutorService housekeeping;
    private final long quietNanos;
    private final AtomicInteger out = new AtomicInteger();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile long lastUse = System.nanoTime();

    ShrinkWhenQuiet(HikariDataSource pool, ScheduledExecutorService housekeeping, long quietMillis) {
        this(housekeeping, quietMillis);
        this.pool = pool;
    }

    /** Before its pool exists (the pool's connections are opened through {@link OpenConnections}, which needs this first). */
    ShrinkWhenQuiet(ScheduledExecutorService housekeeping, long quietMillis) {
        this.housekeeping = housekeeping;
        this.quietNanos = TimeUnit.MILLISECONDS.toNanos(quietMillis);
    }

    /** The pool watched, once made. */
    void pool(HikariDataSource pool) {
        this.pool = pool;
    }

    /** Whether the pool was closed (its tenant evicted, the core stopping). */
    boolean closed() {
        HikariDataSource p = pool;
        return p != null && p.isClosed();
    }

    /** When a connection of the pool was last borrowed or given back ({@link System#nanoTime()}). */
    long lastUse() {
        return lastUse;
    }

    /** How fit the pool is to give up its connections for another pool's: see {@link OpenConnections}. */
    static final int NOTHING = 0, ALL_IDLE = 1, SOME_IDLE = 2, ALL_IN_USE = 3;

    /**
     * {@link #ALL_IDLE}: open connections, none in use (closing them costs its tenant nothing now);
     * {@link #SOME_IDLE}: some idle besides some in use; {@link #ALL_IN_USE}: open, all in use;
     * {@link #NOTHING}: none open.
     */
    int fitness() {
        HikariDataSource p = pool;
        HikariPoolMXBean mx = p == null || p.isClosed() ? null : p.getHikariPoolMXBean();
        // a pool with a borrower waiting is never one: Hikari hands a new connection to a waiting
        // borrower once, and one evicted on the way leaves that borrower waiting out its timeout
        if (mx == null || mx.getThreadsAwaitingConnection() > 0) {
            return NOTHING;
        }
        int idle = mx.getIdleConnections();
        int active = mx.getActiveConnections();
        if (idle > 0) {
            return active == 0 && out.get() == 0 ? ALL_IDLE : SOME_IDLE;
        }
        return active > 0 ? ALL_IN_USE : NOTHING;
    }

    /**
     * Closes the pool's connections for another pool's (Hikari's soft eviction): the idle ones at
     * once, one in use only once it is given back, never under its borrower.
     */
    void giveUpConnections() {
        HikariDataSource p = pool;
        HikariPoolMXBean mx = p == null || p.isClosed() ? null : p.getHikariPoolMXBean();
        if (mx != null) {
            mx.softEvictConnections();
        }
    }

    /** A connection was handed out. */
    void borrowed() {
        out.incrementAndGet();
        used();
    }

    /** A connection handed out was closed (given back). */
    void returned() {
        out.decrementAndGet();
        used();
    }

    private void used() {
        lastUse = System.nanoTime();
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) {
            schedule(quietNanos);
        }
    }

    private void schedule(long delayNanos) {
        try {
            housekeeping.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            scheduled.set(false); // the pools are closing
        }
    }

    private void check() {
        HikariDataSource pool = this.pool;
        if (pool == null || pool.isClosed()) {
            scheduled.set(false);
            return;
        }
        if (out.get() > 0) {
            schedule(quietNanos); // a connection out (a long COPY, a held session): active
            return;
        }
        long quietFor = System.nanoTime() - lastUse;
        if (quietFor < quietNanos) {
            schedule(quietNanos - quietFor);
            return;
        }
        scheduled.set(false);
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        if (mx != null) {
            // idle connections close now; one borrowed in the meantime closes when it is given back
            // (and that use schedules the next check)
            mx.softEvictConnections();
        }
    }

    /** Connections out of the pool now (for tests and metrics). */
    int out() {
        return out.get();
    }
}
