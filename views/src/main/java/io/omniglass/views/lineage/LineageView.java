package io.omniglass.views.lineage;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.LineageGraph;
import javafx.beans.binding.Bindings;
import javafx.css.PseudoClass;
import javafx.geometry.Bounds;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Group;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.OverrunStyle;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.Separator;
import javafx.scene.control.Spinner;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextArea;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Pane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Polygon;
import javafx.scene.shape.Polyline;
import javafx.scene.shape.Rectangle;
import javafx.scene.text.Text;
import javafx.scene.transform.Scale;
import javafx.scene.transform.Translate;
import javafx.stage.FileChooser;

import java.io.File;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The lineage graph as a custom control: kind-coloured boxes placed by {@link LineageLayout}, edges
 * routed around them. Fit, zoom (wheel at the pointer, buttons) and pan (drag the background); a click
 * selects a node and lights up its upstream and downstream, dimming the rest; each node that has more
 * links than are loaded says so ("3 of 12 +", click to expand); a branch can be hidden behind its node
 * ("5 hidden", click to show) and the graph exported to CSV.
 */
public final class LineageView extends BorderPane {

    private static final PseudoClass ON_PATH = PseudoClass.getPseudoClass("on-path");
    private static final PseudoClass SELECTED = PseudoClass.getPseudoClass("selected");
    private static final PseudoClass DIMMED = PseudoClass.getPseudoClass("dimmed");
    private static final double FIT_PADDING = 24;
    private static final double MIN_ZOOM = 0.05;
    private static final double MAX_ZOOM = 3;

    private final LineageViewModel vm;
    private final Pane viewport = new Pane();
    private final Group content = new Group();
    private final Translate pan = new Translate();
    private final Scale zoom = new Scale(1, 1, 0, 0);
    private final Map<String, Label> nodeViews = new HashMap<>();
    private final Map<String, Polyline> edgeViews = new HashMap<>();
    private final Map<String, Polygon> arrowViews = new HashMap<>();
    private final Map<String, Label> badgeViews = new HashMap<>();
    private double dragX;
    private double dragY;
    private boolean fitPending;
    private Set<String> drawnBefore = Set.of();

    public LineageView(LineageViewModel vm) {
        this.vm = vm;
        Label title = new Label();
        title.getStyleClass().add("section-title");
        title.textProperty().bind(vm.titleProperty());
        Spinner<Integer> depth = new Spinner<>(1, 8, vm.depthProperty().get());
        depth.setId("lineage-depth");
        depth.setPrefWidth(72);
        depth.valueProperty().addListener((o, a, b) -> vm.depthProperty().set(b));
        vm.depthProperty().addListener((o, a, b) -> depth.getValueFactory().setValue(b.intValue()));

        Button expand = button("lineage-expand", "Expand", "Load the links of the selected node that are not shown (double-click a node)",
                () -> withSelected(vm::expand));
        Button hide = button("lineage-hide", "Hide branch", "Hide what hangs off the graph only through the selected node",
                () -> withSelected(vm::hideBranch));
        Button showAll = button("lineage-show-all", "Show hidden", "Show every hidden branch again", vm::unhideAll);
        showAll.disableProperty().bind(Bindings.createBooleanBinding(() -> vm.collapsedProperty().get().isEmpty(), vm.collapsedProperty()));
        Button tidy = button("lineage-tidy", "Tidy", "Lay the shown graph out afresh (nodes may move)", vm::tidy);
        Button zoomOut = button("lineage-zoom-out", "−", "Zoom out (wheel)", () -> zoomAt(1 / 1.25, viewport.getWidth() / 2, viewport.getHeight() / 2));
        Button zoomIn = button("lineage-zoom-in", "+", "Zoom in (wheel)", () -> zoomAt(1.25, viewport.getWidth() / 2, viewport.getHeight() / 2));
        Button fit = button("lineage-fit", "Fit", "Show the whole graph", this::fit);
        Button actual = button("lineage-actual-size", "100%", "Actual size", () -> zoomAt(1 / zoom.getX(), viewport.getWidth() / 2, viewport.getHeight() / 2));
        Button export = button("lineage-export", "Export CSV…", "Nodes and edges as two CSV files (NAME-nodes.csv, NAME-edges.csv)", this::chooseExport);
        export.disableProperty().bind(vm.exportingProperty());
        ProgressBar progress = new ProgressBar();
        progress.setId("lineage-export-progress");
        progress.setPrefWidth(110);
        progress.progressProperty().bind(vm.exportProgressProperty());
        Button cancel = button("lineage-export-cancel", "Cancel", "Stop the export and remove its files", vm::cancelExport);
        for (Region r : List.of(progress, cancel)) {
            r.visibleProperty().bind(vm.exportingProperty());
            r.managedProperty().bind(vm.exportingProperty());
        }
        Label status = new Label();
        status.setId("lineage-status");
        status.getStyleClass().add("muted-text");
        status.textProperty().bind(vm.statusProperty());
        HBox bar = new HBox(6, new Label("Depth"), depth, expand, hide, showAll, tidy, new Separator(Orientation.VERTICAL),
                zoomOut, zoomIn, fit, actual, new Separator(Orientation.VERTICAL), export, progress, cancel, status);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(6, 8, 6, 8));
        HBox titleBar = new HBox(title);
        titleBar.setPadding(new Insets(0, 8, 4, 8));

