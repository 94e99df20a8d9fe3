package io.omniglass.views.tenants;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.TenantSummary;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.function.Consumer;

/** Searchable tenant table; Enter or double-click opens a tenant. */
public final class TenantsView extends BorderPane {

    private final TableView<TenantSummary> table = new TableView<>();

    public TenantsView(TenantsViewModel vm, Consumer<TenantSummary> onOpen) {
        TextField search = new TextField();
        search.setId("tenant-search");
        search.setPromptText("Search tenants (slug or name)");
        search.textProperty().bindBidirectional(vm.searchProperty());
        HBox.setHgrow(search, Priority.ALWAYS);
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        Label count = new Label();
        vm.visibleTenants().addListener((javafx.collections.ListChangeListener<TenantSummary>) c ->
                count.setText(vm.visibleTenants().size() + " of " + vm.totalCount()));
        HBox bar = new HBox(8, search, count, refresh);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));

        table.setId("tenants-table");
        table.setItems(vm.visibleTenants());
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().add(col("Tenant", t -> t.slug()));
        table.getColumns().add(col("Name", t -> t.name()));
        table.getColumns().add(col("Status", t -> t.status()));
        table.getColumns().add(col("Series", t -> TenantsViewModel.formatCount(t.series())));
        table.getColumns().add(col("Active alarms", t -> TenantsViewModel.formatCount(t.activeAlarms())));
        table.getColumns().add(col("Ingest", t -> TenantsViewModel.formatRate(t.ingestPerSecond())));
        table.setPlaceholder(new Label("No tenants"));
        vm.selectedProperty().bind(table.getSelectionModel().selectedItemProperty());
        table.setRowFactory(tv -> {
            TableRow<TenantSummary> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getClickCount() == 2 && !row.isEmpty()) {
                    onOpen.accept(row.getItem());
                }
            });
            return row;
        });
        table.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.ENTER && table.getSelectionModel().getSelectedItem() != null) {
                onOpen.accept(table.getSelectionModel().getSelectedItem());
            }
        });
        search.setOnAction(e -> {
            if (!vm.visibleTenants().isEmpty()) {
                table.getSelectionModel().selectFirst();
                if (vm.visibleTenants().size() == 1) {
                    onOpen.accept(vm.visibleTenants().get(0));
                } else {
                    table.requestFocus();
                }
            }
        });
        // ingest rates and counts move: refresh the figures every 10 s while the screen is shown
        javafx.animation.Timeline figures = new javafx.animation.Timeline(
                new javafx.animation.KeyFrame(javafx.util.Duration.seconds(10), e -> vm.refreshFigures()));
        figures.setCycleCount(javafx.animation.Animation.INDEFINITE);
        sceneProperty().addListener((o, a, scene) -> {
            if (scene == null) {
                figures.stop();
            } else {
                vm.refreshFigures(); // coming back to the screen: fresh figures now, not in 10 s
                figures.play();
            }
        });
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(new ProgressOverlay(table, vm.busy().busyProperty()));
    }

    private static TableColumn<TenantSummary, String> col(String title, java.util.function.Function<TenantSummary, String> f) {
        TableColumn<TenantSummary, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public TableView<TenantSummary> table() {
        return table;
    }

}
