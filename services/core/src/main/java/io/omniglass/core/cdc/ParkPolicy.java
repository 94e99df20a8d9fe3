package io.omniglass.core.cdc;

import java.util.Map;

/**
 * Which replication sessions are worth keeping open after a drain, and for how long. A parked
 * walsender decodes the whole server's WAL, woken by every flush of every tenant, for as long as it
 * waits; that work pays only when its tenant comes back before the session is closed. An LRU over
 * 180 tenants with 12 places closed nearly every session before its tenant's next commit (the lead's
 * fleet run: 42 drains of 634 on a kept session), so the walsenders decoded for nobody. Instead each
 * session is judged by when its tenant is expected back (the feed's interval between commit drains):
 * one not expected within the idle period is not parked, a full pool gives a place only to a session
 * expected back sooner than the one it would push out, and a parked session is kept for about its
 * tenant's interval ({@link #MARGIN} times it, at most the idle period), not the whole idle period
 * for everyone: a fleet tenant committing every 10-20 s needs the session longer than a fixed 10 s,
 * while a session of a tenant with no interval yet (its first commit: provisioning) is kept only
 * {@link #FIRST_HOLD_NANOS}. With a 25 s idle period for everyone, provisioning's sessions outlived
 * provisioning and held 27 walsenders into an idle fleet.
 */
final class ParkPolicy {

    /** No interval learnt yet (a tenant's first commit drain). */
    static final long UNKNOWN = 0;
    /**
     * How many of its intervals a session waits for its tenant: the next gap of a fleet tenant varies
     * by about half its last one (alarms of five pumps crossing a threshold at their own phases).
     */
    static final long MARGIN = 2;
    /**
     * How long a session whose tenant has no interval yet is kept, and the shortest hold of any: long
     * enough for provisioning's next step (its commits follow one another within a second or so),
     * short enough that an idle fleet is without walsenders a moment after provisioning.
     */
    static final long FIRST_HOLD_NANOS = 2_000_000_000L;

    private final long idleNanos;

    ParkPolicy(long idleNanos) {
        this.idleNanos = idleNanos;
    }

    /**
     * A parked session's tenant: its interval between commit drains, when it was parked, and whether
     * its tenant is back already (a commit waits for a session to take the feed: never pushed out).
     */
    record Entry(long intervalNanos, long parkedAtNanos, boolean claimed) {
    }

    /** What to do with a reusable session: park it (closing {@code evict} first when not null), or close it. */
    record Decision<K>(boolean park, K evict) {
    }

    /**
     * How long a session parked for a tenant with this interval is kept unused: {@link #MARGIN}
     * intervals, at least {@link #FIRST_HOLD_NANOS} and at most the idle period; a tenant without an
     * interval, {@link #FIRST_HOLD_NANOS}.
     */
    long holdNanos(long intervalNanos) {
        long floor = Math.min(FIRST_HOLD_NANOS, idleNanos);
        if (intervalNanos == UNKNOWN) {
            return floor;
        }
        long margin = intervalNanos > Long.MAX_VALUE / MARGIN ? Long.MAX_VALUE : MARGIN * intervalNanos;
        return Math.max(floor, Math.min(idleNanos, margin));
    }

    /**
     * The longest a session whose tenant is back (its commit waits for a session to take the feed) is
     * kept since it was parked: at least the idle period, 45 s with the defaults, under the
     * walsender's timeout (60 s: a parked stream sends it nothing), which a loaded core's wait for a
     * session (18 s at p50 in a 40-tenant bench with two sessions) would otherwise outlast.
     */
    long claimedHoldNanos() {
        return Math.max(idleNanos, CLAIMED_HOLD_NANOS);
    }

    static final long CLAIMED_HOLD_NANOS = 45_000_000_000L;

    /**
     * Whether to park a reusable session, and which parked one to close for it.
     *
     * @param intervalNanos the candidate's interval between commit drains ({@link #UNKNOWN}: none yet)
     * @param back          its tenant is back already (a commit came during the drain, or the drain gave
     *                      way before it caught up): it is expected now, whatever its interval
     * @param parked        the sessions parked now, by feed
     * @param capacity      how many may be parked
     */
    <K> Decision<K> decide(long intervalNanos, boolean back, long nowNanos, Map<K, Entry> parked, int capacity) {
        if (capacity <= 0 || (!back && intervalNanos > idleNanos)) {
            return new Decision<>(false, null); // closed idle before its tenant is back: decoding for nobody
        }
        if (parked.size() < capacity) {
            return new Decision<>(true, null);
        }
        long candidate = back ? nowNanos : expectedBack(intervalNanos, nowNanos, nowNanos);
        K latest = null;
        long latestBack = Long.MIN_VALUE;
        for (Map.Entry<K, Entry> e : parked.entrySet()) {
            if (e.getValue().claimed()) {
                continue; // its tenant is back: it is about to be used
            }
            long expected = expectedBack(e.getValue().intervalNanos(), e.getValue().parkedAtNanos(), nowNanos);
            if (expected > latestBack) {
                latestBack = expected;
                latest = e.getKey();
            }
        }
        // strictly sooner: among tenants alike, the ones parked keep their places instead of
        // pushing one another out (the thrash of the LRU)
        return latest != null && candidate < latestBack ? new Decision<>(true, latest) : new Decision<>(false, null);
    }

    /**
     * When a session's tenant is expected to drain again: its interval after it was parked. Not
     * learnt yet: at the end of the idle period (it is given a place only where one is free or its
     * holder is overdue). Overdue (its hold gone by): never, so it goes first.
     */
    private long expectedBack(long intervalNanos, long parkedAtNanos, long nowNanos) {
        if (nowNanos - parkedAtNanos > holdNanos(intervalNanos)) {
            return Long.MAX_VALUE;
        }
        if (intervalNanos == UNKNOWN) {
            return parkedAtNanos + idleNanos;
        }
        return parkedAtNanos + intervalNanos;
    }
}
