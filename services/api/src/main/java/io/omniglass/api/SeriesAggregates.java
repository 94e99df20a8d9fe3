package io.omniglass.api;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A metric series in buckets over [from, to), across the hot (Postgres) and cold (Parquet) tiers;
 * {@code coldBefore} is where the cold tier ends (null when nothing of the range is cold), for a
 * chart to mark it.
 */
public record SeriesAggregates(long seriesId, String owner, String key, String unit, String bucket,
                               OffsetDateTime from, OffsetDateTime to, OffsetDateTime coldBefore,
                               List<AggregateBucket> buckets) {
}
