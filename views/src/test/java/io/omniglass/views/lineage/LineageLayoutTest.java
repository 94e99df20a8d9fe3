package io.omniglass.views.lineage;

import io.omniglass.views.lineage.LineageLayout.Box;
import io.omniglass.views.lineage.LineageLayout.Point;
import io.omniglass.views.services.LineageGraph;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.omniglass.views.lineage.LineageFixtures.edge;
import static io.omniglass.views.lineage.LineageFixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

/** The geometry a reader relies on: no edge through a node, no overlap, nothing moves on expand. */
class LineageLayoutTest {

    private static final double EPSILON = 1e-6;

    static double[] size(LineageGraph.Node n) {
        return LineageViewModel.size(n);
    }

    /** Every edge segment that enters a box other than its own two ends, as "edge crosses node". */
    static List<String> edgesThroughNodes(LineageLayout.Result r, LineageGraph g) {
        List<String> crossings = new ArrayList<>();
        for (LineageGraph.Edge e : g.edges()) {
            List<Point> pts = r.edges().get(e);
            assertThat(pts).as("route of %s", e).isNotNull().hasSizeGreaterThanOrEqualTo(2);
            for (int i = 0; i + 1 < pts.size(); i++) {
                for (LineageGraph.Node n : g.nodes()) {
                    if (n.id().equals(e.from()) || n.id().equals(e.to())) {
                        continue;
                    }
                    if (crosses(pts.get(i), pts.get(i + 1), r.nodes().get(n.id()))) {
                        crossings.add(e.from() + "->" + e.to() + " segment " + i + " " + pts.get(i) + "-" + pts.get(i + 1)
                                + " crosses " + n.id() + " " + r.nodes().get(n.id()));
                    }
                }
            }
        }
        return crossings;
    }

    /** Whether the segment a-b passes through the inside of {@code b} (touching its border does not count). */
    static boolean crosses(Point a, Point b, Box box) {
        double x0 = box.x() + 0.5;
        double y0 = box.y() + 0.5;
        double x1 = box.maxX() - 0.5;
        double y1 = box.maxY() - 0.5;
        // Liang-Barsky clipping of the segment against the box
        double t0 = 0;
        double t1 = 1;
        double dx = b.x() - a.x();
        double dy = b.y() - a.y();
        double[] p = {-dx, dx, -dy, dy};
        double[] q = {a.x() - x0, x1 - a.x(), a.y() - y0, y1 - a.y()};
        for (int i = 0; i < 4; i++) {
            if (p[i] == 0) {
                if (q[i] < 0) {
                    return false;
                }
            } else {
                double t = q[i] / p[i];
                if (p[i] < 0) {
                    t0 = Math.max(t0, t);
                } else {
                    t1 = Math.min(t1, t);
                }
            }
        }
        return t0 < t1;
    }

    static List<String> overlaps(LineageLayout.Result r, LineageGraph g) {
        List<String> out = new ArrayList<>();
        List<LineageGraph.Node> ns = g.nodes();
        for (int i = 0; i < ns.size(); i++) {
            for (int j = i + 1; j < ns.size(); j++) {
                Box a = r.nodes().get(ns.get(i).id());
                Box b = r.nodes().get(ns.get(j).id());
                if (a.x() < b.maxX() && b.x() < a.maxX() && a.y() < b.maxY() && b.y() < a.maxY()) {
                    out.add(ns.get(i).id() + " overlaps " + ns.get(j).id());
                }
            }
        }
        return out;
    }

    static void assertKeptPlaces(LineageLayout.Result before, LineageLayout.Result after) {
        before.nodes().forEach((id, b) -> {
            Box a = after.nodes().get(id);
            assertThat(Math.abs(a.x() - b.x()) + Math.abs(a.y() - b.y())).as("%s moved from %s to %s", id, b, a).isLessThan(EPSILON);
        });
        before.edges().forEach((e, pts) -> assertThat(after.edges().get(e)).as("route of %s", e).isEqualTo(pts));
    }

