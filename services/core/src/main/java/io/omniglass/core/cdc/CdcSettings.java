package io.omniglass.core.cdc;

import java.time.Duration;
import io.omniglass.core.runtime.OmniglassConfig;

/**
 * How CDC serves a fleet: {@code sessions} replication sessions always ready (per core), up to
 * {@code maxSessions} while commits wait for one (the extra ones end after {@code openIdle}, at most
 * 10 s, without work); leases with a time to live renewed every {@code renewEvery}; a sweep for writes from
 * outside the core; a time slice after which a session hands over to a waiting slot; the
 * unconfirmed WAL past which an idle slot is drained anyway; and up to {@code openSessions}
 * replication connections of recently active tenants kept open for at most {@code openIdle}; and the
 * unconfirmed WAL past which an idle slot is replaced rather than drained ({@code skipBehind}, 0: never; {@link SlotSkip}).
 */
public record CdcSettings(int sessions, int maxSessions, Duration ttl, Duration renewEvery, Duration sweepEvery,
                          Duration timeSlice, long maxRetainedWal, int openSessions, Duration openIdle, long skipBehind) {

    /** Without the skip's threshold: the default one. */
    public CdcSettings(int sessions, int maxSessions, Duration ttl, Duration renewEvery, Duration sweepEvery,
                       Duration timeSlice, long maxRetainedWal, int openSessions, Duration openIdle) {
        this(sessions, maxSessions, ttl, renewEvery, sweepEvery, timeSlice, maxRetainedWal, openSessions, openIdle,
                SKIP_BEHIND_MB * 1024 * 1024);
    }

    /** OMNIGLASS_CDC_SKIP_BEHIND_MB's default. */
    static final long SKIP_BEHIND_MB = 64;

    public CdcSettings {
        if (skipBehind < 0) {
            throw new IllegalArgumentException("the CDC skip threshold must not be negative");
        }
        if (sessions < 1 || sessions > 64) {
            throw new IllegalArgumentException("CDC sessions must be between 1 and 64, not " + sessions);
        }
        if (maxSessions < sessions) {
            throw new IllegalArgumentException("CDC max sessions (" + maxSessions + ") below the base " + sessions);
        }
        if (sweepEvery.toMillis() < 100) {
            throw new IllegalArgumentException("the CDC sweep must be at least 100 ms apart");
        }
        if (openSessions < 0) {
            throw new IllegalArgumentException("CDC open sessions must not be negative");
        }
    }

    public static CdcSettings defaults() {
        return withSessions(8, Duration.ofSeconds(10));
    }

    /**
     * {@code sessions} base sessions and twice as many while busy; 64 replication connections kept
     * open at most, each for about its tenant's interval between commits ({@link ParkPolicy}), at
     * most 30 s unused: fleet tenants commit every 10-20 s (a 10 s limit closed their sessions just
     * before they came back), and 30 s is well under the walsender timeout (60 s), which a parked
     * stream does not answer. 64 parked: the tenants of three embedded servers (20 each) at once.
     * With the busy sessions that is 80 walsenders at most with the defaults (the embedded Postgres
     * allows one per slot, 220; an external one needs {@code max_wal_senders} to match).
     */
    static CdcSettings withSessions(int sessions, Duration sweepEvery) {
        return new CdcSettings(sessions, Math.min(64, sessions * 2), Duration.ofSeconds(3), Duration.ofMillis(500), sweepEvery,
                Duration.ofSeconds(1), 32L * 1024 * 1024, OPEN_SESSIONS, OPEN_IDLE);
    }

    static final int OPEN_SESSIONS = 64;
    static final Duration OPEN_IDLE = Duration.ofSeconds(30);

    /** The defaults, with the configured sessions and sweep (OMNIGLASS_CDC_SESSIONS, OMNIGLASS_CDC_SWEEP_SECONDS). */
    public static CdcSettings from(OmniglassConfig.Tuning t) {
        CdcSettings s = withSessions(t.cdcSessions(), Duration.ofSeconds(t.cdcSweepSeconds()));
        return new CdcSettings(s.sessions(), s.maxSessions(), s.ttl(), s.renewEvery(), s.sweepEvery(), s.timeSlice(),
                s.maxRetainedWal(), t.cdcOpenSessions(), s.openIdle(), t.cdcSkipBehindMb() * 1024 * 1024);
    }
}
