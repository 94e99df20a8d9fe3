package io.omniglass.views.storage;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.RetentionPolicy;
import io.omniglass.views.services.TableStorage;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.function.Function;

/** The tenant's storage per table (hot and cold) above its resolved retention policies. */
public final class StorageView extends BorderPane {

    public StorageView(StorageViewModel vm) {
        Label title = new Label();
        title.getStyleClass().add("section-title");
        title.textProperty().bind(vm.tenantProperty().map(t -> "Storage of " + t).orElse("Open a tenant to see its storage"));
        Label summary = new Label();
        summary.setId("storage-summary");
        summary.getStyleClass().add("muted");
        summary.textProperty().bind(vm.summaryProperty());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        HBox bar = new HBox(12, title, summary, spacer, refresh);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));

        TableView<TableStorage> sizes = new TableView<>(vm.tables());
        sizes.setId("storage-tables");
        sizes.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        sizes.getColumns().add(col("Table", TableStorage::table));
        sizes.getColumns().add(col("Hot size", s -> StorageViewModel.bytes(s.hotBytes())));
        sizes.getColumns().add(col("Hot rows", s -> StorageViewModel.rows(s.hotRowsEstimate(), true)));
        sizes.getColumns().add(col("Partitions", s -> s.hotPartitions() == 0 ? "—" : Long.toString(s.hotPartitions())));
        sizes.getColumns().add(col("Oldest hot day", s -> StorageViewModel.days(s.hotOldestDay(), null)));
        sizes.getColumns().add(col("Cold size", s -> StorageViewModel.bytes(s.coldBytes())));
        sizes.getColumns().add(col("Cold rows", s -> StorageViewModel.rows(s.coldRows(), false)));
        sizes.getColumns().add(col("Files", s -> Long.toString(s.coldFiles())));
        sizes.getColumns().add(col("Cold days", s -> StorageViewModel.days(s.coldOldestDay(), s.coldNewestDay())));
        sizes.setPlaceholder(new Label("No storage figures"));

        TableView<RetentionPolicy> rules = new TableView<>(vm.policies());
        rules.setId("storage-policies");
        rules.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        rules.getColumns().add(policyCol("Table", RetentionPolicy::table));
        rules.getColumns().add(policyCol("Applies to", RetentionPolicy::appliesTo));
        rules.getColumns().add(policyCol("Hot", p -> StorageViewModel.withSource(p.hot(), p.hotFrom())));
        rules.getColumns().add(policyCol("Keep", p -> StorageViewModel.withSource(p.keep(), p.keepFrom())));
        rules.getColumns().add(policyCol("Tier", p -> StorageViewModel.withSource(p.tier(), p.tierFrom())));
        rules.setPlaceholder(new Label("No retention policies"));

        Label policiesTitle = new Label("Retention (each value with the level it comes from)");
        policiesTitle.getStyleClass().add("section-title");
        VBox body = new VBox(8, sizes, policiesTitle, rules);
        body.setPadding(new Insets(0, 8, 8, 8));
        VBox.setVgrow(sizes, Priority.ALWAYS);
        VBox.setVgrow(rules, Priority.ALWAYS);
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(new ProgressOverlay(body, vm.busy().busyProperty()));
    }

    private static TableColumn<TableStorage, String> col(String title, Function<TableStorage, String> f) {
        TableColumn<TableStorage, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    private static TableColumn<RetentionPolicy, String> policyCol(String title, Function<RetentionPolicy, String> f) {
        TableColumn<RetentionPolicy, String> c = new TableColumn<>(title);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }
}
