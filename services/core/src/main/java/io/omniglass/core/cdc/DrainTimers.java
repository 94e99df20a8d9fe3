package io.omniglass.core.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/**
 * What the bounded sessions cost and how long a commit waits for one, core-wide (no tenant tag:
 * the figures of the pool, not of a tenant): a commit's wait from its wake-up to a session taking
 * its feed, and each drain's time from connecting to the slot to hanging up.
 */
final class DrainTimers {

    private final Timer commitWait;
    private final Timer commitDrain;
    private final Timer housekeepingDrain;

    DrainTimers(MeterRegistry metrics) {
        commitWait = Timer.builder("og_cdc_commit_wait").description("from a commit's wake-up to a session taking its feed")
                .publishPercentiles(0.5, 0.99).register(metrics);
        commitDrain = Timer.builder("og_cdc_drain").tag("kind", "commit").description("one drain of a slot, connect to hang-up")
                .publishPercentiles(0.5, 0.99).register(metrics);
        housekeepingDrain = Timer.builder("og_cdc_drain").tag("kind", "housekeeping")
                .description("one drain of a slot, connect to hang-up").publishPercentiles(0.5, 0.99).register(metrics);
    }

    void commitWaited(long nanos) {
        if (nanos > 0) {
            commitWait.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void drained(boolean forCommit, long nanos) {
        (forCommit ? commitDrain : housekeepingDrain).record(nanos, TimeUnit.NANOSECONDS);
    }
}
