package io.omniglass.core.cdc;

import java.time.Duration;
import io.omniglass.core.runtime.OmniglassConfig;

/**
 * How CDC serves a fleet: {@code sessions} replication sessions at most (per core), leases with a
 * time to live, a sweep for writes from outside the core, a time slice after which a session
 * hands over to a waiting slot, and the unconfirmed WAL past which an idle slot is drained anyway.
 */
public record CdcSettings(int sessions, Duration ttl, Duration renewEvery, Duration sweepEvery, Duration timeSlice,
                          long maxRetainedWal) {

    public CdcSettings {
        if (sessions < 1 || sessions > 64) {
            throw new IllegalArgumentException("CDC sessions must be between 1 and 64, not " + sessions);
        }
        if (sweepEvery.toMillis() < 100) {
            throw new IllegalArgumentException("the CDC sweep must be at least 100 ms apart");
        }
    }

    public static CdcSettings defaults() {
        return new CdcSettings(3, Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(10),
                Duration.ofSeconds(1), 32L * 1024 * 1024);
    }

    /** The defaults, with the configured sessions and sweep (OMNIGLASS_CDC_SESSIONS, OMNIGLASS_CDC_SWEEP_SECONDS). */
    public static CdcSettings from(OmniglassConfig.Tuning t) {
        CdcSettings d = defaults();
        return new CdcSettings(t.cdcSessions(), d.ttl(), d.renewEvery(), Duration.ofSeconds(t.cdcSweepSeconds()), d.timeSlice(),
                d.maxRetainedWal());
    }
}
