package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

/**
 * Query latency: one column per hour ({@code hours}), one row per percentile. {@code ms[row][col]}
 * is null where the hour has no samples.
 */
public record Heatmap(List<Instant> hours, List<String> percentiles, Double[][] ms, long[][] counts) {

    public boolean hasData(int row, int col) {
        return ms[row][col] != null && counts[row][col] > 0;
    }
}
