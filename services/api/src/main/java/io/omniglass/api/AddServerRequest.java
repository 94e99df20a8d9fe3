package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** POST /api/v1/servers: the password is sealed by the core, never stored in clear nor shown again. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AddServerRequest(@JsonProperty("name") String name,
                               @JsonProperty("jdbc_url") String jdbcUrl,
                               @JsonProperty("user") String user,
                               @JsonProperty("password") String password,
                               @JsonProperty("replica_of") String replicaOf) {

    @Override
    public String toString() { // never the password, whoever logs the request
        return "AddServerRequest[" + name + ", " + jdbcUrl + ", " + user + ", replica_of=" + replicaOf + "]";
    }
}
