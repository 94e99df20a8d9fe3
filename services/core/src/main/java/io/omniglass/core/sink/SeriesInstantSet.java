package io.omniglass.core.sink;

/**
 * The (series, microsecond) pairs of one batch, to find a datapoint repeated within it: open
 * addressing over two long arrays sized for the batch, so no object per row (a HashSet of records
 * was the batch's largest allocation and a tenth of its preparation time).
 */
final class SeriesInstantSet {

    private final long[] series;
    private final long[] micros;
    private final boolean[] used;
    private final int mask;

    SeriesInstantSet(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        series = new long[capacity];
        micros = new long[capacity];
        used = new boolean[capacity];
        mask = capacity - 1;
    }

    /** Adds the pair; false when it was there already. At most {@code expected} pairs are added. */
    boolean add(long seriesId, long ts) {
        int i = slot(seriesId, ts);
        while (used[i]) {
            if (series[i] == seriesId && micros[i] == ts) {
                return false;
            }
            i = (i + 1) & mask;
        }
        used[i] = true;
        series[i] = seriesId;
        micros[i] = ts;
        return true;
    }

    private int slot(long seriesId, long ts) {
        long h = (seriesId * 0x9E3779B97F4A7C15L) ^ ts;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}
