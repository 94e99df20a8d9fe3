package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * One node of the plant tree: an entity ({@code kind} location, system, component or node; {@code id}
 * its owner text, {@code component:pump-7}) or a signal ({@code kind} signal, {@code id}
 * {@code series:42}, {@code signal} set). {@code child_count} lets the tree show an expander
 * without loading the children; {@code active_alarms} counts the active alarms of the node and
 * everything under it. {@code path} leads from a root down to the node's parent.
 */
public record PlantTreeNode(@JsonProperty(value = "kind", required = true) String kind,
                            @JsonProperty(value = "id", required = true) String id,
                            @JsonProperty(value = "name", required = true) String name,
                            @JsonProperty(value = "display_name", required = true) String displayName,
                            @JsonProperty(value = "child_count", required = true) long childCount,
                            @JsonProperty(value = "active_alarms", required = true) long activeAlarms,
                            @JsonProperty(value = "signal", required = true) PlantTreeSignal signal,
                            @JsonProperty(value = "path", required = true) List<PlantTreeRef> path) {
}
