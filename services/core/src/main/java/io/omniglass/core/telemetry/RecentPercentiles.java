package io.omniglass.core.telemetry;

import io.micrometer.core.instrument.Clock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Percentiles of the durations recorded over the last one to two minutes, at one counter increment
 * per value. Made for per-tenant stage timers at fleet size: Micrometer's client-side percentiles
 * ({@code publishPercentiles}) record every value into three auto-ranging HdrHistograms per meter,
 * re-ranged after every 40 s rotation; at 180 tenants that was 14 % of the core's CPU under the live
 * load (docs/fleet.md, s11-corecpu and s12-corecpu).
 * <p>
 * Buckets are log-linear over microseconds: exact below 16 µs, then 16 buckets per power of two, so
 * a percentile is reported as its bucket's upper bound, at most 1/16 (6.25 %) above the true value
 * (HdrHistogram at Micrometer's default precision is as coarse). Values above 2^31 µs (35 minutes)
 * count in the last bucket. Time is cut in windows of {@link #WINDOW_SECONDS}; a read merges the
 * current window with the one before it. A window's counts are allocated when a value first falls
 * in it, so a quiet meter holds none and costs nothing.
 */
public final class RecentPercentiles {

    public static final long WINDOW_SECONDS = 60;
    private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    private static final int TOP_EXPONENT = 30;
    static final int BUCKETS = (TOP_EXPONENT - SUB_BITS + 2) * SUB;

    private final Clock clock;
    private volatile Window current;
    private volatile Window previous;

    public RecentPercentiles(Clock clock) {
        this.clock = clock;
    }

    private record Window(long start, AtomicIntegerArray counts) {
    }

    public void record(long amount, TimeUnit unit) {
        long now = clock.monotonicTime();
        Window w = current;
        if (w == null || now - w.start >= WINDOW_NANOS) {
            w = rotate(now);
        }
        w.counts.incrementAndGet(index(Math.max(0, unit.toMicros(amount))));
    }

    private synchronized Window rotate(long now) {
        Window w = current;
        if (w != null && now - w.start < WINDOW_NANOS) {
            return w;
        }
        // windows start on multiples of the window, so that "the one before" means the adjacent one
        long start = now - Math.floorMod(now, WINDOW_NANOS);
        previous = w != null && start - w.start == WINDOW_NANOS ? w : null;
        Window fresh = new Window(start, new AtomicIntegerArray(BUCKETS));
        current = fresh;
        return fresh;
    }

    static int index(long micros) {
        if (micros < SUB) {
            return (int) micros;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(micros);
        if (exponent > TOP_EXPONENT) {
            return BUCKETS - 1;
        }
        int sub = (int) (micros >>> (exponent - SUB_BITS)) & (SUB - 1);
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The largest value (µs) that falls in bucket {@code i}. */
    static long upperMicros(int i) {
        if (i < SUB) {
            return i;
        }
        int exponent = i / SUB + SUB_BITS - 1;
        long width = 1L << (exponent - SUB_BITS);
        return ((long) (SUB + i % SUB) << (exponent - SUB_BITS)) + width - 1;
    }

    /** Values in the last one to two minutes. */
    public long count() {
        long n = 0;
        for (Window w : recent()) {
            for (int i = 0; i < BUCKETS; i++) {
                n += w.counts.get(i);
            }
        }
        return n;
    }

    /**
     * The {@code quantile} (0..1) of the values of the last one to two minutes, in {@code unit};
     * 0 when there were none (as Micrometer's percentiles say then).
     */
    public double percentile(double quantile, TimeUnit unit) {
        if (!(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("a quantile is between 0 and 1, not " + quantile);
        }
        Window[] windows = recent();
        long[] merged = new long[BUCKETS];
        long n = 0;
        for (Window w : windows) {
            for (int i = 0; i < BUCKETS; i++) {
                int c = w.counts.get(i);
                merged[i] += c;
                n += c;
            }
        }
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * n));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += merged[i];
            if (seen >= rank) {
                return (double) upperMicros(i) * TimeUnit.MICROSECONDS.toNanos(1) / unit.toNanos(1);
            }
        }
        return (double) upperMicros(BUCKETS - 1) * TimeUnit.MICROSECONDS.toNanos(1) / unit.toNanos(1);
    }

    private Window[] recent() {
        long now = clock.monotonicTime();
        Window c = current;
        Window p = previous;
        if (p == c) {
            p = null; // a rotation between the two reads: the old current is now the previous
        }
        java.util.List<Window> out = new java.util.ArrayList<>(2);
        for (Window w : new Window[] {c, p}) {
            // the current window, or the one before it; anything older fell out of "recent"
            if (w != null && now - w.start < 2 * WINDOW_NANOS) {
                out.add(w);
            }
        }
        return out.toArray(new Window[0]);
    }
}
