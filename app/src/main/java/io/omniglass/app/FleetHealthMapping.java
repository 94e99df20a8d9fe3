package io.omniglass.app;

import io.omniglass.api.FleetHealth;
import io.omniglass.views.services.FleetSnapshot;
import io.omniglass.views.services.FleetSnapshot.DeploymentPart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The fleet health wire records as the board's rows and deployment parts. */
final class FleetHealthMapping {

    private FleetHealthMapping() {
    }

    static FleetSnapshot snapshot(FleetHealth h) {
        List<FleetSnapshot.TenantHealth> tenants = h.tenants().stream().map(t -> new FleetSnapshot.TenantHealth(
                t.slug(), t.name(), t.status(), t.ingestPerSecond(), t.sinkBacklog(), t.deadLetters24h(),
                t.cdcLagBytes(), t.cdcLagSeconds(), t.cdcLeader(), t.newestDatapointAgeSeconds(),
                t.activeAlarms(), t.unackedAlarms())).toList();
        return new FleetSnapshot(h.generatedAt() == null ? null : h.generatedAt().toInstant(), tenants,
                h.deployment() == null ? null : parts(h.deployment()));
    }

    static List<DeploymentPart> parts(FleetHealth.Deployment d) {
        List<DeploymentPart> out = new ArrayList<>();
        for (FleetHealth.CoreInstance c : d.cores()) {
            StringBuilder detail = new StringBuilder(c.thisCore() ? "this console's core" : "another core");
            if (c.cdcLeases() != null) {
                detail.append(" · leads the CDC of ").append(c.cdcLeases()).append(c.cdcLeases() == 1 ? " tenant" : " tenants");
            }
            if (c.lastSeenSeconds() != null) {
                detail.append(String.format(Locale.ROOT, " · lease renewed %.0f s ago", c.lastSeenSeconds()));
            }
            out.add(new DeploymentPart("core", c.id(), c.state(), detail.toString(), "up".equals(c.state())));
        }
        for (FleetHealth.NatsServer n : d.natsServers()) {
            List<String> detail = new ArrayList<>();
            if (n.name() != null) {
                detail.add(n.name());
            }
            if (n.version() != null) {
                detail.add("nats-server " + n.version());
            }
            if (n.cluster() != null && !n.cluster().isEmpty()) {
                detail.add("cluster " + n.cluster());
            }
            if ("standby".equals(n.state())) {
                detail.add("known to the core, not the one it is connected to");
            }
            out.add(new DeploymentPart("nats", n.url(), n.state(), String.join(" · ", detail),
                    "connected".equals(n.state()) || "standby".equals(n.state())));
        }
        for (FleetHealth.PostgresServer p : d.postgresServers()) {
            List<String> detail = new ArrayList<>();
            detail.add(p.address());
            if (p.version() != null) {
                detail.add("Postgres " + p.version());
            }
            detail.add(p.tenants() + (p.tenants() == 1 ? " tenant" : " tenants"));
            if (p.control()) {
                detail.add("control database");
            }
            if (p.error() != null) {
                detail.add(p.error());
            }
            out.add(new DeploymentPart("postgres", p.name(), p.state(), String.join(" · ", detail), !"down".equals(p.state())));
        }
        return out;
    }
}
