package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/**
 * One operator action: who did what to which resource, old -> new. {@code actorId} is the acting
 * principal's id (the identity; {@code actor} is its name, a label), null for the core's own work.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AuditEntry(@JsonProperty(value = "id", required = true) long id, @JsonProperty(value = "ts", required = true) OffsetDateTime ts, @JsonProperty(value = "actor", required = true) String actor, @JsonProperty(value = "verb", required = true) String verb, @JsonProperty(value = "resource", required = true) String resource, JsonNode old,
                         @JsonProperty("new") JsonNode newValue, String correlationId, Long actorId) {

    public AuditEntry(long id, OffsetDateTime ts, String actor, String verb, String resource, JsonNode old,
                      JsonNode newValue, String correlationId) {
        this(id, ts, actor, verb, resource, old, newValue, correlationId, null);
    }
}
