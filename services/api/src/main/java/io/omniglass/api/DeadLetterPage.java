package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * A page of dead letters in sequence order; {@code next} is the {@code after} cursor of the next
 * page (null at the end); {@code total} the messages in the dead-letter stream, unfiltered.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetterPage(@JsonProperty(value = "items", required = true) List<DeadLetter> items,
                             @JsonProperty(value = "next", required = true) String next,
                             @JsonProperty(value = "total", required = true) long total) {
}
