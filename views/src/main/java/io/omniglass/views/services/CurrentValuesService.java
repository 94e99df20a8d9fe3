package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

public interface CurrentValuesService {

    /** A page of the projection; a bad filter fails with a 400 whose detail names the position. */
    Page<CurrentValue> currentValues(String tenant, String filter, int limit, String after);

    List<Datapoint> history(String tenant, long seriesId, Instant from, Instant to, int limit);

    /** Min, max and avg per bucket ({@code 1h}, {@code 1d}, ...) across hot and cold, for long ranges. */
    default SeriesBuckets aggregates(String tenant, long seriesId, Instant from, Instant to, String bucket) {
        throw new UnsupportedOperationException("this service has no aggregates");
    }
}
