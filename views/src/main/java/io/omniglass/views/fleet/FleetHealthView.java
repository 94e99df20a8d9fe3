package io.omniglass.views.fleet;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.FleetSnapshot.DeploymentPart;
import io.omniglass.views.services.FleetSnapshot.TenantHealth;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Circle;
import javafx.util.Duration;

import java.util.function.Consumer;

/**
 * The fleet health board: one row per tenant with its figures coloured by threshold, a filter
 * (slug or name, and "only impaired"), columns sortable (worst first until one is chosen), and
 * under it the deployment: cores, NATS servers, Postgres servers and their state. Refreshed
 * every few seconds while the screen is shown, never while it is not; Enter or a double-click
 * opens the tenant.
 */
public final class FleetHealthView extends BorderPane {

    private static final PseudoClass WARN = PseudoClass.getPseudoClass("health-warn");
    private static final PseudoClass BAD = PseudoClass.getPseudoClass("health-bad");

    private final TableView<FleetRow> table = new TableView<>();
    private final TableView<DeploymentPart> parts = new TableView<>();

    public FleetHealthView(FleetHealthViewModel vm, Consumer<String> onOpen) {
        TextField filter = new TextField();
        filter.setId("fleet-filter");
        filter.setPromptText("Filter tenants (slug or name)");
        filter.textProperty().bindBidirectional(vm.filterProperty());
        HBox.setHgrow(filter, Priority.ALWAYS);
        CheckBox impaired = new CheckBox("Only impaired");
        impaired.setId("fleet-only-impaired");
        impaired.selectedProperty().bindBidirectional(vm.onlyImpairedProperty());
        Label summary = new Label();
        summary.setId("fleet-summary");
        summary.textProperty().bind(Bindings.createStringBinding(vm::summary, vm.visibleRows(), vm.impairedCountProperty()));
        Label updated = new Label();
        updated.getStyleClass().add("muted");
        updated.textProperty().bind(vm.generatedAtProperty().map(t -> "as of " + java.time.format.DateTimeFormatter
                .ofPattern("HH:mm:ss").withZone(java.time.ZoneId.systemDefault()).format(t)).orElse(""));
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        HBox bar = new HBox(10, filter, impaired, summary, updated, refresh);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));

        table.setId("fleet-table");
        table.setItems(vm.visibleRows());
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        for (FleetColumn c : FleetColumn.values()) {
            table.getColumns().add(column(c));
        }
        // the view-model owns the order (the rows live in its sorted list): a header click tells it
        table.setSortPolicy(t -> {
            vm.orderBy(t.getComparator());
            return true;
        });
        table.setPlaceholder(new Label("No tenants"));
        table.setRowFactory(tv -> {
            TableRow<FleetRow> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    onOpen.accept(row.getItem().slug());
                }
            });
            return row;
        });
        table.setOnKeyPressed(e -> {
            FleetRow selected = table.getSelectionModel().getSelectedItem();
            if (e.getCode() == KeyCode.ENTER && selected != null) {
                onOpen.accept(selected.slug());
            }
        });

        VBox deployment = new VBox(deploymentTitle(vm), deploymentTable(vm));
        VBox.setVgrow(parts, Priority.ALWAYS);
        SplitPane split = new SplitPane(new ProgressOverlay(table, vm.busy().busyProperty()), deployment);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.7);

        Timeline every = new Timeline(new KeyFrame(Duration.millis(FleetHealthViewModel.REFRESH.toMillis()), e -> vm.refresh()));
        every.setCycleCount(Animation.INDEFINITE);
        sceneProperty().addListener((o, a, scene) -> {
            if (scene == null) {
                every.stop(); // not shown: no requests at all
            } else {
                vm.refresh();
                every.play();
            }
        });
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(split);
    }

    private TableColumn<FleetRow, TenantHealth> column(FleetColumn c) {
        TableColumn<FleetRow, TenantHealth> col = new TableColumn<>(c.title());
        col.setId("fleet-col-" + c.name().toLowerCase(java.util.Locale.ROOT));
        // the row's own property: when its figures change the cell repaints in place
        col.setCellValueFactory(cd -> cd.getValue().healthProperty());
        col.setComparator(c.order(true));
        col.setCellFactory(tc -> new TableCell<>() {
            @Override
            protected void updateItem(TenantHealth h, boolean empty) {
                super.updateItem(h, empty);
                Level level = empty || h == null ? Level.NONE : c.level(h);
                setText(empty || h == null ? null : c.text(h));
                pseudoClassStateChanged(WARN, level == Level.WARN);
                pseudoClassStateChanged(BAD, level == Level.BAD);
            }
        });
        if (c != FleetColumn.TENANT && c != FleetColumn.STATUS) {
            col.setStyle("-fx-alignment: CENTER-RIGHT;");
        }
        return col;
    }

    private Label deploymentTitle(FleetHealthViewModel vm) {
        Label title = new Label();
        title.getStyleClass().add("deployment-title");
        title.textProperty().bind(Bindings.createStringBinding(() -> vm.deploymentVisibleProperty().get()
                        ? "Deployment · " + vm.deployment().size() + " parts"
                        : "Deployment · shown to tokens not confined to one tenant",
                vm.deploymentVisibleProperty(), vm.deployment()));
        return title;
    }

    private TableView<DeploymentPart> deploymentTable(FleetHealthViewModel vm) {
        parts.setId("deployment-table");
        parts.setItems(vm.deployment());
        parts.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        TableColumn<DeploymentPart, DeploymentPart> state = new TableColumn<>("State");
        state.setCellValueFactory(cd -> new ReadOnlyObjectWrapper<>(cd.getValue()));
        state.setCellFactory(tc -> new TableCell<>() {
            @Override
            protected void updateItem(DeploymentPart p, boolean empty) {
                super.updateItem(p, empty);
                if (empty || p == null) {
                    setText(null);
                    setGraphic(null);
                    pseudoClassStateChanged(BAD, false);
                    return;
                }
                Circle dot = new Circle(5);
                dot.getStyleClass().add(p.ok() ? "health-dot-ok" : "health-dot-bad");
                setGraphic(dot);
                setText(p.state());
                pseudoClassStateChanged(BAD, !p.ok());
            }
        });
        state.setPrefWidth(120);
        parts.getColumns().add(text("Kind", DeploymentPart::kind, 90));
        parts.getColumns().add(text("Name", DeploymentPart::name, 260));
        parts.getColumns().add(state);
        parts.getColumns().add(text("Detail", DeploymentPart::detail, 500));
        parts.setPlaceholder(new Label("No deployment shown"));
        return parts;
    }

    private static TableColumn<DeploymentPart, String> text(String title, java.util.function.Function<DeploymentPart, String> f, double width) {
        TableColumn<DeploymentPart, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        c.setPrefWidth(width);
        return c;
    }

    public TableView<FleetRow> table() {
        return table;
    }

    public TableView<DeploymentPart> deploymentTable() {
        return parts;
    }
}
