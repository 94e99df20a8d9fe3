package io.omniglass.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code dead-letters:redrive} and {@code :discard}: the dead letters' {@code ids},
 * the operator's {@code reason} (required to discard), and for a re-drive optional {@code edits}:
 * id to the body to publish instead (a JSON datapoint or array; a JSON string is taken as the raw text).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetterCommand(List<Long> ids, Map<Long, JsonNode> edits, String reason) {
}
