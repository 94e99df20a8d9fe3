package io.omniglass.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Sets a variable (created, or replaced when the owner already has one of that name):
 * {@code value} (any JSON) for a plain type, {@code secret} (a string, stored encrypted) for a
 * secret type such as {@code credential}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record VariableRequest(String name, String owner, String variableType, JsonNode value, String secret) {
}
