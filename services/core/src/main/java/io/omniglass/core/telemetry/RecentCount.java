package io.omniglass.core.telemetry;

import java.util.function.LongSupplier;

/**
 * How many things happened within the last {@code window}: a ring of time buckets filled as they
 * happen, so a reader gets "rows in the last minute" or "dead letters in the last 24 hours" without
 * any timer or poll; a quiet counter costs nothing. Precision is one bucket.
 */
public final class RecentCount {

    private final long bucketMillis;
    private final long[] counts;
    private final long[] stamps;
    private final LongSupplier clockMillis;
    private final long startedMillis;

    public RecentCount(java.time.Duration window, int buckets) {
        this(window, buckets, System::currentTimeMillis);
    }

    public RecentCount(java.time.Duration window, int buckets, LongSupplier clockMillis) {
        if (buckets < 1 || window.toMillis() < buckets) {
            throw new IllegalArgumentException("a window of " + window + " cannot hold " + buckets + " buckets");
        }
        this.bucketMillis = window.toMillis() / buckets;
        this.counts = new long[buckets];
        this.stamps = new long[buckets];
        java.util.Arrays.fill(stamps, Long.MIN_VALUE);
        this.clockMillis = clockMillis;
        this.startedMillis = clockMillis.getAsLong();
    }

    public synchronized void add(long n) {
        if (n == 0) {
            return;
        }
        long bucket = clockMillis.getAsLong() / bucketMillis;
        int slot = (int) Math.floorMod(bucket, (long) counts.length);
        if (stamps[slot] != bucket) {
            stamps[slot] = bucket;
            counts[slot] = 0;
        }
        counts[slot] += n;
    }

    /** The count over the window (the current bucket and the ones before it that are still inside). */
    public synchronized long sum() {
        long now = clockMillis.getAsLong() / bucketMillis;
        long total = 0;
        for (int i = 0; i < counts.length; i++) {
            if (stamps[i] > now - counts.length && stamps[i] <= now) {
                total += counts[i];
            }
        }
        return total;
    }

    /**
     * Per second over the window, or over the time since this counter started when that is shorter
     * (a core up for ten seconds must not report a sixth of its real rate).
     */
    public double perSecond() {
        long window = bucketMillis * counts.length;
        long observed = Math.min(window, Math.max(1000, clockMillis.getAsLong() - startedMillis));
        return sum() * 1000.0 / observed;
    }
}
