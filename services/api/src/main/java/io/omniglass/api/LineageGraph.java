package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The lineage around one datapoint or alarm. Node ids are typed ({@code datapoint:metric:12:2026-...Z},
 * {@code event:5}, {@code alarm:3}, {@code action:2}, {@code event_rule_version:1:2},
 * {@code action_rule_version:1:1}, {@code calc_rule_version:1:1}, {@code source_rule:4},
 * {@code series:12}); {@code hidden} counts the node's neighbours not in the graph (depth or
 * fan-out limit).
 */
public record LineageGraph(@JsonProperty(value = "root", required = true) String root, int depth, @JsonProperty(value = "nodes", required = true) List<Node> nodes, @JsonProperty(value = "edges", required = true) List<Edge> edges) {

    public record Node(@JsonProperty(value = "id", required = true) String id, @JsonProperty(value = "type", required = true) String type, @JsonProperty(value = "label", required = true) String label, @JsonProperty(value = "attrs", required = true) Map<String, Object> attrs, @JsonProperty(value = "hidden", required = true) int hidden) {
    }

    /** {@code from} -> {@code to}, labelled triggered, raised, commanded, intended, caused, of, by, ... */
    public record Edge(@JsonProperty(value = "from", required = true) String from, @JsonProperty(value = "to", required = true) String to, @JsonProperty(value = "label", required = true) String label) {
    }
}
