package io.omniglass.views.services;

/** The per-tenant figures that matter at a glance: current signals and active alarms. */
public record TenantCounts(long series, long activeAlarms) {
}
