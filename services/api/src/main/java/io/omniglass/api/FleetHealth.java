package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * {@code GET /api/v1/fleet/health}: per tenant the figures an operator of a fleet watches, and the
 * deployment (cores, NATS servers, Postgres servers). A figure is null where it is not known: the
 * CDC lag of a server that did not answer, the alarms of a tenant not counted yet (a large fleet's
 * first answer counts the rest in the background) or whose database did not answer,
 * the newest datapoint of a tenant that stored none since a core started. The sink's figures
 * (ingest, dead letters, newest datapoint) are summed over the {@code coresReporting} live cores
 * that answered for their share.
 */
public record FleetHealth(@JsonProperty(value = "generated_at", required = true) OffsetDateTime generatedAt,
                          @JsonProperty(value = "instance", required = true) String instance,
                          @JsonProperty(value = "cores_reporting", required = true) int coresReporting,
                          @JsonProperty(value = "tenants", required = true) List<TenantHealth> tenants,
                          @JsonProperty(value = "deployment", required = true) Deployment deployment) {

    /**
     * One tenant. {@code ingestPerSecond}: datapoints stored per second over the last minute;
     * {@code sinkBacklog}: messages of the data lane not yet delivered to the sink (the shared
     * consumer's pending count); {@code deadLetters24h}: datapoints dead-lettered in the last 24 h;
     * {@code cdcLagBytes}: WAL the tenant's slot has not confirmed; {@code cdcLagSeconds}: age of the
     * oldest committed change not yet on the feed (known on the core that leads the tenant's CDC).
     */
    public record TenantHealth(@JsonProperty(value = "slug", required = true) String slug,
                               @JsonProperty(value = "name", required = true) String name,
                               @JsonProperty(value = "status", required = true) String status,
                               @JsonProperty(value = "ingest_per_second", required = true) double ingestPerSecond,
                               @JsonProperty(value = "sink_backlog", required = true) Long sinkBacklog,
                               @JsonProperty(value = "dead_letters_24h", required = true) long deadLetters24h,
                               @JsonProperty(value = "cdc_lag_bytes", required = true) Long cdcLagBytes,
                               @JsonProperty(value = "cdc_lag_seconds", required = true) Double cdcLagSeconds,
                               @JsonProperty(value = "cdc_leader", required = true) String cdcLeader,
                               @JsonProperty(value = "newest_datapoint_at", required = true) OffsetDateTime newestDatapointAt,
                               @JsonProperty(value = "newest_datapoint_age_seconds", required = true) Double newestDatapointAgeSeconds,
                               @JsonProperty(value = "active_alarms", required = true) Long activeAlarms,
                               @JsonProperty(value = "unacked_alarms", required = true) Long unackedAlarms) {
    }

    /** Null for a token confined to one tenant: the deployment is the fleet's, not a customer's. */
    public record Deployment(@JsonProperty(value = "cores", required = true) List<CoreInstance> cores,
                             @JsonProperty(value = "nats_servers", required = true) List<NatsServer> natsServers,
                             @JsonProperty(value = "postgres_servers", required = true) List<PostgresServer> postgresServers) {
    }

    /** A core known from the lease registry: {@code lastSeenSeconds} since it last renewed its lease. */
    public record CoreInstance(@JsonProperty(value = "id", required = true) String id,
                               @JsonProperty(value = "this_core", required = true) boolean thisCore,
                               @JsonProperty(value = "state", required = true) String state,
                               @JsonProperty(value = "last_seen_seconds", required = true) Double lastSeenSeconds,
                               @JsonProperty(value = "cdc_leases", required = true) Integer cdcLeases) {
    }

    /** A NATS server: the one this core is connected to, and the others of its cluster it was told of. */
    public record NatsServer(@JsonProperty(value = "url", required = true) String url,
                             @JsonProperty(value = "name", required = true) String name,
                             @JsonProperty(value = "version", required = true) String version,
                             @JsonProperty(value = "cluster", required = true) String cluster,
                             @JsonProperty(value = "state", required = true) String state) {
    }

    /** A Postgres server: up or down, what it is, which tenants it holds; never its credentials. */
    public record PostgresServer(@JsonProperty(value = "name", required = true) String name,
                                 @JsonProperty(value = "address", required = true) String address,
                                 @JsonProperty(value = "control", required = true) boolean control,
                                 @JsonProperty(value = "state", required = true) String state,
                                 @JsonProperty(value = "version", required = true) String version,
                                 @JsonProperty(value = "in_recovery", required = true) Boolean inRecovery,
                                 @JsonProperty(value = "tenants", required = true) int tenants,
                                 @JsonProperty(value = "error", required = true) String error) {
    }
}