        viewport.setId("lineage-canvas");
        viewport.getStyleClass().add("lineage-canvas");
        Rectangle clip = new Rectangle();
        clip.widthProperty().bind(viewport.widthProperty());
        clip.heightProperty().bind(viewport.heightProperty());
        viewport.setClip(clip);
        viewport.setMinSize(0, 0);
        content.getTransforms().addAll(pan, zoom);
        viewport.getChildren().add(content);
        viewport.setOnMousePressed(e -> {
            dragX = e.getX();
            dragY = e.getY();
        });
        viewport.setOnMouseDragged(e -> {
            if (e.getButton() == MouseButton.PRIMARY || e.getButton() == MouseButton.MIDDLE) {
                pan.setX(pan.getX() + e.getX() - dragX);
                pan.setY(pan.getY() + e.getY() - dragY);
                dragX = e.getX();
                dragY = e.getY();
            }
        });
        viewport.setOnScroll(e -> {
            if (e.getDeltaY() != 0) {
                zoomAt(e.getDeltaY() > 0 ? 1.15 : 1 / 1.15, e.getX(), e.getY());
                e.consume();
            }
        });
        viewport.setOnMouseClicked(e -> {
            viewport.requestFocus();
            if (e.getTarget() == viewport && e.isStillSincePress()) {
                vm.selectedProperty().set(null);
            }
        });
        // with the graph focused: + and - zoom, 0 fits, Escape clears the selection
        viewport.setFocusTraversable(true);
        viewport.setOnKeyPressed(e -> {
            switch (e.getCode()) {
                case PLUS, EQUALS, ADD -> zoomAt(1.25, viewport.getWidth() / 2, viewport.getHeight() / 2);
                case MINUS, SUBTRACT -> zoomAt(1 / 1.25, viewport.getWidth() / 2, viewport.getHeight() / 2);
                case DIGIT0, NUMPAD0 -> fit();
                case ESCAPE -> vm.selectedProperty().set(null);
                default -> {
                    return;
                }
            }
            e.consume();
        });
        // the first time the screen has a size, and whenever a new graph arrived while it had none
        viewport.widthProperty().addListener((o, a, b) -> fitIfPending());
        viewport.heightProperty().addListener((o, a, b) -> fitIfPending());

