package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

public interface HeatmapService {

    /** {@code tenant} null: all tenants the token can see. */
    Heatmap heatmap(String tenant, int hours);

    List<SlowStatement> slowest(String tenant, Instant hour, int limit);
}
