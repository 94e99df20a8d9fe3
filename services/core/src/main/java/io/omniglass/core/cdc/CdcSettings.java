package io.omniglass.core.cdc;

import java.time.Duration;
import java.util.Map;

/**
 * How CDC serves a fleet: {@code sessions} replication sessions at most (per core), leases with a
 * time to live, a sweep for writes from outside the core, a time slice after which a session
 * hands over to a waiting slot, and the unconfirmed WAL past which an idle slot is drained anyway.
 */
public record CdcSettings(int sessions, Duration ttl, Duration renewEvery, Duration sweepEvery, Duration timeSlice,
                          long maxRetainedWal) {

    public static final String SESSIONS_ENV = "OMNIGLASS_CDC_SESSIONS";
    public static final String SWEEP_ENV = "OMNIGLASS_CDC_SWEEP_SECONDS";

    public CdcSettings {
        if (sessions < 1 || sessions > 64) {
            throw new IllegalArgumentException(SESSIONS_ENV + " must be between 1 and 64, not " + sessions);
        }
        if (sweepEvery.toMillis() < 100) {
            throw new IllegalArgumentException(SWEEP_ENV + " must be positive");
        }
    }

    public static CdcSettings defaults() {
        return new CdcSettings(3, Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(10),
                Duration.ofSeconds(1), 32L * 1024 * 1024);
    }

    /** The defaults, with {@value #SESSIONS_ENV} and {@value #SWEEP_ENV} from the environment. */
    public static CdcSettings from(Map<String, String> env) {
        CdcSettings d = defaults();
        int sessions = parse(env, SESSIONS_ENV, d.sessions());
        int sweep = parse(env, SWEEP_ENV, (int) d.sweepEvery().toSeconds());
        return new CdcSettings(sessions, d.ttl(), d.renewEvery(), Duration.ofSeconds(sweep), d.timeSlice(), d.maxRetainedWal());
    }

    private static int parse(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, not '" + v + "'");
        }
    }
}