        TextArea details = new TextArea();
        details.setId("lineage-details");
        details.setEditable(false);
        details.setWrapText(true);
        vm.selectedProperty().addListener((o, a, n) -> details.setText(n == null ? "" : describe(n, vm.links(n.id()))));
        Label detailsTitle = new Label("Details");
        detailsTitle.getStyleClass().add("section-title");
        Label legend = new Label("Click: select, its upstream and downstream light up · double-click or \"n of m +\": expand · "
                + "drag: pan · wheel or + / −: zoom · 0: fit · Esc: clear");
        legend.setWrapText(true);
        legend.getStyleClass().add("muted-text");
        VBox side = new VBox(6, detailsTitle, details, legend);
        side.setPadding(new Insets(8));
        side.setMinWidth(220);
        VBox.setVgrow(details, Priority.ALWAYS);
        SplitPane split = new SplitPane(new ProgressOverlay(viewport, vm.busy().busyProperty()), side);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.76);

        Label error = Labels.message(vm.errorProperty(), "error-label");
        setTop(new VBox(bar, titleBar, error));
        setCenter(split);
        vm.freshLayoutsProperty().addListener((o, a, n) -> fitPending = true);
        vm.layoutProperty().addListener((o, a, r) -> render());
        vm.visibleProperty().addListener((o, a, v) -> render());
        vm.collapsedProperty().addListener((o, a, c) -> render());
        vm.highlightedProperty().addListener((o, a, h) -> highlight());
        // another node with the same paths leaves the highlight set equal (no change event): the
        // selection itself must still move
        vm.selectedProperty().addListener((o, a, n) -> highlight());
        render();
    }

    private Button button(String id, String text, String tip, Runnable action) {
        Button b = new Button(text);
        b.setId(id);
        b.setTooltip(new Tooltip(tip));
        b.setOnAction(e -> action.run());
        return b;
    }

    private void withSelected(java.util.function.Consumer<LineageGraph.Node> action) {
        LineageGraph.Node n = vm.selectedProperty().get();
        if (n != null) {
            action.accept(n);
        }
    }

    static String describe(LineageGraph.Node n, LineageViewModel.Links links) {
        String d = n.details() == null ? "" : n.details().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n"));
        return n.kind() + "\n" + n.label() + "\n\nlinks: " + links + " loaded\nid: " + n.id() + "\n\n" + d;
    }

    private void render() {
        content.getChildren().clear();
        nodeViews.clear();
        edgeViews.clear();
        arrowViews.clear();
        badgeViews.clear();
        LineageGraph g = vm.graphProperty().get();
        LineageLayout.Result r = vm.layoutProperty().get();
        Set<String> visible = vm.visibleProperty().get();
        if (g == null || g.nodes().isEmpty()) {
            Text t = new Text(20, 30, "No lineage to show: open it from an alarm (Ctrl+L) or a current value.");
            t.getStyleClass().add("muted-text");
            content.getChildren().add(t);
            return;
        }
        r.edges().forEach((edge, pts) -> {
            if (pts.size() < 2 || !visible.contains(edge.from()) || !visible.contains(edge.to())) {
                return;
            }
            Polyline line = new Polyline();
            pts.forEach(p -> line.getPoints().addAll(p.x(), p.y()));
            line.getStyleClass().add("lineage-edge");
            Tooltip.install(line, new Tooltip(edge.label()));
            Polygon arrow = arrow(pts.get(pts.size() - 2), pts.get(pts.size() - 1));
            arrow.getStyleClass().add("lineage-arrow");
            String key = edge.from() + "->" + edge.to();
            edgeViews.put(key, line);
            arrowViews.put(key, arrow);
            content.getChildren().addAll(line, arrow);
        });
        Map<String, Set<String>> collapsed = vm.collapsedProperty().get();
        for (LineageGraph.Node n : g.nodes()) {
            LineageLayout.Box b = r.nodes().get(n.id());
            if (b == null || !visible.contains(n.id())) {
                continue;
            }
            Label l = new Label(n.kind() + "\n" + n.label());
            l.getStyleClass().addAll("lineage-node", "kind-" + n.kind().replaceAll("[^a-z_]", ""));
            l.setId("lineage-node-" + n.id().replaceAll("[^A-Za-z0-9_-]", "_"));
            l.setWrapText(true); // kind, then the label over up to two lines, then the count
            l.setTextOverrun(OverrunStyle.ELLIPSIS);
            l.setAlignment(Pos.TOP_LEFT);
            l.setTooltip(new Tooltip(n.kind() + "\n" + n.label()));
            l.setLayoutX(b.x());
            l.setLayoutY(b.y());
            l.setPrefSize(b.width(), b.height());
            l.setMinSize(b.width(), b.height());
            l.setMaxSize(b.width(), b.height());
            l.setOnMouseClicked(e -> {
                vm.selectedProperty().set(n);
                if (e.getClickCount() == 2) {
                    vm.expand(n);
                }
                e.consume();
            });
            nodeViews.put(n.id(), l);
            content.getChildren().add(l);
            Label badge = badge(n, collapsed.get(n.id()));
            if (badge != null) {
                badge.layoutXProperty().bind(Bindings.createDoubleBinding(() -> b.maxX() - badge.getWidth() - 5, badge.widthProperty()));
                badge.setLayoutY(b.maxY() - 19);
                badgeViews.put(n.id(), badge);
                content.getChildren().add(badge);
            }
        }
        highlight();
        // a new graph is fitted; nodes that came in (expanded, unhidden) and fall outside the view
        // make it fit again; otherwise the operator's zoom and pan stay as they are
        Set<String> newcomers = new HashSet<>(nodeViews.keySet());
        newcomers.removeAll(drawnBefore);
        drawnBefore = Set.copyOf(nodeViews.keySet());
        if (fitPending || !newcomers.isEmpty() && !inView(newcomers)) {
            fitPending = false;
            fit();
        }
    }

    /** "3 of 12 +" when links are not loaded (click: expand), "5 hidden" when a branch is hidden behind it (click: show). */
    private Label badge(LineageGraph.Node n, Set<String> hiddenBehind) {
        String id = n.id().replaceAll("[^A-Za-z0-9_-]", "_");
        if (hiddenBehind != null) {
            Label b = new Label(hiddenBehind.size() + " hidden");
            b.setId("lineage-unhide-" + id);
            b.getStyleClass().addAll("lineage-count", "lineage-collapsed");
            b.setTooltip(new Tooltip("Show the " + hiddenBehind.size() + " nodes hidden behind this one"));
            b.setOnMouseClicked(e -> {
                vm.unhide(n.id());
                e.consume();
            });
            return b;
        }
        LineageViewModel.Links links = vm.links(n.id());
        if (links.complete()) {
            return null;
        }
        boolean expandable = vm.canExpand(n);
        Label b = new Label(links + (expandable ? " +" : ""));
        b.setId("lineage-count-" + id);
        b.getStyleClass().add("lineage-count");
        b.setTooltip(new Tooltip(links.loaded() + " of its " + links.total() + " links are loaded"
                + (expandable ? ": click to load the next ring" : vm.isExpanded(n) ? " (the core returns at most 25 per relation)"
                : " (the core cannot walk from this kind of node)")));
        if (expandable) {
            b.getStyleClass().add("lineage-expandable");
            b.setOnMouseClicked(e -> {
                vm.selectedProperty().set(n);
                vm.expand(n);
                e.consume();
            });
        }
        return b;
    }

    private static Polygon arrow(LineageLayout.Point from, LineageLayout.Point to) {
        double angle = Math.atan2(to.y() - from.y(), to.x() - from.x());
        double len = 9;
        double spread = Math.toRadians(25);
        return new Polygon(to.x(), to.y(),
                to.x() - len * Math.cos(angle - spread), to.y() - len * Math.sin(angle - spread),
                to.x() - len * Math.cos(angle + spread), to.y() - len * Math.sin(angle + spread));
    }

    private void highlight() {
        Set<String> p = vm.highlightedProperty().get() == null ? Set.of() : vm.highlightedProperty().get();
        LineageGraph.Node sel = vm.selectedProperty().get();
        boolean dim = sel != null && !p.isEmpty();
        nodeViews.forEach((id, l) -> {
            l.pseudoClassStateChanged(ON_PATH, dim && p.contains(id));
            l.pseudoClassStateChanged(SELECTED, sel != null && sel.id().equals(id));
            l.pseudoClassStateChanged(DIMMED, dim && !p.contains(id));
        });
        badgeViews.forEach((id, b) -> b.pseudoClassStateChanged(DIMMED, dim && !p.contains(id)));
        edgeViews.forEach((key, line) -> {
            line.pseudoClassStateChanged(ON_PATH, dim && p.contains(key));
            line.pseudoClassStateChanged(DIMMED, dim && !p.contains(key));
            arrowViews.get(key).pseudoClassStateChanged(ON_PATH, dim && p.contains(key));
            arrowViews.get(key).pseudoClassStateChanged(DIMMED, dim && !p.contains(key));
        });
    }

    // ------------------------------------------------------------------ fit, zoom, pan

    /** Scales and centres the visible graph into the viewport (never above 100 %: small graphs stay crisp). */
    public void fit() {
        double w = viewport.getWidth();
        double h = viewport.getHeight();
        if (w <= 0 || h <= 0) {
            fitPending = true;
            return;
        }
        LineageLayout.Box b = LineageLayout.bounds(vm.layoutProperty().get(), vm.visibleProperty().get());
        if (b.width() <= 0 || b.height() <= 0) {
            return;
        }
        double s = Math.max(MIN_ZOOM, Math.min(1.0, Math.min((w - 2 * FIT_PADDING) / b.width(), (h - 2 * FIT_PADDING) / b.height())));
        zoom.setX(s);
        zoom.setY(s);
        pan.setX((w - b.width() * s) / 2 - b.x() * s);
        pan.setY((h - b.height() * s) / 2 - b.y() * s);
    }

    private void fitIfPending() {
        if (fitPending && !vm.graphProperty().get().nodes().isEmpty()) {
            fitPending = false;
            fit();
        }
    }

    /** Zooms by {@code factor} keeping the graph point under ({@code x}, {@code y}) where it is. */
    private void zoomAt(double factor, double x, double y) {
        double s = zoom.getX();
        double next = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, s * factor));
        double gx = (x - pan.getX()) / s;
        double gy = (y - pan.getY()) / s;
        zoom.setX(next);
        zoom.setY(next);
        pan.setX(x - gx * next);
        pan.setY(y - gy * next);
    }

    /** Whether the nodes {@code ids} lie inside the viewport as it is panned and zoomed now. */
    private boolean inView(Set<String> ids) {
        if (viewport.getWidth() <= 0) {
            return true;
        }
        LineageLayout.Box b = LineageLayout.bounds(vm.layoutProperty().get(), ids);
        double s = zoom.getX();
        double x0 = pan.getX() + b.x() * s;
        double y0 = pan.getY() + b.y() * s;
        return x0 >= 0 && y0 >= 0 && x0 + b.width() * s <= viewport.getWidth() && y0 + b.height() * s <= viewport.getHeight();
    }

    private void chooseExport() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Export the lineage graph (nodes and edges, two CSV files)");
        String root = vm.rootId() == null ? "lineage" : "lineage-" + vm.rootId().replaceAll("[^A-Za-z0-9_-]+", "-");
        chooser.setInitialFileName(root + ".csv");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV", "*.csv"));
        File f = chooser.showSaveDialog(getScene() == null ? null : getScene().getWindow());
        if (f != null) {
            vm.exportCsv(f.toPath());
        }
    }

    public Pane canvas() {
        return viewport;
    }

    /** The zoom now (1 = 100 %). */
    public double zoom() {
        return zoom.getX();
    }

    List<String> nodeIds() {
        return List.copyOf(nodeViews.keySet());
    }

    /** The node's box in the viewport's coordinates, as drawn now (for tests and the tour). */
    public Bounds nodeBoundsInViewport(String id) {
        Label l = nodeViews.get(id);
        return l == null ? null : viewport.sceneToLocal(l.localToScene(l.getBoundsInLocal()));
    }
}
