package io.omniglass.core.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A tenant's CDC figures on this instance, exposed in /metrics: og_cdc_leader, og_cdc_slot_lag_bytes,
 * og_cdc_slot_lag_seconds, og_cdc_changes_published_total.
 */
public final class CdcStats {

    private final Counter published;
    private final AtomicLong publishedCount = new AtomicLong();
    /** Atomic batches committed: with {@link #publishedCount()}, the batches' mean size (bench cdc). */
    private final AtomicLong batchesCommitted = new AtomicLong();
    private volatile boolean leader;
    private volatile long confirmedLsn;
    private volatile long oldestUnackedCommitMicros; // 0: nothing in flight
    private volatile long lastConfirmNanos = System.nanoTime();
    private volatile double lagBytes = Double.NaN;

    public CdcStats(String tenant, MeterRegistry registry) {
        if (registry == null) {
            published = null;
            return;
        }
        published = Counter.builder("og_cdc_changes_published").tag("tenant", tenant)
                .description("changes published to the CDC feed and acknowledged by JetStream").register(registry);
        Gauge.builder("og_cdc_leader", this, s -> s.leader ? 1 : 0).tag("tenant", tenant)
                .description("1 when this instance publishes the tenant's CDC feed").register(registry);
        Gauge.builder("og_cdc_slot_lag_bytes", this, s -> s.lagBytes).tag("tenant", tenant)
                .description("WAL between the server's current position and the slot's confirmed position").register(registry);
        Gauge.builder("og_cdc_slot_lag_seconds", this, CdcStats::lagSeconds).tag("tenant", tenant)
                .description("age of the oldest committed change not yet acknowledged by JetStream (leader only)").register(registry);
    }

    void published() {
        publishedCount.incrementAndGet();
        if (published != null) {
            published.increment();
        }
    }

    public long publishedCount() {
        return publishedCount.get();
    }

    void batchCommitted() {
        batchesCommitted.incrementAndGet();
    }

    public long batchesCommitted() {
        return batchesCommitted.get();
    }

    void leader(boolean leader) {
        this.leader = leader;
    }

    boolean leader() {
        return leader;
    }

    void confirmed(long lsn) {
        confirmedLsn = lsn;
        lastConfirmNanos = System.nanoTime();
    }

    public long confirmedLsn() {
        return confirmedLsn;
    }

    void oldestUnackedCommit(long pgMicros) {
        oldestUnackedCommitMicros = pgMicros;
    }

    void lagBytes(double bytes) {
        lagBytes = bytes;
    }

    double lagSeconds() {
        if (!leader) {
            return Double.NaN;
        }
        long oldest = oldestUnackedCommitMicros;
        if (oldest == 0) {
            return 0;
        }
        long unixMicros = oldest + PgOutput.PG_EPOCH_MICROS;
        return Math.max(0, System.currentTimeMillis() / 1000.0 - unixMicros / 1_000_000.0);
    }
}