    @Test
    void theDemoLineageReadsLeftToRightWithNoEdgeThroughANode() {
        LineageGraph g = LineageFixtures.demo();
        LineageLayout.Result r = LineageLayout.layout(g, LineageLayoutTest::size);
        assertThat(r.nodes()).hasSize(g.nodes().size());
        assertThat(edgesThroughNodes(r, g)).isEmpty();
        assertThat(overlaps(r, g)).isEmpty();
        String dp = "datapoint:metric:12:2026-11-21T08:00:00.500Z";
        assertThat(r.nodes().get("source_rule:4").x()).isLessThan(r.nodes().get(dp).x());
        assertThat(r.nodes().get(dp).x()).isLessThan(r.nodes().get("event:5").x());
        assertThat(r.nodes().get("event:5").x()).isLessThan(r.nodes().get("alarm:3").x());
        // a definition stands upstream of its record, and the "of" edge is still drawn to it
        assertThat(r.nodes().get("series:12").x()).isLessThan(r.nodes().get(dp).x());
        assertThat(r.nodes().get("event_rule_version:1:1").x()).isLessThan(r.nodes().get("alarm:3").x());
        List<Point> of = r.edges().get(edge(dp, "series:12", "of"));
        assertThat(of.get(0).x()).isEqualTo(r.nodes().get(dp).x());
        assertThat(of.get(of.size() - 1).x()).isEqualTo(r.nodes().get("series:12").maxX());
        Box bounds = LineageLayout.bounds(r, java.util.Set.copyOf(g.nodes().stream().map(LineageGraph.Node::id).toList()));
        assertThat(bounds.maxX()).isLessThanOrEqualTo(r.width());
        assertThat(bounds.maxY()).isLessThanOrEqualTo(r.height());
    }

    @Test
    void aGenerated200NodeGraphHasNoEdgeThroughANode() {
        LineageGraph g = LineageFixtures.generated(200, 15);
        assertThat(g.edges()).hasSizeGreaterThan(300);
        LineageLayout.Result r = LineageLayout.layout(g, LineageLayoutTest::size);
        assertThat(edgesThroughNodes(r, g)).isEmpty();
        assertThat(overlaps(r, g)).isEmpty();
    }

    @Test
    void expandingKeepsEveryPlacedNodeAndRouteAndRoutesTheNewEdgesAroundAllBoxes() {
        LineageGraph before = LineageFixtures.demo();
        LineageLayout.Result first = LineageLayout.layout(before, LineageLayoutTest::size);
        // expanding the raise event: more events it triggered, a cause upstream of it, and a second
        // alarm, linked both to a node in the middle and to one at the far left
        List<LineageGraph.Node> nodes = new ArrayList<>(before.nodes());
        List<LineageGraph.Edge> edges = new ArrayList<>(before.edges());
        for (int i = 0; i < 6; i++) {
            nodes.add(node("event:" + (100 + i), "event", "event:" + (100 + i), 1));
            edges.add(edge("event:5", "event:" + (100 + i), "triggered"));
        }
        nodes.add(node("event:99", "event", "event:99", 0));
        edges.add(edge("event:99", "event:5", "caused"));
        nodes.add(node("alarm:9", "alarm", "alarm:9", 0));
        edges.add(edge("event:100", "alarm:9", "raised"));
        edges.add(edge("source_rule:4", "alarm:9", "of"));
        LineageGraph after = new LineageGraph(nodes, edges);

        LineageLayout.Result second = LineageLayout.extend(first, after, LineageLayoutTest::size);

        assertKeptPlaces(first, second);
        assertThat(second.nodes()).hasSize(after.nodes().size());
        assertThat(edgesThroughNodes(second, after)).isEmpty();
        assertThat(overlaps(second, after)).isEmpty();
        // downstream newcomers go right of what they come from, upstream ones left of what they lead to
        assertThat(second.nodes().get("event:100").x()).isGreaterThan(second.nodes().get("event:5").x());
        assertThat(second.nodes().get("event:99").x()).isLessThan(second.nodes().get("event:5").x());
        assertThat(second.width()).isGreaterThanOrEqualTo(LineageLayout.bounds(second, ids(after)).maxX());
        assertThat(second.height()).isGreaterThanOrEqualTo(LineageLayout.bounds(second, ids(after)).maxY());
    }

