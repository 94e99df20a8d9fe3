package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code change} event of the live feed: a committed row change as the change feed carries it
 * (CONTRACT.md, "The change feed"), read for what a client shows: which table, which operation
 * and the row's columns by name ({@code row} null for a delete).
 */
public record LiveChange(@JsonProperty(value = "table", required = true) String table,
                         @JsonProperty(value = "op", required = true) String op,
                         @JsonProperty("row") JsonNode row) {
}
