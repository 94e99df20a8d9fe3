package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The outcome for one dead letter of a re-drive or discard: {@code status} {@code ok},
 * {@code not_found} (no such message, or already re-driven or discarded) or {@code failed}
 * (with {@code error}: nothing was changed for it).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetterResult(@JsonProperty(value = "id", required = true) long id,
                               @JsonProperty(value = "status", required = true) String status,
                               @JsonProperty(value = "error", required = true) String error) {

    public static final String OK = "ok";
    public static final String NOT_FOUND = "not_found";
    public static final String FAILED = "failed";

    public boolean ok() {
        return OK.equals(status);
    }
}
