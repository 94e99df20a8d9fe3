package io.omniglass.views.values;

import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.CurrentValue;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Function;

/** The current-value table with the filter box; double-click a row for its history chart. */
public final class CurrentValuesView extends BorderPane {

    private final TableView<CurrentValue> table = new TableView<>();

    public CurrentValuesView(CurrentValuesViewModel vm, Clock clock, Consumer<CurrentValue> onOpenHistory,
                             Consumer<CurrentValue> onOpenLineage) {
        TextField filter = new TextField();
        filter.setId("values-filter");
        filter.setPromptText("Filter, e.g.  owner ~ \"pump-*\" and key = discharge_pressure and provenance = observed");
        filter.textProperty().bindBidirectional(vm.filterProperty());
        filter.setOnAction(e -> vm.apply());
        HBox.setHgrow(filter, Priority.ALWAYS);
        Button apply = new Button("Apply");
        apply.setOnAction(e -> vm.apply());
        Button more = new Button("Load more");
        more.visibleProperty().bind(vm.hasMoreProperty());
        more.managedProperty().bind(more.visibleProperty());
        more.setOnAction(e -> vm.loadMore());
        Label live = new Label();
        live.getStyleClass().add("muted");
        live.textProperty().bind(vm.liveUpdatesProperty().asString("%,d live updates"));
        HBox bar = new HBox(8, filter, apply, more, live);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));
        Label filterError = Labels.message(vm.filterErrorProperty(), "error-label");
        filterError.setId("values-filter-error");
        filter.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("invalid"), false);
        vm.filterErrorProperty().addListener((o, a, b) ->
                filter.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("invalid"), b != null && !b.isEmpty()));

        table.setId("values-table");
        table.setItems(vm.rows());
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().add(col("Owner", CurrentValue::owner, 170));
        table.getColumns().add(col("Key", CurrentValue::key, 150));
        table.getColumns().add(col("Instance", CurrentValue::instance, 70));
        table.getColumns().add(col("Provenance", CurrentValue::provenance, 90));
        TableColumn<CurrentValue, String> value = col("Value", CurrentValue::value, 110);
        value.getStyleClass().add("numeric");
        table.getColumns().add(value);
        TableColumn<CurrentValue, String> intended = new TableColumn<>("Intended");
        intended.setPrefWidth(100);
        intended.setCellValueFactory(cd -> {
            CurrentValue i = vm.intendedFor(cd.getValue());
            return new ReadOnlyStringWrapper(i == null ? "" : i.value());
        });
        intended.setCellFactory(c -> new TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                CurrentValue row = empty || getTableRow() == null ? null : getTableRow().getItem();
                boolean diverges = row != null && vm.diverges(row);
                pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("diverges"), diverges);
                setTooltip(diverges ? new Tooltip("Intended value not (yet) observed") : null);
            }
        });
        table.getColumns().add(intended);
        table.getColumns().add(col("Unit", CurrentValue::unit, 60));
        table.getColumns().add(col("Time", v -> Ages.timestamp(v.ts()), 150));
        table.getColumns().add(col("Age", v -> Ages.age(v.ts(), clock.instant()), 70));
        table.setPlaceholder(new Label("No current values (check the filter, or wait for data)"));

        ContextMenu menu = new ContextMenu();
        MenuItem history = new MenuItem("Open history chart");
        history.setOnAction(e -> selected(onOpenHistory));
        MenuItem lineage = new MenuItem("Show lineage");
        lineage.setOnAction(e -> selected(onOpenLineage));
        menu.getItems().addAll(history, lineage);
        table.setContextMenu(menu);
        table.setRowFactory(tv -> {
            TableRow<CurrentValue> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    onOpenHistory.accept(row.getItem());
                }
            });
            return row;
        });
        table.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER) {
                selected(onOpenHistory);
            }
        });

        // ages move with the clock and intended values arrive on other rows: repaint visible cells each second
        Timeline tick = new Timeline(new KeyFrame(Duration.seconds(1), e -> table.refresh()));
        tick.setCycleCount(Timeline.INDEFINITE);
        sceneProperty().addListener((o, a, scene) -> {
            if (scene == null) {
                tick.stop();
            } else {
                tick.play();
            }
        });

        setTop(new VBox(bar, filterError, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(new ProgressOverlay(table, vm.busy().busyProperty()));
    }

    private void selected(Consumer<CurrentValue> action) {
        CurrentValue v = table.getSelectionModel().getSelectedItem();
        if (v != null) {
            action.accept(v);
        }
    }

    private static TableColumn<CurrentValue, String> col(String title, Function<CurrentValue, String> f, double width) {
        TableColumn<CurrentValue, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public TableView<CurrentValue> table() {
        return table;
    }
}
