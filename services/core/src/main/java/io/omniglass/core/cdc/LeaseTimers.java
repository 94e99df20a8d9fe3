package io.omniglass.core.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/**
 * Whether this core's own lease keeps up (core-wide, no tenant tag): how long a renewal waits for
 * its PubAck, how far apart renewals start (late starts mean a starved thread or a pause), and
 * how often the lease lapsed with feeds held.
 */
class LeaseTimers {

    static final LeaseTimers NONE = new LeaseTimers();

    private final Timer acked;
    private final Timer gap;
    private final Counter expired;

    private LeaseTimers() {
        acked = null;
        gap = null;
        expired = null;
    }

    LeaseTimers(MeterRegistry metrics) {
        acked = Timer.builder("og_cdc_lease_renewal").description("a renewal of this core's CDC lease, publish to PubAck")
                .publishPercentiles(0.5, 0.99).register(metrics);
        gap = Timer.builder("og_cdc_lease_renewal_gap").description("between the starts of two renewals (the period when on time)")
                .publishPercentiles(0.5, 0.99).register(metrics);
        expired = Counter.builder("og_cdc_lease_expired").description("this core's CDC lease lapsed while it held feeds")
                .register(metrics);
    }

    void acked(long nanos) {
        if (acked != null) {
            acked.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void gap(long nanos) {
        if (gap != null) {
            gap.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void expired() {
        if (expired != null) {
            expired.increment();
        }
    }
}
