package io.omniglass.views.services;

import java.util.List;
import java.util.Map;

/** The lineage of a datapoint or alarm: nodes (datapoints, rules, events, commands) and directed edges. */
public record LineageGraph(List<Node> nodes, List<Edge> edges) {

    /**
     * {@code ref} is what the service needs to expand the node further (e.g. "metric/42/2026-...Z"),
     * null when it can't; {@code hidden} counts the node's links the answer left out (beyond its depth
     * or fan-out), so the node has {@code hidden} + its links in this graph in all.
     */
    public record Node(String id, String kind, String label, Map<String, String> details, String ref, int hidden) {

        public Node(String id, String kind, String label, Map<String, String> details, String ref) {
            this(id, kind, label, details, ref, 0);
        }
    }

    public record Edge(String from, String to, String label) {
    }
}
