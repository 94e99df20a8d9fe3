package io.omniglass.views.lineage;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LineageService;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * A lineage graph grown on demand: the root datapoint's graph at the chosen depth, then more
 * nodes merged in when the operator expands one. Selecting a node highlights its path to the root.
 */
public final class LineageViewModel {

    private final LineageService service;
    private final BackgroundExecutor executor;
    private final ObjectProperty<LineageGraph> graph = new SimpleObjectProperty<>(new LineageGraph(List.of(), List.of()));
    private final ObjectProperty<LineageGraph.Node> selected = new SimpleObjectProperty<>();
    private final ObjectProperty<Set<String>> highlighted = new SimpleObjectProperty<>(Set.of());
    private final IntegerProperty depth = new SimpleIntegerProperty(3);
    private final StringProperty title = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty();
    private final Busy busy = new Busy();
    private String tenant;
    private String rootId;
    private Callable<LineageGraph> rootQuery;
    private final Set<String> expanded = new LinkedHashSet<>();

    public LineageViewModel(LineageService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        selected.addListener((o, a, node) -> highlighted.set(node == null ? Set.of() : pathToRoot(node.id())));
        depth.addListener((o, a, b) -> reload());
    }

    public void openDatapoint(String tenant, String kind, long seriesId, Instant ts) {
        this.tenant = tenant;
        title.set(kind + " datapoint of series " + seriesId + " at " + ts);
        rootQuery = () -> service.ofDatapoint(tenant, kind, seriesId, ts, depth.get());
        reload();
    }

    public void openAlarm(String tenant, io.omniglass.views.services.Alarm alarm) {
        this.tenant = tenant;
        title.set("alarm #" + alarm.id() + " · " + alarm.owner() + " · " + alarm.message());
        rootQuery = () -> service.ofAlarm(tenant, alarm, depth.get());
        reload();
    }

    public void reload() {
        if (rootQuery == null) {
            return;
        }
        Callable<LineageGraph> q = rootQuery;
        expanded.clear();
        busy.begin();
        executor.submit(q, g -> {
            busy.end();
            error.set(null);
            rootId = g.nodes().isEmpty() ? null : g.nodes().get(0).id();
            graph.set(g);
            selected.set(g.nodes().isEmpty() ? null : g.nodes().get(0));
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    /** Fetches the lineage behind a node and merges it into the graph. */
    public void expand(LineageGraph.Node node) {
        if (node.ref() == null || !expanded.add(node.id())) {
            return;
        }
        String t = tenant;
        busy.begin();
        executor.submit(() -> service.ofRef(t, node.ref(), depth.get()), more -> {
            busy.end();
            graph.set(merge(graph.get(), more));
        }, e -> {
            busy.end();
            expanded.remove(node.id());
            error.set(Messages.readable(e));
        });
    }

    public boolean isExpanded(LineageGraph.Node node) {
        return expanded.contains(node.id());
    }

    static LineageGraph merge(LineageGraph a, LineageGraph b) {
        Map<String, LineageGraph.Node> nodes = new LinkedHashMap<>();
        a.nodes().forEach(n -> nodes.put(n.id(), n));
        b.nodes().forEach(n -> nodes.putIfAbsent(n.id(), n));
        Set<LineageGraph.Edge> edges = new LinkedHashSet<>(a.edges());
        edges.addAll(b.edges());
        return new LineageGraph(new ArrayList<>(nodes.values()), new ArrayList<>(edges));
    }

    /** Node ids (and edge keys "from->to") on the shortest undirected path from the root to {@code id}. */
    Set<String> pathToRoot(String id) {
        LineageGraph g = graph.get();
        if (rootId == null || g == null) {
            return Set.of(id);
        }
        Map<String, List<String>> adj = new HashMap<>();
        for (LineageGraph.Edge e : g.edges()) {
            adj.computeIfAbsent(e.from(), k -> new ArrayList<>()).add(e.to());
            adj.computeIfAbsent(e.to(), k -> new ArrayList<>()).add(e.from());
        }
        Map<String, String> parent = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(rootId));
        parent.put(rootId, rootId);
        while (!queue.isEmpty()) {
            String cur = queue.poll();
            if (cur.equals(id)) {
                break;
            }
            for (String next : adj.getOrDefault(cur, List.of())) {
                if (parent.putIfAbsent(next, cur) == null) {
                    queue.add(next);
                }
            }
        }
        if (!parent.containsKey(id)) {
            return Set.of(id);
        }
        Set<String> path = new LinkedHashSet<>();
        String cur = id;
        path.add(cur);
        while (!cur.equals(rootId)) {
            String p = parent.get(cur);
            path.add(p + "->" + cur);
            path.add(cur + "->" + p);
            path.add(p);
            cur = p;
        }
        return path;
    }

    public ObjectProperty<LineageGraph> graphProperty() {
        return graph;
    }

    public ObjectProperty<LineageGraph.Node> selectedProperty() {
        return selected;
    }

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

    public Busy busy() {
        return busy;
    }

    public String rootId() {
        return rootId;
    }
}
