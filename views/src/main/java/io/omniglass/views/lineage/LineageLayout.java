package io.omniglass.views.lineage;

import io.omniglass.views.services.LineageGraph;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.math.ElkPadding;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeRouting;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Geometry of a lineage graph, no JavaFX (so it is unit-tested and runs off the UI thread).
 * <ul>
 * <li>{@link #layout}: a fresh layered (Sugiyama) layout with Eclipse ELK, causes on the left,
 * effects on the right (see {@link #isReference}), edges routed orthogonally between the layers, so
 * no edge crosses a node.</li>
 * <li>{@link #extend}: the same picture with more nodes. Re-running ELK would move every node the
 * operator has already found, so the nodes already placed keep their boxes and their edges keep their
 * routes; the new nodes go into a band below everything drawn (free of boxes and of routes), in the
 * column next to the node they hang off, and only their edges are routed, around every box, by
 * {@link OrthogonalRouter}.</li>
 * </ul>
 */
public final class LineageLayout {

    /** Between layers (columns) of a fresh layout and of extended ones. */
    static final double LAYER_GAP = 70;
    /** Between nodes of one layer. */
    static final double NODE_GAP = 26;
    static final double PADDING = 20;
    private static final String REFERENCE = "of";

    public record Box(double x, double y, double width, double height) {
        public double maxX() {
            return x + width;
        }

        public double maxY() {
            return y + height;
        }

        public double centerY() {
            return y + height / 2;
        }
    }

    public record Point(double x, double y) {
    }

    /** Boxes by node id and routes by edge; {@code width}/{@code height} bound everything from the origin. */
    public record Result(Map<String, Box> nodes, Map<LineageGraph.Edge, List<Point>> edges, double width, double height) {

        public static final Result EMPTY = new Result(Map.of(), Map.of(), 0, 0);
    }

    static {
        LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
    }

    private LineageLayout() {
    }

    /**
     * A record pointing at its definition ("of": an alarm of its rule version, a datapoint of its
     * series) is drawn with the definition upstream, as a cause: otherwise it closes loops (rule
     * version -> event -> alarm -> rule version) and puts a rule downstream of its own alarm.
     */
    static boolean isReference(LineageGraph.Edge e) {
        return REFERENCE.equals(e.label());
    }

    /** The upstream end of an edge: its {@code from}, or for a reference its definition. */
    public static String cause(LineageGraph.Edge e) {
        return isReference(e) ? e.to() : e.from();
    }

    public static String effect(LineageGraph.Edge e) {
        return isReference(e) ? e.from() : e.to();
    }

    /** A fresh layout; {@code size} gives each node's width and height. */
    public static Result layout(LineageGraph graph, Function<LineageGraph.Node, double[]> size) {
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, Direction.RIGHT);
        root.setProperty(CoreOptions.EDGE_ROUTING, EdgeRouting.ORTHOGONAL);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, LAYER_GAP);
        root.setProperty(CoreOptions.SPACING_NODE_NODE, NODE_GAP);
        root.setProperty(LayeredOptions.SPACING_EDGE_NODE_BETWEEN_LAYERS, 14.0);
        root.setProperty(CoreOptions.SPACING_EDGE_NODE, 14.0);
        root.setProperty(CoreOptions.PADDING, new ElkPadding(PADDING));
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
                elkEdges.put(edge, isReference(edge) ? ElkGraphUtil.createSimpleEdge(to, from) : ElkGraphUtil.createSimpleEdge(from, to));
            }
        }
        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());

        Map<String, Box> boxes = new LinkedHashMap<>();
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
            if (isReference(edge)) {
                java.util.Collections.reverse(pts); // laid out from the definition, drawn to it
            }
            routes.put(edge, pts);
        });
        return new Result(boxes, routes, root.getWidth(), root.getHeight());
    }

    /**
     * {@code previous} with the nodes of {@code graph} it lacks: existing boxes and routes are kept
     * exactly; new nodes are placed below everything and their edges routed around every box. Edges
     * of {@code graph} between nodes placed before but not yet routed are routed too.
     */
    public static Result extend(Result previous, LineageGraph graph, Function<LineageGraph.Node, double[]> size) {
        if (previous.nodes().isEmpty()) {
            return layout(graph, size);
        }
        Map<String, Box> boxes = new LinkedHashMap<>(previous.nodes());
        List<LineageGraph.Node> fresh = graph.nodes().stream().filter(n -> !boxes.containsKey(n.id())).toList();
        if (!fresh.isEmpty()) {
            placeBelow(previous, graph, fresh, size, boxes);
        }
        // routes of edges now hidden stay too, so that unhiding draws them where they were
        Map<LineageGraph.Edge, List<Point>> routes = new LinkedHashMap<>(previous.edges());
        List<LineageGraph.Edge> toRoute = graph.edges().stream()
                .filter(e -> !routes.containsKey(e) && boxes.containsKey(e.from()) && boxes.containsKey(e.to())
                        && !e.from().equals(e.to()))
                .toList();
        if (!toRoute.isEmpty()) {
            OrthogonalRouter router = new OrthogonalRouter(boxes.values());
            for (LineageGraph.Edge e : toRoute) {
                List<Point> pts = router.route(boxes.get(cause(e)), boxes.get(effect(e)));
                if (isReference(e)) {
                    java.util.Collections.reverse(pts);
                }
                routes.put(e, pts);
            }
        }
        double width = 0;
        double height = 0;
        for (Box b : boxes.values()) {
            width = Math.max(width, b.maxX() + PADDING);
            height = Math.max(height, b.maxY() + PADDING);
        }
        for (List<Point> pts : routes.values()) {
            for (Point p : pts) {
                width = Math.max(width, p.x() + PADDING);
                height = Math.max(height, p.y() + PADDING);
            }
        }
        return new Result(boxes, routes, width, height);
    }

    /**
     * Columns: the x of the existing layers; a new node goes one column right of the node it comes
     * from (or left of the node it leads to), in a band starting below the lowest box or route.
     */
    private static void placeBelow(Result previous, LineageGraph graph, List<LineageGraph.Node> fresh,
                                   Function<LineageGraph.Node, double[]> size, Map<String, Box> boxes) {
        TreeSet<Double> columnXs = new TreeSet<>();
        double maxWidth = 0;
        double bottom = 0;
        double left = Double.MAX_VALUE;
        for (Box b : previous.nodes().values()) {
            columnXs.add(Math.rint(b.x()));
            maxWidth = Math.max(maxWidth, b.width());
            bottom = Math.max(bottom, b.maxY());
            left = Math.min(left, b.x());
        }
        for (List<Point> pts : previous.edges().values()) {
            for (Point p : pts) {
                bottom = Math.max(bottom, p.y());
            }
        }
        List<Double> xs = mergeClose(columnXs, maxWidth / 2);
        double pitch = xs.size() > 1 ? (xs.get(xs.size() - 1) - xs.get(0)) / (xs.size() - 1) : maxWidth + LAYER_GAP;
        pitch = Math.max(pitch, maxWidth + LAYER_GAP);

        // column index per node: the existing ones from their x, the new ones from a neighbour's
        Map<String, Integer> column = new HashMap<>();
        previous.nodes().forEach((id, b) -> column.put(id, nearest(xs, b.x())));
        Map<String, List<String[]>> adjacent = new HashMap<>();
        for (LineageGraph.Edge e : graph.edges()) {
            adjacent.computeIfAbsent(cause(e), k -> new ArrayList<>()).add(new String[]{effect(e), "+1"});
            adjacent.computeIfAbsent(effect(e), k -> new ArrayList<>()).add(new String[]{cause(e), "-1"});
        }
        Map<String, Double> anchorY = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(previous.nodes().keySet());
        java.util.Set<String> freshIds = new java.util.HashSet<>();
        fresh.forEach(n -> freshIds.add(n.id()));
        while (!queue.isEmpty()) {
            String id = queue.poll();
            for (String[] next : adjacent.getOrDefault(id, List.of())) {
                if (freshIds.contains(next[0]) && !column.containsKey(next[0])) {
                    column.put(next[0], column.get(id) + Integer.parseInt(next[1]));
                    Box b = boxes.get(id);
                    anchorY.put(next[0], b != null ? b.y() : anchorY.getOrDefault(id, 0.0));
                    queue.add(next[0]);
                }
            }
        }
        // unconnected newcomers (nothing links them to the picture) start a column of their own
        for (LineageGraph.Node n : fresh) {
            column.putIfAbsent(n.id(), 0);
        }
        List<LineageGraph.Node> ordered = new ArrayList<>(fresh);
        ordered.sort(Comparator.comparingDouble(n -> anchorY.getOrDefault(n.id(), 0.0)));
        Map<Integer, Double> nextY = new HashMap<>();
        double top = bottom + LAYER_GAP;
        double x0 = xs.isEmpty() ? left : xs.get(0);
        for (LineageGraph.Node n : ordered) {
            int c = column.get(n.id());
            double[] wh = size.apply(n);
            double x = c >= 0 && c < xs.size() ? xs.get(c) : x0 + c * pitch;
            double y = nextY.getOrDefault(c, top);
            boxes.put(n.id(), new Box(x, y, wh[0], wh[1]));
            nextY.put(c, y + wh[1] + NODE_GAP);
        }
    }

    private static List<Double> mergeClose(TreeSet<Double> xs, double within) {
        List<Double> out = new ArrayList<>();
        for (double x : xs) {
            if (out.isEmpty() || x - out.get(out.size() - 1) > within) {
                out.add(x);
            }
        }
        return out;
    }

    private static int nearest(List<Double> xs, double x) {
        int best = 0;
        for (int i = 1; i < xs.size(); i++) {
            if (Math.abs(xs.get(i) - x) < Math.abs(xs.get(best) - x)) {
                best = i;
            }
        }
        return best;
    }

    /** The smallest box around every node in {@code ids} and every route between two of them. */
    public static Box bounds(Result r, java.util.Set<String> ids) {
        double minX = Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (String id : ids) {
            Box b = r.nodes().get(id);
            if (b != null) {
                minX = Math.min(minX, b.x());
                minY = Math.min(minY, b.y());
                maxX = Math.max(maxX, b.maxX());
                maxY = Math.max(maxY, b.maxY());
            }
        }
        for (Map.Entry<LineageGraph.Edge, List<Point>> e : r.edges().entrySet()) {
            if (ids.contains(e.getKey().from()) && ids.contains(e.getKey().to())) {
                for (Point p : e.getValue()) {
                    minX = Math.min(minX, p.x());
                    minY = Math.min(minY, p.y());
                    maxX = Math.max(maxX, p.x());
                    maxY = Math.max(maxY, p.y());
                }
            }
        }
        if (minX > maxX) {
            return new Box(0, 0, 0, 0);
        }
        return new Box(minX, minY, maxX - minX, maxY - minY);
    }
}
