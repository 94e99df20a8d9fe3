package io.omniglass.views.services;

import java.util.List;
import java.util.Map;

public interface TenantsService {

    List<TenantSummary> tenants();

    /** Counts for one tenant (a couple of cheap queries: asked for the tenants on screen only). */
    default TenantCounts counts(String slug) {
        return null;
    }

    /** Datapoints stored per second, by tenant, since the previous call (empty on the first). */
    default Map<String, Double> ingestRates() {
        return Map.of();
    }
}
