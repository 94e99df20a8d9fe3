package io.omniglass.views.plant;

import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.PlantNode;
import io.omniglass.views.services.PlantVariable;
import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.TreeCell;
import javafx.scene.control.TreeItem;
import javafx.scene.control.TreeView;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.Duration;

import java.io.File;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The plant screen: on the left the search field (type-ahead, Enter opens the first hit) over the
 * tree (lazy levels, a "more" row for a long level, alarm counts on every node); on the right the
 * selected entity: its current values with the last hour as a sparkline, its active alarms and its
 * variables, and the CSV export with its progress and a cancel.
 */
public final class PlantView extends BorderPane {

    private static final PseudoClass ALARMED = PseudoClass.getPseudoClass("alarmed");
    private static final String MORE = "more";

    private final PlantViewModel vm;
    private final TreeView<PlantEntry> tree = new TreeView<>();
    private final Map<PlantEntry, TreeItem<PlantEntry>> items = new IdentityHashMap<>();
    private boolean syncingSelection;

    /** With the platform's save dialog. */
    public PlantView(PlantViewModel vm) {
        this(vm, PlantView::chooseFile);
    }

    /** {@code chooser} asks where to write an export (null: the user cancelled); tests pass their own. */
    public PlantView(PlantViewModel vm, Function<Node, Path> chooser) {
        this.vm = vm;
        setId("plant-view");
        SplitPane split = new SplitPane(left(), right(chooser));
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.34);
        Label error = Labels.message(vm.errorProperty(), "error-label");
        error.setId("plant-error");
        setTop(error);
        setCenter(new ProgressOverlay(split, vm.busy().busyProperty()));
    }

    // ---------------------------------------------------------------- left: search and tree

    private Node left() {
        TextField search = new TextField();
        search.setId("plant-search");
        search.setPromptText("Find an entity by name (Enter opens the first match)");
        search.textProperty().bindBidirectional(vm.queryProperty());
        PauseTransition typing = new PauseTransition(Duration.millis(180));
        typing.setOnFinished(e -> vm.search());
        search.textProperty().addListener((o, a, b) -> typing.playFromStart());
        search.setOnAction(e -> {
            typing.stop();
            if (!vm.hits().isEmpty()) {
                open(vm.hits().get(0), search);
            } else {
                vm.search();
            }
        });

        ListView<PlantNode> hits = new ListView<>(vm.hits());
        hits.setId("plant-hits");
        // as tall as its matches, up to eight rows
        hits.prefHeightProperty().bind(javafx.beans.binding.Bindings.min(8, javafx.beans.binding.Bindings.size(vm.hits())).multiply(26).add(4));
        hits.visibleProperty().bind(javafx.beans.binding.Bindings.isNotEmpty(vm.hits()));
        hits.managedProperty().bind(hits.visibleProperty());
        hits.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(PlantNode n, boolean empty) {
                super.updateItem(n, empty);
                if (empty || n == null) {
                    setText(null);
                    setGraphic(null);
                    return;
                }
                Label name = new Label(n.name());
                name.getStyleClass().add("plant-name");
                Label where = new Label(n.pathIds().isEmpty() ? n.kind() : n.kind() + " in " + String.join(" › ", shortNames(n.pathIds())));
                where.getStyleClass().add("muted");
                HBox row = new HBox(6, kindBadge(n.kind()), name, where);
                row.setAlignment(Pos.CENTER_LEFT);
                setGraphic(row);
                setText(null);
            }
        });
        hits.setOnMouseClicked(e -> {
            PlantNode n = hits.getSelectionModel().getSelectedItem();
            if (n != null) {
                open(n, search);
            }
        });
        hits.setOnKeyPressed(e -> {
            PlantNode n = hits.getSelectionModel().getSelectedItem();
            if (e.getCode() == KeyCode.ENTER && n != null) {
                open(n, search);
            }
        });
        search.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.DOWN && !vm.hits().isEmpty()) {
                hits.requestFocus();
                hits.getSelectionModel().selectFirst();
            } else if (e.getCode() == KeyCode.ESCAPE) {
                vm.queryProperty().set("");
            }
        });
        Label truncated = new Label("more match: type more to narrow");
        truncated.getStyleClass().add("muted");
        truncated.visibleProperty().bind(vm.hitsTruncatedProperty().and(hits.visibleProperty()));
        truncated.managedProperty().bind(truncated.visibleProperty());

        tree.setId("plant-tree");
        tree.getStyleClass().add("plant-tree");
        tree.setShowRoot(false);
        TreeItem<PlantEntry> root = new TreeItem<>();
        tree.setRoot(root);
        bindChildren(root, vm.roots(), null);
        vm.rootsNextProperty().addListener((o, a, b) -> syncChildren(root, vm.roots(), null));
        tree.setCellFactory(t -> new EntryCell());
        tree.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (syncingSelection || b == null || b.getValue() == null) {
                return;
            }
            if (MORE.equals(b.getValue().node().kind())) {
                PlantEntry parent = b.getParent() == null ? null : b.getParent().getValue();
                vm.loadMore(parent);
                return;
            }
            vm.selectedProperty().set(b.getValue());
        });
        vm.selectedProperty().addListener((o, a, b) -> showSelected(b));
        VBox.setVgrow(tree, Priority.ALWAYS);

        Label title = new Label("Plant");
        title.getStyleClass().add("section-title");
        VBox box = new VBox(6, title, search, truncated, hits, tree);
        box.setPadding(new Insets(8));
        return box;
    }

    private void open(PlantNode hit, TextField search) {
        vm.reveal(hit);
        tree.requestFocus();
    }

    private static List<String> shortNames(List<String> ids) {
        return ids.stream().map(id -> id.substring(id.indexOf(':') + 1)).toList();
    }

    /** Mirrors an entry's children (and a "more" row while a cursor is left) into tree items, as they load. */
    private void bindChildren(TreeItem<PlantEntry> item, List<PlantEntry> children, PlantEntry owner) {
        ((javafx.collections.ObservableList<PlantEntry>) children).addListener(
                (ListChangeListener<PlantEntry>) c -> syncChildren(item, children, owner));
        syncChildren(item, children, owner);
    }

    private void syncChildren(TreeItem<PlantEntry> item, List<PlantEntry> children, PlantEntry owner) {
        List<TreeItem<PlantEntry>> out = new java.util.ArrayList<>();
        for (PlantEntry e : children) {
            out.add(items.computeIfAbsent(e, this::itemOf));
        }
        String next = owner == null ? vm.rootsNextProperty().get() : owner.nextProperty().get();
        if (next != null) {
            out.add(new TreeItem<>(new PlantEntry(new PlantNode(MORE, MORE, "more ...", "", 0, 0, null, null, null, List.of()))));
        }
        item.getChildren().setAll(out);
        if (vm.selectedProperty().get() != null) {
            showSelected(vm.selectedProperty().get());
        }
    }

    private TreeItem<PlantEntry> itemOf(PlantEntry e) {
        TreeItem<PlantEntry> item = new TreeItem<>(e) {
            @Override
            public boolean isLeaf() {
                return !e.hasChildren();
            }
        };
        item.setExpanded(e.expandedProperty().get());
        item.expandedProperty().addListener((o, a, b) -> {
            if (b) {
                vm.expand(e);
            } else {
                e.expandedProperty().set(false);
            }
        });
        e.expandedProperty().addListener((o, a, b) -> item.setExpanded(b));
        bindChildren(item, e.children(), e);
        e.nextProperty().addListener((o, a, b) -> syncChildren(item, e.children(), e));
        return item;
    }

    /** Selects (and scrolls to) the tree item of the entry the view-model selected, e.g. a search hit. */
    private void showSelected(PlantEntry e) {
        TreeItem<PlantEntry> item = e == null ? null : items.get(e);
        if (item == null || tree.getSelectionModel().getSelectedItem() == item) {
            return;
        }
        syncingSelection = true;
        try {
            tree.getSelectionModel().select(item);
            int row = tree.getRow(item);
            if (row >= 0) {
                tree.scrollTo(Math.max(0, row - 3));
            }
        } finally {
            syncingSelection = false;
        }
    }

    private static Label kindBadge(String kind) {
        String letter = switch (kind) {
            case "location" -> "L";
            case "system" -> "S";
            case "component" -> "C";
            case "node" -> "N";
            case "signal" -> "~";
            default -> "…";
        };
        Label l = new Label(letter);
        l.getStyleClass().addAll("plant-kind", "plant-kind-" + kind);
        l.setMinWidth(18);
        l.setAlignment(Pos.CENTER);
        return l;
    }

    private static final class EntryCell extends TreeCell<PlantEntry> {
        @Override
        protected void updateItem(PlantEntry e, boolean empty) {
            super.updateItem(e, empty);
            pseudoClassStateChanged(ALARMED, false);
            if (empty || e == null) {
                setText(null);
                setGraphic(null);
                return;
            }
            PlantNode n = e.node();
            if (MORE.equals(n.kind())) {
                Label more = new Label("more ... (click to load the next page)");
                more.getStyleClass().add("muted");
                setGraphic(more);
                setText(null);
                return;
            }
            Label name = new Label(n.name());
            name.getStyleClass().add("plant-name");
            HBox row = new HBox(6, kindBadge(n.kind()), name);
            row.setAlignment(Pos.CENTER_LEFT);
            if (n.displayName() != null && !n.displayName().isBlank() && !n.displayName().equals(n.name())) {
                Label display = new Label(n.displayName());
                display.getStyleClass().add("muted");
                row.getChildren().add(display);
            }
            if (n.childCount() > 0) {
                Label count = new Label("(" + n.childCount() + ")");
                count.getStyleClass().add("muted");
                row.getChildren().add(count);
            }
            if (n.activeAlarms() > 0) {
                Label alarms = new Label(n.activeAlarms() + (n.activeAlarms() == 1 ? " alarm" : " alarms"));
                alarms.getStyleClass().add("plant-alarm-badge");
                row.getChildren().add(alarms);
                pseudoClassStateChanged(ALARMED, true);
            }
            setGraphic(row);
            setText(null);
        }
    }

    // ---------------------------------------------------------------- right: the selected entity

    private Node right(Function<Node, Path> chooser) {
        Label title = new Label();
        title.setId("plant-detail-title");
        title.getStyleClass().add("section-title");
        title.textProperty().bind(javafx.beans.binding.Bindings.when(vm.detailTitleProperty().isEmpty())
                .then("Select an entity in the tree").otherwise(vm.detailTitleProperty()));
        Label path = new Label();
        path.setId("plant-detail-path");
        path.getStyleClass().add("muted");
        path.textProperty().bind(vm.detailPathProperty());

        Button exportSelected = new Button("Export values (CSV) ...");
        exportSelected.setId("plant-export-selected");
        exportSelected.disableProperty().bind(vm.selectedProperty().isNull().or(vm.exportingProperty()));
        exportSelected.setOnAction(e -> {
            Path file = chooser.apply(this);
            if (file != null) {
                vm.export(file, false);
            }
        });
        Button exportAll = new Button("Export all current values ...");
        exportAll.setId("plant-export-all");
        exportAll.disableProperty().bind(vm.tenantProperty().isNull().or(vm.exportingProperty()));
        exportAll.setOnAction(e -> {
            Path file = chooser.apply(this);
            if (file != null) {
                vm.export(file, true);
            }
        });
        ProgressBar progress = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        progress.setId("plant-export-progress");
        progress.setPrefWidth(120);
        progress.visibleProperty().bind(vm.exportingProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("plant-export-cancel");
        cancel.visibleProperty().bind(vm.exportingProperty());
        cancel.managedProperty().bind(cancel.visibleProperty());
        cancel.setOnAction(e -> vm.cancelExport());
        Label rows = new Label();
        rows.getStyleClass().add("muted");
        rows.textProperty().bind(vm.exportedRowsProperty().asString("%,d rows"));
        rows.visibleProperty().bind(vm.exportingProperty());
        rows.managedProperty().bind(rows.visibleProperty());
        Label status = new Label();
        status.setId("plant-export-status");
        status.getStyleClass().add("muted");
        status.textProperty().bind(vm.exportStatusProperty());
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        HBox exportBar = new HBox(8, exportSelected, exportAll, progress, rows, cancel, gap, status);
        exportBar.setAlignment(Pos.CENTER_LEFT);

        VBox box = new VBox(6, title, path, exportBar,
                section("Current values"), valuesTable(),
                section("Active alarms"), alarmsTable(),
                section("Variables"), variablesTable());
        box.setPadding(new Insets(8));
        return box;
    }

    private static Label section(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("section-title");
        l.setPadding(new Insets(6, 0, 0, 0));
        return l;
    }

    private TableView<PlantViewModel.DetailValue> valuesTable() {
        TableView<PlantViewModel.DetailValue> t = new TableView<>(vm.values());
        t.setId("plant-values");
        t.setPlaceholder(new Label("No current values"));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.getColumns().add(col("Key", d -> d.value().key(), 150));
        t.getColumns().add(col("Instance", d -> d.value().instance(), 70));
        t.getColumns().add(col("Provenance", d -> d.value().provenance(), 90));
        TableColumn<PlantViewModel.DetailValue, String> value = col("Value", d -> d.value().value(), 100);
        value.getStyleClass().add("numeric");
        t.getColumns().add(value);
        t.getColumns().add(col("Unit", d -> d.value().unit(), 60));
        TableColumn<PlantViewModel.DetailValue, List<Double>> spark = new TableColumn<>("Last hour");
        spark.setPrefWidth(Sparkline.WIDTH + 16);
        spark.setMinWidth(Sparkline.WIDTH + 16);
        spark.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(cd.getValue().spark()));
        spark.setCellFactory(c -> new TableCell<>() {
            private final Sparkline line = new Sparkline();

            @Override
            protected void updateItem(List<Double> points, boolean empty) {
                super.updateItem(points, empty);
                setText(null);
                if (empty || points == null || points.isEmpty()) {
                    setGraphic(null);
                    return;
                }
                line.setPoints(points);
                setGraphic(line);
            }
        });
        t.getColumns().add(spark);
        t.getColumns().add(col("Updated", d -> Ages.timestamp(d.value().ts()), 150));
        t.setPrefHeight(300);
        VBox.setVgrow(t, Priority.ALWAYS);
        return t;
    }

    private TableView<Alarm> alarmsTable() {
        TableView<Alarm> t = new TableView<>(vm.alarms());
        t.setId("plant-alarms");
        t.setPlaceholder(new Label("No active alarms"));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.getColumns().add(col("Severity", Alarm::severity, 80));
        t.getColumns().add(col("Rule", Alarm::rule, 160));
        t.getColumns().add(col("Raised", a -> Ages.timestamp(a.raisedAt()), 150));
        t.getColumns().add(col("Acked", a -> a.acked() ? "yes, by " + a.ackedBy() : "no", 110));
        t.getColumns().add(col("Message", Alarm::message, 240));
        t.setPrefHeight(120);
        return t;
    }

    private TableView<PlantVariable> variablesTable() {
        TableView<PlantVariable> t = new TableView<>(vm.variables());
        t.setId("plant-variables");
        t.setPlaceholder(new Label("No variables"));
        t.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        t.getColumns().add(col("Name", PlantVariable::name, 160));
        t.getColumns().add(col("Type", PlantVariable::type, 120));
        t.getColumns().add(col("Value", v -> v.secret() ? "(secret: decrypt on the variables screen; audited)" : v.value(), 260));
        t.setPrefHeight(110);
        return t;
    }

    private static <T> TableColumn<T, String> col(String title, Function<T, String> f, double width) {
        TableColumn<T, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    private static Path chooseFile(Node owner) {
        FileChooser fc = new FileChooser();
        fc.setTitle("Export current values");
        fc.setInitialFileName("current-values.csv");
        fc.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV files", "*.csv"));
        File f = fc.showSaveDialog(owner.getScene() == null ? null : owner.getScene().getWindow());
        return f == null ? null : f.toPath();
    }
}
