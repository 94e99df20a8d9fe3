package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;

/**
 * One answer of the fleet health board. A figure is null where the core does not know it;
 * {@code deployment} is null when the token may not see it (a token confined to one tenant).
 */
public record FleetSnapshot(Instant generatedAt, List<TenantHealth> tenants, List<DeploymentPart> deployment) {

    /** One tenant's figures (see GET /api/v1/fleet/health). */
    public record TenantHealth(String slug, String name, String status, double ingestPerSecond, Long sinkBacklog,
                               long deadLetters24h, Long cdcLagBytes, Double cdcLagSeconds, String cdcLeader,
                               Double newestAgeSeconds, Long activeAlarms, Long unackedAlarms) {
    }

    /** A part of the deployment: {@code kind} core, nats or postgres; {@code ok} whether its state is healthy. */
    public record DeploymentPart(String kind, String name, String state, String detail, boolean ok) {
    }
}
