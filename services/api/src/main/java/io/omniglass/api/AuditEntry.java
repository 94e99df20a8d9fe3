package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/** One operator action: who did what to which resource, old -> new. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AuditEntry(long id, OffsetDateTime ts, String actor, String verb, String resource, JsonNode old,
                         @JsonProperty("new") JsonNode newValue, String correlationId) {
}
