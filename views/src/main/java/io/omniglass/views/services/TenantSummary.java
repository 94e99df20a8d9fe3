package io.omniglass.views.services;

/** One tenant row; counts are null when the core does not report them. */
public record TenantSummary(String slug, String name, String status, Long series, Long activeAlarms, Double ingestPerSecond) {
}
