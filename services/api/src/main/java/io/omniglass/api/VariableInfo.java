package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/**
 * A configuration variable of an owner. A variable of a secret type carries no {@code value}
 * (its value is stored encrypted; {@code secret} is true): read it with an audited decrypt.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record VariableInfo(Long id, String name, String owner, String variableType, JsonNode value, boolean secret,
                           OffsetDateTime updatedAt, String updatedBy) {
}
