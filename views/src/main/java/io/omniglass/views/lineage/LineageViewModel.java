package io.omniglass.views.lineage;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LineageService;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lineage graph grown on demand and kept readable: the root's graph at the chosen depth, then one
 * more ring merged in when the operator expands a node, laid out off the UI thread so that the nodes
 * already on screen keep their places ({@link LineageLayout#extend}). Per node the count of its links
 * loaded against all it has ("3 of 12"); selecting a node highlights everything upstream and
 * downstream of it; a branch (what hangs off the root only through one node) can be hidden and shown
 * again; the graph exports to CSV in the background, with progress, cancellable.
 */
public final class LineageViewModel {

    /** Every node's box: fixed, so the layout needs no toolkit to measure text and runs in the background. */
    public static final double NODE_WIDTH = 248;
    public static final double NODE_HEIGHT = 64;

    /** A node's links loaded into the graph against all the core says it has. */
    public record Links(int loaded, int total) {
        public boolean complete() {
            return loaded >= total;
        }

        @Override
        public String toString() {
            return loaded + " of " + total;
        }
    }

    private final LineageService service;
    private final BackgroundExecutor executor;
    private final ObjectProperty<LineageGraph> graph = new SimpleObjectProperty<>(new LineageGraph(List.of(), List.of()));
    private final ObjectProperty<LineageLayout.Result> layout = new SimpleObjectProperty<>(LineageLayout.Result.EMPTY);
    private final ObjectProperty<Set<String>> visible = new SimpleObjectProperty<>(Set.of());
    private final ObjectProperty<Map<String, Set<String>>> collapsed = new SimpleObjectProperty<>(Map.of());
    private final ObjectProperty<LineageGraph.Node> selected = new SimpleObjectProperty<>();
    private final ObjectProperty<Set<String>> highlighted = new SimpleObjectProperty<>(Set.of());
    private final IntegerProperty depth = new SimpleIntegerProperty(3);
    private final StringProperty title = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty();
    private final StringProperty status = new SimpleStringProperty("");
    private final BooleanProperty exporting = new SimpleBooleanProperty(false);
    private final DoubleProperty exportProgress = new SimpleDoubleProperty(0);
    private final IntegerProperty freshLayouts = new SimpleIntegerProperty();
    private final Busy busy = new Busy();
    private final Map<String, Integer> totals = new HashMap<>();
    private final Set<String> expanded = new LinkedHashSet<>();
    private String tenant;
    private String rootId;
    private Callable<LineageGraph> rootQuery;
    private int loads;
    private int layouts;
    private AtomicBoolean cancelExport = new AtomicBoolean();

    public LineageViewModel(LineageService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        selected.addListener((o, a, node) -> highlighted.set(node == null ? Set.of() : paths(node.id())));
        depth.addListener((o, a, b) -> reload());
    }

    public void openDatapoint(String tenant, String kind, long seriesId, Instant ts) {
        this.tenant = tenant;
        title.set(kind + " datapoint of series " + seriesId + " at " + ts);
        rootQuery = () -> service.ofDatapoint(tenant, kind, seriesId, ts, depth.get());
        reload();
    }

    public void openAlarm(String tenant, Alarm alarm) {
        this.tenant = tenant;
        title.set("alarm #" + alarm.id() + " · " + alarm.owner() + " · " + alarm.message());
        rootQuery = () -> service.ofAlarm(tenant, alarm, depth.get());
        reload();
    }

    /** The root's graph afresh, with a fresh layout (hidden branches and expansions are forgotten). */
    public void reload() {
        if (rootQuery == null) {
            return;
        }
        Callable<LineageGraph> q = rootQuery;
        int gen = ++loads;
        layouts++; // a layout still running belongs to the graph being replaced
        busy.begin();
        executor.submit(() -> {
            LineageGraph g = q.call();
            return new Laid(g, LineageLayout.layout(g, LineageViewModel::size));
        }, laid -> {
            busy.end();
            if (gen != loads) {
                return;
            }
            error.set(null);
            status.set("");
            expanded.clear();
            totals.clear();
            collapsed.set(Map.of());
            count(laid.graph);
            rootId = laid.graph.nodes().isEmpty() ? null : laid.graph.nodes().get(0).id();
            graph.set(laid.graph);
            visible.set(allIds(laid.graph));
            freshLayouts.set(freshLayouts.get() + 1);
            layout.set(laid.layout);
            selected.set(laid.graph.nodes().isEmpty() ? null : laid.graph.nodes().get(0));
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    private record Laid(LineageGraph graph, LineageLayout.Result layout) {
    }

    /**
     * Fetches the ring of links around a node and merges it in; the nodes already placed keep their
     * places and the new ones are laid out around them.
     */
    public void expand(LineageGraph.Node node) {
        if (!canExpand(node) || !expanded.add(node.id())) {
            return;
        }
        String t = tenant;
        int gen = loads;
        busy.begin();
        executor.submit(() -> service.ofRef(t, node.ref(), 1), more -> {
            busy.end();
            if (gen != loads) {
                return; // the graph was reloaded meanwhile
            }
            LineageGraph merged = merge(graph.get(), more);
            Set<String> added = allIds(merged);
            added.removeAll(graph.get().nodes().stream().map(LineageGraph.Node::id).toList());
            count(more);
            graph.set(merged);
            Set<String> v = new LinkedHashSet<>(visible.get());
            v.addAll(added);
            visible.set(v);
            status.set(added.isEmpty() ? "nothing more behind " + node.label() : added.size() + " more from " + node.label());
            refreshHighlight(); // the selection's paths may run through the newcomers
            relayout(false);
        }, e -> {
            busy.end();
            expanded.remove(node.id());
            error.set(Messages.readable(e));
        });
    }

    /** Whether the core can say more about the node than the graph shows. */
    public boolean canExpand(LineageGraph.Node node) {
        return node.ref() != null && !expanded.contains(node.id()) && !links(node.id()).complete();
    }

    public boolean isExpanded(LineageGraph.Node node) {
        return expanded.contains(node.id());
    }

    /** Lays the visible graph out from scratch: tidier, but every node may move (the operator asked). */
    public void tidy() {
        relayout(true);
    }

    private void relayout(boolean fresh) {
        LineageLayout.Result previous = layout.get();
        LineageGraph shown = visibleGraph();
        int gen = ++layouts;
        busy.begin();
        executor.submit(() -> fresh ? LineageLayout.layout(shown, LineageViewModel::size)
                : LineageLayout.extend(previous, shown, LineageViewModel::size), r -> {
            busy.end();
            if (gen == layouts) {
                if (fresh) {
                    freshLayouts.set(freshLayouts.get() + 1);
                }
                layout.set(r);
            }
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    static double[] size(LineageGraph.Node n) {
        return new double[]{NODE_WIDTH, NODE_HEIGHT};
    }

    // ------------------------------------------------------------------ counts

    /** A node's total links: the most any answer has shown of it (its links in that answer plus what it left out). */
    private void count(LineageGraph answer) {
        Map<String, Set<String>> nb = neighbours(answer);
        for (LineageGraph.Node n : answer.nodes()) {
            int total = nb.getOrDefault(n.id(), Set.of()).size() + n.hidden();
            totals.merge(n.id(), total, Math::max);
        }
    }

    public Links links(String id) {
        int loaded = neighbours(graph.get()).getOrDefault(id, Set.of()).size();
        return new Links(loaded, Math.max(loaded, totals.getOrDefault(id, loaded)));
    }

    private static Map<String, Set<String>> neighbours(LineageGraph g) {
        Map<String, Set<String>> nb = new HashMap<>();
        for (LineageGraph.Edge e : g.edges()) {
            if (!e.from().equals(e.to())) {
                nb.computeIfAbsent(e.from(), k -> new HashSet<>()).add(e.to());
                nb.computeIfAbsent(e.to(), k -> new HashSet<>()).add(e.from());
            }
        }
        return nb;
    }

    static LineageGraph merge(LineageGraph a, LineageGraph b) {
        Map<String, LineageGraph.Node> nodes = new LinkedHashMap<>();
        a.nodes().forEach(n -> nodes.put(n.id(), n));
        b.nodes().forEach(n -> nodes.putIfAbsent(n.id(), n));
        Set<LineageGraph.Edge> edges = new LinkedHashSet<>(a.edges());
        edges.addAll(b.edges());
        return new LineageGraph(new ArrayList<>(nodes.values()), new ArrayList<>(edges));
    }

    private static Set<String> allIds(LineageGraph g) {
        Set<String> ids = new LinkedHashSet<>();
        g.nodes().forEach(n -> ids.add(n.id()));
        return ids;
    }

    // ------------------------------------------------------------------ highlight

    /**
     * The node, everything upstream of it (what it came from, following edges backwards) and
     * everything downstream (what it caused), with the edges on those paths as "from->to". A
     * record's definition ("of" its rule version or series) counts as upstream of it, so an alarm's
     * downstream does not run back through its rule into every other event of that rule.
     */
    Set<String> paths(String id) {
        LineageGraph g = visibleGraph();
        Set<String> out = new LinkedHashSet<>();
        out.add(id);
        walk(g, id, true, out);
        walk(g, id, false, out);
        return out;
    }

    private static void walk(LineageGraph g, String start, boolean downstream, Set<String> out) {
        Map<String, List<LineageGraph.Edge>> by = new HashMap<>();
        for (LineageGraph.Edge e : g.edges()) {
            by.computeIfAbsent(downstream ? LineageLayout.cause(e) : LineageLayout.effect(e), k -> new ArrayList<>()).add(e);
        }
        Set<String> seen = new HashSet<>(Set.of(start));
        Deque<String> queue = new ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
            String cur = queue.poll();
            for (LineageGraph.Edge e : by.getOrDefault(cur, List.of())) {
                String next = downstream ? LineageLayout.effect(e) : LineageLayout.cause(e);
                out.add(e.from() + "->" + e.to());
                if (seen.add(next)) {
                    out.add(next);
                    queue.add(next);
                }
            }
        }
    }

    // ------------------------------------------------------------------ hide and unhide

    /** Hides what hangs off the root only through {@code node}; the node stays, showing how many it hides. */
    public void hideBranch(LineageGraph.Node node) {
        if (node.id().equals(rootId)) {
            status.set("the root's branch is the whole graph");
            return;
        }
        Set<String> branch = branchBehind(node.id());
        if (branch.isEmpty()) {
            status.set("nothing hangs off the graph through " + node.label() + " alone");
            return;
        }
        Map<String, Set<String>> c = new LinkedHashMap<>(collapsed.get());
        c.put(node.id(), branch);
        collapsed.set(c);
        Set<String> v = new LinkedHashSet<>(visible.get());
        v.removeAll(branch);
        visible.set(v);
        status.set(branch.size() + " hidden behind " + node.label());
        refreshHighlight();
    }

    /** Shows the branch hidden behind {@code id} again, where it was. */
    public void unhide(String id) {
        Map<String, Set<String>> c = new LinkedHashMap<>(collapsed.get());
        if (c.remove(id) == null) {
            return;
        }
        collapsed.set(c);
        restoreVisible();
    }

    public void unhideAll() {
        if (collapsed.get().isEmpty()) {
            return;
        }
        collapsed.set(Map.of());
        restoreVisible();
    }

    private void restoreVisible() {
        Set<String> v = allIds(graph.get());
        collapsed.get().values().forEach(v::removeAll);
        visible.set(v);
        status.set("");
        relayout(false); // boxes kept from before unless a tidy dropped them
        refreshHighlight();
    }

    private void refreshHighlight() {
        LineageGraph.Node s = selected.get();
        if (s != null && !visible.get().contains(s.id())) {
            selected.set(null);
        } else {
            highlighted.set(s == null ? Set.of() : paths(s.id()));
        }
    }

    /** How many shown nodes {@link #hideBranch} would hide behind {@code node}. */
    public int branchSize(LineageGraph.Node node) {
        return node.id().equals(rootId) ? 0 : branchBehind(node.id()).size();
    }

    /** The visible nodes the root reaches only through {@code id} (links followed either way). */
    Set<String> branchBehind(String id) {
        LineageGraph g = visibleGraph();
        Map<String, Set<String>> nb = neighbours(g);
        Set<String> reached = new HashSet<>();
        if (rootId != null && visible.get().contains(rootId)) {
            Deque<String> queue = new ArrayDeque<>(List.of(rootId));
            reached.add(rootId);
            while (!queue.isEmpty()) {
                for (String next : nb.getOrDefault(queue.poll(), Set.of())) {
                    if (!next.equals(id) && reached.add(next)) {
                        queue.add(next);
                    }
                }
            }
        }
        Set<String> branch = new LinkedHashSet<>();
        for (String v : visible.get()) {
            if (!reached.contains(v) && !v.equals(id)) {
                branch.add(v);
            }
        }
        return branch;
    }

    /** The loaded graph without the hidden branches. */
    public LineageGraph visibleGraph() {
        Set<String> v = visible.get();
        LineageGraph g = graph.get();
        return new LineageGraph(g.nodes().stream().filter(n -> v.contains(n.id())).toList(),
                g.edges().stream().filter(e -> v.contains(e.from()) && v.contains(e.to())).toList());
    }

    // ------------------------------------------------------------------ export

    /**
     * Writes the loaded graph as two CSV files beside {@code chosen} ({@code NAME-nodes.csv} and
     * {@code NAME-edges.csv}, see {@link LineageCsv}), hidden branches included and marked, in the
     * background; {@link #cancelExport} stops it and removes what was written.
     */
    public void exportCsv(Path chosen) {
        if (exporting.get()) {
            return;
        }
        LineageGraph g = graph.get();
        Set<String> v = Set.copyOf(visible.get());
        Map<String, Links> counts = new HashMap<>();
        g.nodes().forEach(n -> counts.put(n.id(), links(n.id())));
        AtomicBoolean cancel = new AtomicBoolean();
        cancelExport = cancel;
        LineageCsv.Targets files = LineageCsv.files(chosen);
        exporting.set(true);
        exportProgress.set(0);
        status.set("exporting…");
        executor.submit(() -> LineageCsv.write(g, v, counts, files, cancel,
                        done -> executor.onUiThread(() -> exportProgress.set(done))),
                written -> {
                    exporting.set(false);
                    exportProgress.set(1);
                    status.set("exported " + written.nodes() + " nodes to " + files.nodes().getFileName() + " and "
                            + written.edges() + " edges to " + files.edges().getFileName());
                }, e -> {
                    exporting.set(false);
                    exportProgress.set(0);
                    if (e instanceof LineageCsv.Cancelled) {
                        status.set("export cancelled: nothing written");
                    } else {
                        status.set("");
                        error.set("export failed: " + Messages.readable(e));
                    }
                });
    }

    public void cancelExport() {
        cancelExport.set(true);
    }

    // ------------------------------------------------------------------ properties

    public ObjectProperty<LineageGraph> graphProperty() {
        return graph;
    }

    public ObjectProperty<LineageLayout.Result> layoutProperty() {
        return layout;
    }

    /** Ids of the nodes on screen: the loaded graph less its hidden branches. */
    public ObjectProperty<Set<String>> visibleProperty() {
        return visible;
    }

    /** Per collapsed node, the ids hidden behind it. */
    public ObjectProperty<Map<String, Set<String>>> collapsedProperty() {
        return collapsed;
    }

    public ObjectProperty<LineageGraph.Node> selectedProperty() {
        return selected;
    }

    /** The selected node's upstream and downstream: node ids and edges as "from->to"; empty when nothing is selected. */
    public ObjectProperty<Set<String>> highlightedProperty() {
        return highlighted;
    }

    public IntegerProperty depthProperty() {
        return depth;
    }

    public StringProperty titleProperty() {
        return title;
    }

    public StringProperty errorProperty() {
        return error;
    }

    /** What the last hide, expand or export did, in a few words. */
    public StringProperty statusProperty() {
        return status;
    }

    public BooleanProperty exportingProperty() {
        return exporting;
    }

    /** 0..1 of the rows written. */
    public DoubleProperty exportProgressProperty() {
        return exportProgress;
    }

    /** Counts the layouts made afresh (a new root, a tidy), after which the view fits the graph again. */
    public IntegerProperty freshLayoutsProperty() {
        return freshLayouts;
    }

    public Busy busy() {
        return busy;
    }

    public String rootId() {
        return rootId;
    }
}
