package io.omniglass.core.cdc;

import java.util.Map;

/**
 * Which replication sessions are worth keeping open after a drain. A parked walsender decodes the
 * whole server's WAL, woken by every flush of every tenant, for as long as it waits; that work pays
 * only when its tenant comes back before the session is closed. An LRU over 180 tenants with 12
 * places closed nearly every session before its tenant's next commit (the lead's fleet run: 42
 * drains of 634 on a kept session), so the walsenders decoded for nobody. Instead each session is
 * judged by when its tenant is expected back (the feed's interval between commit drains): one not
 * expected within the idle period is not parked, and a full pool gives a place only to a session
 * expected back sooner than the one it would push out.
 */
final class ParkPolicy {

    /** No interval learnt yet (a tenant's first commit drain). */
    static final long UNKNOWN = 0;

    private final long idleNanos;

    ParkPolicy(long idleNanos) {
        this.idleNanos = idleNanos;
    }

    /** A parked session's tenant, its interval between commit drains and when it was parked. */
    record Entry(long intervalNanos, long parkedAtNanos) {
    }

    /** What to do with a reusable session: park it (closing {@code evict} first when not null), or close it. */
    record Decision<K>(boolean park, K evict) {
    }

    /**
     * @param intervalNanos the candidate's interval between commit drains ({@link #UNKNOWN}: none yet)
     * @param parked        the sessions parked now, by feed
     * @param capacity      how many may be parked
     */
    <K> Decision<K> decide(long intervalNanos, long nowNanos, Map<K, Entry> parked, int capacity) {
        if (capacity <= 0 || intervalNanos > idleNanos) {
            return new Decision<>(false, null); // closed idle before its tenant is back: decoding for nobody
        }
        if (parked.size() < capacity) {
            return new Decision<>(true, null);
        }
        long candidate = expectedBack(intervalNanos, nowNanos, nowNanos);
        K latest = null;
        long latestBack = Long.MIN_VALUE;
        for (Map.Entry<K, Entry> e : parked.entrySet()) {
            long back = expectedBack(e.getValue().intervalNanos(), e.getValue().parkedAtNanos(), nowNanos);
            if (back > latestBack) {
                latestBack = back;
                latest = e.getKey();
            }
        }
        // strictly sooner: among tenants alike, the ones parked keep their places instead of
        // pushing one another out (the thrash of the LRU)
        return candidate < latestBack ? new Decision<>(true, latest) : new Decision<>(false, null);
    }

    /**
     * When a session's tenant is expected to drain again: its interval after it was parked. Not
     * learnt yet: at the end of the idle period (it is given a place only where one is free or its
     * holder is overdue). Overdue (twice its interval and more gone by): never, so it goes first.
     */
    private long expectedBack(long intervalNanos, long parkedAtNanos, long nowNanos) {
        if (intervalNanos == UNKNOWN) {
            return parkedAtNanos + idleNanos;
        }
        if (nowNanos - parkedAtNanos > 2 * intervalNanos) {
            return Long.MAX_VALUE;
        }
        return parkedAtNanos + intervalNanos;
    }
}
