package io.omniglass.core.similar;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Recipe 1 of a signal fingerprint: the lead-up of an alarm's owner as a fixed-length vector
 * (docs/similar.md). The 30 minutes before the raise are cut into {@link #BUCKETS} buckets; each
 * metric datapoint type of the owner is one block of the vector, its bucket means (gaps carried
 * forward) centred on its own mean and divided by its spread, so every block weighs the same
 * whatever its unit (a block whose spread is under 5 % of its level is flat and stays zero; a
 * lead-up with no moving block has no vector); the blocks are concatenated in a fixed order: the rule's key first (the
 * signal that tripped), then the owner's other metric keys by name, {@link #BLOCKS} at most,
 * empty blocks zero. Cosine distance between two fingerprints then compares the shapes of the
 * lead-ups key by key. A change to any of this is a new {@link #VERSION}: only fingerprints of the
 * same version are ever compared.
 */
public final class FingerprintRecipe {

    public static final int VERSION = 1;
    public static final Duration WINDOW = Duration.ofMinutes(30);
    public static final int BUCKETS = 12;
    public static final int BLOCKS = 8;
    public static final int DIMENSIONS = BUCKETS * BLOCKS;
    /**
     * A block whose spread is at most this share of its level counts as flat (zero): its noise is
     * not blown up to the size of a real excursion.
     */
    static final double FLAT_SHARE = 0.05;

    private FingerprintRecipe() {
    }

    /** A computed fingerprint; {@code vector} is null when nothing moved in the window (or it held no datapoint). */
    public record Fingerprint(List<String> keys, int samples, float[] vector) {
    }

    /** The bucket (0 .. BUCKETS-1) of a datapoint at {@code ts} in the window ending at {@code raisedAt}. */
    public static int bucket(Instant ts, Instant raisedAt) {
        long windowMillis = WINDOW.toMillis();
        long fromStart = ts.toEpochMilli() - (raisedAt.toEpochMilli() - windowMillis);
        int b = (int) Math.floorDiv(fromStart * BUCKETS, windowMillis);
        return Math.max(0, Math.min(BUCKETS - 1, b));
    }

    /** The block order: the rule's key first when the owner has it, then the others by name, at most {@link #BLOCKS}. */
    public static List<String> blockOrder(String ruleKey, Collection<String> ownerKeys) {
        List<String> order = new ArrayList<>();
        if (ownerKeys.contains(ruleKey)) {
            order.add(ruleKey);
        }
        for (String k : new TreeSet<>(ownerKeys)) {
            if (order.size() == BLOCKS) {
                break;
            }
            if (!k.equals(ruleKey)) {
                order.add(k);
            }
        }
        return order;
    }

    /**
     * The fingerprint from per-key bucket means ({@code means.get(key)[b]}, NaN for an empty
     * bucket) and the number of datapoints they were made of.
     */
    public static Fingerprint compute(List<String> order, Map<String, double[]> means, int samples) {
        List<String> keys = new ArrayList<>(order);
        while (keys.size() < BLOCKS) {
            keys.add("");
        }
        if (samples == 0) {
            return new Fingerprint(keys, 0, null);
        }
        float[] v = new float[DIMENSIONS];
        int moving = 0;
        for (int block = 0; block < order.size(); block++) {
            double[] m = means.get(order.get(block));
            if (m == null) {
                continue;
            }
            double[] filled = carryForward(m);
            if (filled == null) {
                continue;
            }
            double mean = 0;
            for (double x : filled) {
                mean += x;
            }
            mean /= BUCKETS;
            double var = 0;
            for (double x : filled) {
                var += (x - mean) * (x - mean);
            }
            double spread = Math.sqrt(var / BUCKETS);
            if (spread <= Math.max(FLAT_SHARE * Math.abs(mean), 1e-9)) {
                continue; // flat: its block stays zero
            }
            // unit norm for a block that moves: each key weighs the same in the distance
            double scale = 1.0 / (spread * Math.sqrt(BUCKETS));
            for (int b = 0; b < BUCKETS; b++) {
                v[block * BUCKETS + b] = (float) ((filled[b] - mean) * scale);
            }
            moving++;
        }
        // a lead-up in which nothing moved has no shape to compare: every quiet lead-up would tie with it
        return new Fingerprint(keys, samples, moving == 0 ? null : v);
    }

    /** Gaps take the bucket before them, leading gaps the first value; null when all are empty. */
    static double[] carryForward(double[] m) {
        double[] out = new double[BUCKETS];
        double first = Double.NaN;
        for (double x : m) {
            if (!Double.isNaN(x)) {
                first = x;
                break;
            }
        }
        if (Double.isNaN(first)) {
            return null;
        }
        double last = first;
        for (int b = 0; b < BUCKETS; b++) {
            double x = b < m.length ? m[b] : Double.NaN;
            if (!Double.isNaN(x)) {
                last = x;
            }
            out[b] = last;
        }
        return out;
    }
}
