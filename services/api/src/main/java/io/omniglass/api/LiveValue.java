package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code value} event of the live feed: the newest datapoint of one signal (coalesced: at most one
 * per signal per interval). {@code value} as on the data lane (number, string or {severity, message}).
 */
public record LiveValue(@JsonProperty(value = "owner", required = true) String owner, @JsonProperty(value = "key", required = true) String key, @JsonProperty(value = "instance", required = true) String instance, @JsonProperty(value = "provenance", required = true) String provenance, @JsonProperty(value = "ts", required = true) String ts, @JsonProperty(value = "value", required = true) JsonNode value) {
}
