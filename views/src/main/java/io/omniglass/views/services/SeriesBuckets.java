package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

/**
 * A metric series in buckets (min, max, avg per bucket) across the hot and cold tiers, and where
 * the cold tier ends ({@code coldBefore}, null when nothing of the range is cold).
 */
public record SeriesBuckets(List<Bucket> buckets, Instant coldBefore) {

    public record Bucket(Instant ts, long count, double min, double max, double avg) {
    }
}
