package io.omniglass.api;

import java.util.List;
import java.util.Map;

/**
 * The lineage around one datapoint or alarm. Node ids are typed ({@code datapoint:metric:12:2026-...Z},
 * {@code event:5}, {@code alarm:3}, {@code action:2}, {@code event_rule_version:1:2},
 * {@code action_rule_version:1:1}, {@code calc_rule_version:1:1}, {@code source_rule:4},
 * {@code series:12}); {@code hidden} counts the node's neighbours not in the graph (depth or
 * fan-out limit).
 */
public record LineageGraph(String root, int depth, List<Node> nodes, List<Edge> edges) {

    public record Node(String id, String type, String label, Map<String, Object> attrs, int hidden) {
    }

    /** {@code from} -> {@code to}, labelled triggered, raised, commanded, intended, caused, of, by, ... */
    public record Edge(String from, String to, String label) {
    }
}
