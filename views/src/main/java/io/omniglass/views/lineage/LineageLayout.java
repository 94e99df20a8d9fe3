package io.omniglass.views.lineage;

import io.omniglass.views.services.LineageGraph;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeRouting;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Layered (Sugiyama) layout of a lineage graph with Eclipse ELK: causes on the left, effects on the
 * right, edges routed orthogonally between layers. Pure geometry, no JavaFX, so it is unit-tested.
 */
public final class LineageLayout {

    public record Box(double x, double y, double width, double height) {
    }

    public record Point(double x, double y) {
    }

    public record Result(Map<String, Box> nodes, Map<LineageGraph.Edge, List<Point>> edges, double width, double height) {
    }

    static {
        LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
    }

    private LineageLayout() {
    }

    /** {@code size} gives each node's width and height (measured from its rendered label). */
    public static Result layout(LineageGraph graph, Function<LineageGraph.Node, double[]> size) {
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
        root.setProperty(CoreOptions.EDGE_ROUTING, EdgeRouting.ORTHOGONAL);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 60.0);
        root.setProperty(CoreOptions.SPACING_NODE_NODE, 24.0);
        root.setProperty(CoreOptions.PADDING, new org.eclipse.elk.core.math.ElkPadding(20));
        Map<String, ElkNode> elkNodes = new LinkedHashMap<>();
        for (LineageGraph.Node n : graph.nodes()) {
            ElkNode e = ElkGraphUtil.createNode(root);
            double[] wh = size.apply(n);
            e.setDimensions(wh[0], wh[1]);
            e.setIdentifier(n.id());
            elkNodes.put(n.id(), e);
        }
        Map<LineageGraph.Edge, ElkEdge> elkEdges = new LinkedHashMap<>();
        for (LineageGraph.Edge edge : graph.edges()) {
            ElkNode from = elkNodes.get(edge.from());
            ElkNode to = elkNodes.get(edge.to());
            if (from != null && to != null && from != to) {
                elkEdges.put(edge, ElkGraphUtil.createSimpleEdge(from, to));
            }
        }
        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());

        Map<String, Box> boxes = new HashMap<>();
        elkNodes.forEach((id, n) -> boxes.put(id, new Box(n.getX(), n.getY(), n.getWidth(), n.getHeight())));
        Map<LineageGraph.Edge, List<Point>> routes = new LinkedHashMap<>();
        elkEdges.forEach((edge, e) -> {
            List<Point> pts = new ArrayList<>();
            for (ElkEdgeSection s : e.getSections()) {
                pts.add(new Point(s.getStartX(), s.getStartY()));
                for (ElkBendPoint b : s.getBendPoints()) {
                    pts.add(new Point(b.getX(), b.getY()));
                }
                pts.add(new Point(s.getEndX(), s.getEndY()));
            }
            routes.put(edge, pts);
        });
        return new Result(boxes, routes, root.getWidth(), root.getHeight());
    }
}
