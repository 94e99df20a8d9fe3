package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A registered Postgres server as the API shows it (never its password): {@code role} primary or
 * replica, {@code state} active or draining (takes no new tenants), {@code health} up or down as
 * the answering core has found it, {@code tenants} how many tenants live on it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServerInfo(@JsonProperty(value = "name", required = true) String name,
                         @JsonProperty(value = "jdbc_url", required = true) String jdbcUrl,
                         @JsonProperty("user") String user,
                         @JsonProperty(value = "role", required = true) String role,
                         @JsonProperty("replica_of") String replicaOf,
                         @JsonProperty(value = "state", required = true) String state,
                         @JsonProperty(value = "health", required = true) String health,
                         @JsonProperty(value = "tenants", required = true) int tenants) {
}
