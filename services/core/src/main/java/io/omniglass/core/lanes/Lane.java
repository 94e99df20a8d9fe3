package io.omniglass.core.lanes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One tenant's share of a kind of work (its sink, its rules, ...), served by the shared workers of
 * {@link Lanes}. A lane is never run by two workers at once, so its work needs no locking of its
 * own; it costs nothing while it has nothing to do (no thread, no timer), and it is woken by
 * {@link #signal()} when work arrives. A turn does a bounded amount of work and says whether more
 * is waiting; a lane with more goes to the back of the backlog queue, which the workers serve only
 * after the lanes that were woken by new work ({@link Lanes}), and never on every worker at once:
 * that is what makes a tenant draining a backlog take only what the others leave.
 */
public final class Lane {

    /** One bounded step of a lane's work. */
    @FunctionalInterface
    public interface Work {
        /** Does at most one batch; true when more work is waiting right now. */
        boolean turn() throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(Lane.class);

    private enum State { IDLE, READY, RUNNING, RUNNING_SIGNALLED, PARKED }

    private final Lanes lanes;
    private final String name;
    private final Work work;
    private State state = State.IDLE;
    private long parkMillis;
    private boolean closed;
    /** A {@link #signal()} came during the running turn while the lane was not behind. */
    private boolean newsDuringTurn;
    private boolean behind;
    /** When the lane last entered a ready queue (nanoTime; set and read under the {@link Lanes} lock). */
    long readySince;

    Lane(Lanes lanes, String name, Work work) {
        this.lanes = lanes;
        this.name = name;
        this.work = work;
    }

    public String name() {
        return name;
    }

    /** The kind of work, the name up to its ':' ("sink", "rules", ...): a metric tag that does not grow with tenants. */
    String kind() {
        int colon = name.indexOf(':');
        return colon < 0 ? name : name.substring(0, colon);
    }

    /**
     * There may be work: schedule a turn unless one is queued, running (it runs again) or parked.
     * The turn waits in the woken lanes' queue, or in the backlog queue if the lane is
     * {@link #markBehind behind}.
     */
    public void signal() {
        boolean backlog;
        synchronized (this) {
            backlog = behind;
            switch (state) {
                case IDLE -> state = State.READY;
                case RUNNING, RUNNING_SIGNALLED -> {
                    state = State.RUNNING_SIGNALLED;
                    newsDuringTurn |= !backlog;
                    return;
                }
                default -> {
                    return;
                }
            }
            if (closed) {
                state = State.IDLE;
                return;
            }
        }
        lanes.ready(this, backlog);
    }

    /**
     * Whether the lane's work is behind (a tenant draining a backlog), as its work last found:
     * until it says otherwise, every turn of a lane that is behind waits in the backlog queue,
     * whoever wakes it. A lane's own continuation must not pass for news, or a tenant draining a
     * backlog through lanes that wake each other (the sink's preparing and writing lanes) or
     * through a stream of deliveries would be served as a live tenant is.
     */
    public void markBehind(boolean behind) {
        synchronized (this) {
            this.behind = behind;
        }
    }

    /**
     * Called from inside a turn: the lane sleeps this long after the turn (the database is in
     * trouble, say) without holding a worker; signals meanwhile are answered when it wakes.
     */
    public void parkAfterTurn(long millis) {
        synchronized (this) {
            parkMillis = Math.max(parkMillis, millis);
        }
    }

    /** Runs one turn on the calling worker. */
    void run() {
        synchronized (this) {
            if (closed) {
                state = State.IDLE;
                notifyAll();
                return;
            }
            state = State.RUNNING;
            newsDuringTurn = false;
        }
        boolean more;
        try {
            more = work.turn();
        } catch (Exception | Error e) {
            log.warn("lane {}: a turn failed: {}", name, e.toString());
            parkAfterTurn(1000);
            more = true;
        }
        boolean requeue;
        boolean backlog = false;
        long park;
        synchronized (this) {
            park = parkMillis;
            parkMillis = 0;
            if (closed) {
                state = State.IDLE;
                notifyAll();
                return;
            }
            if (park > 0) {
                state = State.PARKED;
                requeue = false;
            } else if (more || state == State.RUNNING_SIGNALLED) {
                state = State.READY;
                requeue = true;
                // more of the same batch work waiting is a backlog; a signal during the turn is news, unless the lane is behind
                backlog = more || behind || !newsDuringTurn;
            } else {
                state = State.IDLE;
                requeue = false;
            }
            notifyAll();
        }
        if (requeue) {
            lanes.ready(this, backlog);
        } else if (park > 0) {
            lanes.timers().schedule(this::unpark, park, TimeUnit.MILLISECONDS);
        }
    }

    private void unpark() {
        synchronized (this) {
            if (state != State.PARKED) {
                return;
            }
            state = State.IDLE;
        }
        signal();
    }

    /** No more turns; waits (bounded) for a running one to end, so its work can be handed back safely. */
    public void close(long waitMillis) {
        long deadline = System.currentTimeMillis() + waitMillis;
        synchronized (this) {
            closed = true;
            while (state == State.RUNNING || state == State.RUNNING_SIGNALLED) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    log.warn("lane {}: a turn still running at close", name);
                    return;
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
