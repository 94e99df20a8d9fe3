package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * A metric series in buckets over [from, to), across the hot (Postgres) and cold (Parquet) tiers;
 * {@code coldBefore} is where the cold tier ends (null when nothing of the range is cold), for a
 * chart to mark it.
 */
public record SeriesAggregates(long seriesId, String owner, String key, String unit, String bucket,
                               OffsetDateTime from, OffsetDateTime to, @JsonProperty(value = "coldBefore", required = true) OffsetDateTime coldBefore,
                               @JsonProperty(value = "buckets", required = true) List<AggregateBucket> buckets) {
}