    @Test
    void growingA150NodeGraphTo200KeepsPlacesAndRoutesAroundEveryBox() {
        LineageGraph all = LineageFixtures.generated(200, 7);
        LineageGraph part = LineageFixtures.firstNodes(all, 150);
        LineageLayout.Result first = LineageLayout.layout(part, LineageLayoutTest::size);
        long t0 = System.nanoTime();
        LineageLayout.Result grown = LineageLayout.extend(first, all, LineageLayoutTest::size);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertKeptPlaces(first, grown);
        assertThat(edgesThroughNodes(grown, all)).isEmpty();
        assertThat(overlaps(grown, all)).isEmpty();
        assertThat(ms).as("extending by 50 nodes and their edges, ms").isLessThan(10_000);
    }

    @Test
    void extendingWithNothingNewChangesNothing() {
        LineageGraph g = LineageFixtures.demo();
        LineageLayout.Result r = LineageLayout.layout(g, LineageLayoutTest::size);
        LineageLayout.Result same = LineageLayout.extend(r, g, LineageLayoutTest::size);
        assertKeptPlaces(r, same);
        assertThat(same.nodes()).isEqualTo(r.nodes());
    }

    @Test
    void theRouterGoesAroundABoxInTheWay() {
        Box from = new Box(0, 100, 100, 40);
        Box wall = new Box(200, 0, 100, 300);
        Box to = new Box(400, 100, 100, 40);
        List<Point> pts = new OrthogonalRouter(List.of(from, wall, to)).route(from, to);
        assertThat(pts.get(0)).isEqualTo(new Point(100, 120));
        assertThat(pts.get(pts.size() - 1)).isEqualTo(new Point(400, 120));
        for (int i = 0; i + 1 < pts.size(); i++) {
            assertThat(crosses(pts.get(i), pts.get(i + 1), wall)).as("segment %s", i).isFalse();
            assertThat(pts.get(i).x() == pts.get(i + 1).x() || pts.get(i).y() == pts.get(i + 1).y()).as("orthogonal").isTrue();
        }
        // without the wall: one straight segment
        assertThat(new OrthogonalRouter(List.of(from, to)).route(from, to)).containsExactly(new Point(100, 120), new Point(400, 120));
    }

    private static java.util.Set<String> ids(LineageGraph g) {
        return java.util.Set.copyOf(g.nodes().stream().map(LineageGraph.Node::id).toList());
    }

    @Test
    void theCrossingCheckItselfSeesACrossing() {
        // the check must be able to fail: a straight line through a box in the way is a crossing
        Box box = new Box(200, 0, 100, 300);
        assertThat(crosses(new Point(100, 120), new Point(400, 120), box)).isTrue();
        assertThat(crosses(new Point(100, 300), new Point(400, 300), box)).as("along the border").isFalse();
        LineageGraph g = new LineageGraph(List.of(node("a", "event", null, 0), node("b", "event", null, 0), node("c", "event", null, 0)),
                List.of(edge("a", "c", "x")));
        LineageLayout.Result straight = new LineageLayout.Result(
                Map.of("a", new Box(0, 100, 100, 40), "b", box, "c", new Box(400, 100, 100, 40)),
                Map.of(edge("a", "c", "x"), List.of(new Point(100, 120), new Point(400, 120))), 500, 300);
        assertThat(edgesThroughNodes(straight, g)).hasSize(1);
    }
}
