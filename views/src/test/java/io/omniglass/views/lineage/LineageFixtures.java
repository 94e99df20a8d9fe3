package io.omniglass.views.lineage;

import io.omniglass.views.services.LineageGraph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Graphs for the layout and view-model tests. */
final class LineageFixtures {

    private LineageFixtures() {
    }

    static LineageGraph.Node node(String id, String kind, String ref, int hidden) {
        return new LineageGraph.Node(id, kind, id, Map.of("id", id), ref, hidden);
    }

    static LineageGraph.Edge edge(String from, String to, String label) {
        return new LineageGraph.Edge(from, to, label);
    }

    /** datapoint dp1 -> rule r1 -> event e1 -> alarm a1; e1 -> command c1. The alarm is the root. */
    static LineageGraph chain() {
        return new LineageGraph(
                List.of(node("alarm:1", "alarm", "alarm:1", 0), node("dp1", "datapoint", "datapoint:metric:7:2026-11-21T07:00:00Z", 9),
                        node("r1", "rule", null, 0), node("e1", "event", "event:1", 0), node("c1", "command", null, 0)),
                List.of(edge("dp1", "r1", "evaluated by"), edge("r1", "e1", "raised"),
                        edge("e1", "alarm:1", "transitions"), edge("e1", "c1", "caused")));
    }

    /**
     * The shape of the demo plant's alarm lineage as the core answers it (node ids and edge labels of
     * {@code core.lineage.Lineage}): the triggering datapoint and its series and source rule, the rule
     * version that fired, the raise event, the alarm, the action it commanded and what came of it.
     * The rule version -> event -> alarm -> rule version loop is real (the alarm is "of" its rule).
     */
    static LineageGraph demo() {
        String dp = "datapoint:metric:12:2026-11-21T08:00:00.500Z";
        String intended = "datapoint:state:31:2026-11-21T08:00:01Z";
        String confirmed = "datapoint:state:32:2026-11-21T08:00:03Z";
        return new LineageGraph(
                List.of(node("alarm:3", "alarm", "alarm:3", 0), node("event:5", "event", "event:5", 0),
                        node("event_rule_version:1:1", "event_rule_version", null, 40), node(dp, "datapoint", dp, 0),
                        node("series:12", "series", null, 0), node("source_rule:4", "source_rule", null, 0),
                        node("action:2", "action", "action:2", 0), node("event:6", "event", "event:6", 0),
                        node(intended, "datapoint", intended, 0), node(confirmed, "datapoint", confirmed, 1),
                        node("series:31", "series", null, 0), node("event:7", "event", "event:7", 2)),
                List.of(edge(dp, "series:12", "of"), edge("source_rule:4", dp, "produced"), edge(dp, "event:5", "triggered"),
                        edge("event_rule_version:1:1", "event:5", "fired"), edge("event:5", "alarm:3", "raised"),
                        edge("alarm:3", "event_rule_version:1:1", "of"), edge("alarm:3", "action:2", "actioned"),
                        edge("event:6", "action:2", "commanded"), edge("event:5", "event:6", "triggered"),
                        edge("event:6", intended, "intended"), edge(intended, "series:31", "of"),
                        edge(confirmed, "action:2", "confirmed"), edge("event:6", confirmed, "caused"),
                        edge("event:5", "event:7", "triggered")));
    }

    /**
     * {@code n} nodes in 10 layers, each with one to three causes in earlier layers (some two or
     * more layers back, so edges span layers), seeded.
     */
    static LineageGraph generated(int n, long seed) {
        Random random = new Random(seed);
        List<LineageGraph.Node> nodes = new ArrayList<>();
        List<LineageGraph.Edge> edges = new ArrayList<>();
        String[] kinds = {"datapoint", "event", "alarm", "action", "event_rule_version"};
        int perLayer = Math.max(1, n / 10);
        for (int i = 0; i < n; i++) {
            String id = "n" + i;
            nodes.add(node(id, kinds[i % kinds.length], id, 0));
            int layer = i / perLayer;
            if (layer == 0) {
                continue;
            }
            int causes = 1 + random.nextInt(3);
            for (int c = 0; c < causes; c++) {
                int back = 1 + (random.nextInt(4) == 0 ? random.nextInt(Math.min(layer, 3)) : 0);
                int from = Math.max(0, (layer - back) * perLayer + random.nextInt(perLayer));
                LineageGraph.Edge e = edge("n" + Math.min(from, i - 1), id, "caused");
                if (!edges.contains(e)) {
                    edges.add(e);
                }
            }
        }
        return new LineageGraph(nodes, edges);
    }

    /** The subgraph on the first {@code k} nodes of {@code g}. */
    static LineageGraph firstNodes(LineageGraph g, int k) {
        List<LineageGraph.Node> nodes = g.nodes().subList(0, k);
        java.util.Set<String> ids = new java.util.HashSet<>();
        nodes.forEach(x -> ids.add(x.id()));
        return new LineageGraph(List.copyOf(nodes), g.edges().stream().filter(e -> ids.contains(e.from()) && ids.contains(e.to())).toList());
    }
}
