package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** An ancestor on a plant-tree node's path: enough to open the tree to it. */
public record PlantTreeRef(@JsonProperty(value = "kind", required = true) String kind,
                           @JsonProperty(value = "id", required = true) String id,
                           @JsonProperty(value = "name", required = true) String name) {
}
