package io.omniglass.views.services;

/** One tenant row; counts are null when the core does not report them. */
public record TenantSummary(String slug, String name, String status, Long series, Long activeAlarms, Double ingestPerSecond) {

    public TenantSummary withCounts(TenantCounts c) {
        return c == null ? this : new TenantSummary(slug, name, status, c.series(), c.activeAlarms(), ingestPerSecond);
    }

    public TenantSummary withRate(Double perSecond) {
        return new TenantSummary(slug, name, status, series, activeAlarms, perSecond);
    }
}
