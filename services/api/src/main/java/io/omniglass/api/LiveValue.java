package io.omniglass.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code value} event of the live feed: the newest datapoint of one signal (coalesced: at most one
 * per signal per interval). {@code value} as on the data lane (number, string or {severity, message}).
 */
public record LiveValue(String owner, String key, String instance, String provenance, String ts, JsonNode value) {
}
