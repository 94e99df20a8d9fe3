package io.omniglass.api;

import java.time.OffsetDateTime;
import java.util.List;

/** Several metric series in the same buckets (fleet charts): {@code GET /api/v1/tenants/{t}/aggregates}. */
public record FleetAggregates(String bucket, OffsetDateTime from, OffsetDateTime to, OffsetDateTime coldBefore,
                              List<SeriesAggregates> series) {
}
