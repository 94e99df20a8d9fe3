package io.omniglass.views.lineage;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.LineageGraph;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Group;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Polygon;
import javafx.scene.shape.Polyline;
import javafx.scene.text.Text;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The lineage graph as a custom control: boxes per node (kind-coloured), orthogonal edges from the
 * ELK layered layout. Click a node for its details and its path to the root; double-click (or
 * "Expand") to fetch what lies behind it.
 */
public final class LineageView extends BorderPane {

    private static final PseudoClass ON_PATH = PseudoClass.getPseudoClass("on-path");
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");

    private final LineageViewModel vm;
    private final Pane canvas = new Pane();
    private final Map<String, Label> nodeViews = new HashMap<>();
    private final Map<String, Polyline> edgeViews = new HashMap<>();

    public LineageView(LineageViewModel vm) {
        this.vm = vm;
        Label title = new Label();
        title.getStyleClass().add("section-title");
        title.textProperty().bind(vm.titleProperty());
        Spinner<Integer> depth = new Spinner<>(1, 10, vm.depthProperty().get());
        depth.setId("lineage-depth");
        depth.setPrefWidth(80);
        depth.valueProperty().addListener((o, a, b) -> vm.depthProperty().set(b));
        Button expand = new Button("Expand selected");
        expand.setOnAction(e -> {
            if (vm.selectedProperty().get() != null) {
                vm.expand(vm.selectedProperty().get());
            }
        });
        HBox bar = new HBox(8, new Label("Depth"), depth, expand, title);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));

        canvas.setId("lineage-canvas");
        canvas.getStyleClass().add("lineage-canvas");
        ScrollPane scroll = new ScrollPane(new Group(canvas));
        scroll.setPannable(true);

        TextArea details = new TextArea();
        details.setId("lineage-details");
        details.setEditable(false);
        details.setWrapText(true);
        vm.selectedProperty().addListener((o, a, n) -> details.setText(n == null ? "" : describe(n)));
        Label detailsTitle = new Label("Details");
        detailsTitle.getStyleClass().add("section-title");
        VBox side = new VBox(6, detailsTitle, details);
        side.setPadding(new Insets(8));
        VBox.setVgrow(details, javafx.scene.layout.Priority.ALWAYS);
        SplitPane split = new SplitPane(new ProgressOverlay(scroll, vm.busy().busyProperty()), side);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.74);

        Label empty = Labels.message(vm.errorProperty(), "error-label");
        setTop(new VBox(bar, empty));
        setCenter(split);
        vm.graphProperty().addListener((o, a, g) -> render(g));
        vm.highlightedProperty().addListener((o, a, h) -> highlight(h));
        render(vm.graphProperty().get());
    }

    static String describe(LineageGraph.Node n) {
        String d = n.details() == null ? "" : n.details().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n"));
        return n.kind() + "\n" + n.label() + "\n\n" + d;
    }

    private void render(LineageGraph g) {
        canvas.getChildren().clear();
        nodeViews.clear();
        edgeViews.clear();
        if (g == null || g.nodes().isEmpty()) {
            Text t = new Text(20, 30, "No lineage to show: open it from an alarm or a current value.");
            t.getStyleClass().add("muted-text");
            canvas.getChildren().add(t);
            return;
        }
        Map<String, Label> labels = new HashMap<>();
        for (LineageGraph.Node n : g.nodes()) {
            Label l = new Label(n.kind() + "\n" + n.label());
            l.getStyleClass().addAll("lineage-node", "kind-" + n.kind().replaceAll("[^a-z_]", ""));
            l.setId("lineage-node-" + n.id().replaceAll("[^A-Za-z0-9_-]", "_"));
            l.setOnMouseClicked(e -> {
                vm.selectedProperty().set(n);
                if (e.getClickCount() == 2) {
                    vm.expand(n);
                }
            });
            labels.put(n.id(), l);
        }
        // measure labels with the current CSS so ELK lays out the real sizes
        Group probe = new Group(labels.values().toArray(new Label[0]));
        canvas.getChildren().add(probe);
        probe.applyCss();
        probe.layout();
        LineageLayout.Result r = LineageLayout.layout(g, n -> {
            Label l = labels.get(n.id());
            return new double[]{Math.max(120, l.prefWidth(-1) + 16), Math.max(40, l.prefHeight(-1) + 10)};
        });
        canvas.getChildren().clear();
        r.edges().forEach((edge, pts) -> {
            if (pts.size() < 2) {
                return;
            }
            Polyline line = new Polyline();
            pts.forEach(p -> line.getPoints().addAll(p.x(), p.y()));
            line.getStyleClass().add("lineage-edge");
            LineageLayout.Point end = pts.get(pts.size() - 1);
            LineageLayout.Point before = pts.get(pts.size() - 2);
            Polygon arrow = arrow(before, end);
            arrow.getStyleClass().add("lineage-arrow");
            edgeViews.put(edge.from() + "->" + edge.to(), line);
            canvas.getChildren().addAll(line, arrow);
        });
        for (LineageGraph.Node n : g.nodes()) {
            LineageLayout.Box b = r.nodes().get(n.id());
            Label l = labels.get(n.id());
            l.setLayoutX(b.x());
            l.setLayoutY(b.y());
            l.setPrefSize(b.width(), b.height());
            l.setMinSize(b.width(), b.height());
            nodeViews.put(n.id(), l);
            canvas.getChildren().add(l);
        }
        canvas.setPrefSize(r.width() + 40, r.height() + 40);
        highlight(vm.highlightedProperty().get());
    }

    private static Polygon arrow(LineageLayout.Point from, LineageLayout.Point to) {
        double angle = Math.atan2(to.y() - from.y(), to.x() - from.x());
        double len = 9;
        double spread = Math.toRadians(25);
        return new Polygon(to.x(), to.y(),
                to.x() - len * Math.cos(angle - spread), to.y() - len * Math.sin(angle - spread),
                to.x() - len * Math.cos(angle + spread), to.y() - len * Math.sin(angle + spread));
    }

    private void highlight(Set<String> path) {
        Set<String> p = path == null ? Set.of() : path;
        LineageGraph.Node sel = vm.selectedProperty().get();
        nodeViews.forEach((id, l) -> {
            l.pseudoClassStateChanged(ON_PATH, p.contains(id));
            l.pseudoClassStateChanged(SELECTED, sel != null && sel.id().equals(id));
        });
        edgeViews.forEach((key, line) -> line.pseudoClassStateChanged(ON_PATH, p.contains(key)));
    }

    public Pane canvas() {
        return canvas;
    }

    List<String> nodeIds() {
        return List.copyOf(nodeViews.keySet());
    }
}
