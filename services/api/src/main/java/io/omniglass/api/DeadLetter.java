package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * One message of a tenant's dead-letter subject. {@code id} is its sequence in the dead-letter
 * stream (the handle for re-drive and discard); {@code reason} the code of {@code Og-Error}
 * (unknown_key, bad_json, ...) and {@code detail} the rest of it; {@code subject} the data-lane
 * subject it was published on; {@code index} its position in the original batch (null: the whole
 * message); {@code body} the refused datapoint (or message) as text; {@code headers} every header.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetter(@JsonProperty(value = "id", required = true) long id,
                         @JsonProperty(value = "time", required = true) OffsetDateTime time,
                         @JsonProperty(value = "reason", required = true) String reason,
                         @JsonProperty(value = "detail", required = true) String detail,
                         @JsonProperty(value = "subject", required = true) String subject,
                         @JsonProperty(value = "index", required = true) Integer index,
                         @JsonProperty(value = "body", required = true) String body,
                         @JsonProperty(value = "headers", required = true) Map<String, List<String>> headers) {
}
