package io.omniglass.views.deadletters;

import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.DeadLetter;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Dead letters: what the sink refused, newest last, filtered by reason; the focused one's body
 * and headers; re-drive (as is, or edited as JSON) and discard with a reason on the selection,
 * with progress and cancel for a bulk action and a result per message.
 */
public final class DeadLettersView extends BorderPane {

    private static final String ALL = "All reasons";

    private final TableView<DeadLetter> table = new TableView<>();
    private final DeadLettersViewModel vm;
    private final TextField why = new TextField();

    public DeadLettersView(DeadLettersViewModel vm) {
        this.vm = vm;
        List<String> reasons = new ArrayList<>();
        reasons.add(null);
        reasons.addAll(DeadLettersViewModel.REASONS);
        ComboBox<String> reason = new ComboBox<>();
        reason.setId("dead-letters-reason");
        reason.getItems().setAll(reasons);
        reason.setConverter(new StringConverter<>() {
            public String toString(String s) {
                return s == null ? ALL : s;
            }

            public String fromString(String s) {
                return ALL.equals(s) ? null : s;
            }
        });
        reason.valueProperty().bindBidirectional(vm.reasonProperty());
        TextField filter = new TextField();
        filter.setId("dead-letters-filter");
        filter.setPromptText("Filter, e.g.  body ~ \"*pump-7*\" and subject = og.demo.dp.metric");
        filter.textProperty().bindBidirectional(vm.filterProperty());
        filter.setOnAction(e -> vm.refresh());
        HBox.setHgrow(filter, Priority.ALWAYS);
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        Label total = new Label();
        total.setId("dead-letters-total");
        total.textProperty().bind(Bindings.createStringBinding(() -> vm.items().size() + " shown · "
                + vm.totalProperty().get() + " in the stream", vm.items(), vm.totalProperty()));
        HBox top = new HBox(8, reason, filter, refresh, total);
        top.setAlignment(Pos.CENTER_LEFT);

        why.setId("dead-letters-why");
        why.setPromptText("reason (required to discard)");
        why.setPrefColumnCount(22);
        Button redrive = new Button("Re-drive");
        redrive.setId("dead-letters-redrive");
        redrive.setOnAction(e -> vm.redriveSelected(why.getText()));
        Button edit = new Button("Edit and re-drive…");
        edit.setId("dead-letters-edit");
        edit.setOnAction(e -> editFocused());
        Button discard = new Button("Discard");
        discard.setId("dead-letters-discard");
        discard.setOnAction(e -> vm.discardSelected(why.getText()));
        for (Button b : List.of(redrive, discard)) {
            b.disableProperty().bind(Bindings.isEmpty(vm.selection()).or(vm.bulkRunningProperty()));
        }
        edit.disableProperty().bind(Bindings.size(vm.selection()).isNotEqualTo(1).or(vm.bulkRunningProperty()));
        ProgressBar bar = new ProgressBar();
        bar.progressProperty().bind(vm.progressProperty());
        bar.setPrefWidth(140);
        Label progress = new Label();
        progress.textProperty().bind(vm.progressTextProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("dead-letters-cancel");
        cancel.setOnAction(e -> vm.cancel());
        HBox running = new HBox(6, bar, progress, cancel);
        running.setAlignment(Pos.CENTER_LEFT);
        running.visibleProperty().bind(vm.bulkRunningProperty());
        running.managedProperty().bind(running.visibleProperty());
        HBox actions = new HBox(8, why, redrive, edit, discard, running);
        actions.setAlignment(Pos.CENTER_LEFT);
        VBox bars = new VBox(6, top, actions);
        bars.getStyleClass().add("toolbar");
        bars.setPadding(new Insets(8));

        table.setId("dead-letters-table");
        table.setItems(vm.items());
        table.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().add(col("#", d -> Long.toString(d.id()), 44));
        table.getColumns().add(col("Time", d -> Ages.timestamp(d.time()), 150));
        table.getColumns().add(col("Reason", DeadLetter::reason, 150));
        table.getColumns().add(col("Subject", DeadLetter::subject, 140));
        table.getColumns().add(col("Detail", DeadLetter::detail, 200));
        table.getColumns().add(col("Body", d -> d.preview(160), 240));
        // time and reason are read in full; detail and body are previews (the full text is on the right)
        table.getColumns().get(1).setMinWidth(150);
        table.getColumns().get(2).setMinWidth(150);
        table.setPlaceholder(new Label("No dead letters: everything the sink received was stored"));
        table.getSelectionModel().getSelectedItems().addListener((ListChangeListener<DeadLetter>) c ->
                vm.selection().setAll(table.getSelectionModel().getSelectedItems()));
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> vm.focusedProperty().set(b));
        Button loadMore = new Button("Load more");
        loadMore.setId("dead-letters-more");
        loadMore.visibleProperty().bind(vm.moreProperty());
        loadMore.managedProperty().bind(loadMore.visibleProperty());
        loadMore.setOnAction(e -> vm.loadMore());
        VBox left = new VBox(4, new ProgressOverlay(table, vm.busy().busyProperty()), loadMore);
        VBox.setVgrow(left.getChildren().get(0), Priority.ALWAYS);

        TextArea body = new TextArea();
        body.setId("dead-letters-body");
        body.setEditable(false);
        body.setWrapText(true);
        body.getStyleClass().add("mono");
        TextArea headers = new TextArea();
        headers.setId("dead-letters-headers");
        headers.setEditable(false);
        headers.setWrapText(true);
        headers.setPrefRowCount(6);
        headers.getStyleClass().add("mono");
        Label error = new Label();
        error.setWrapText(true);
        vm.focusedProperty().addListener((o, a, d) -> {
            body.setText(d == null ? "" : DeadLettersViewModel.pretty(d.body()));
            headers.setText(DeadLettersViewModel.headersText(d));
            error.setText(d == null ? "Select a dead letter for its body and headers"
                    : d.reason() + (d.detail().isEmpty() ? "" : ": " + d.detail())
                    + (d.index() == null ? "" : "  (datapoint " + d.index() + " of its message)"));
        });
        error.setText("Select a dead letter for its body and headers");
        Label bodyTitle = new Label("Body");
        bodyTitle.getStyleClass().add("section-title");
        Label headersTitle = new Label("Headers");
        headersTitle.getStyleClass().add("section-title");
        VBox side = new VBox(6, error, bodyTitle, body, headersTitle, headers);
        side.setPadding(new Insets(8));
        VBox.setVgrow(body, Priority.ALWAYS);
        SplitPane split = new SplitPane(left, side);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.66);

        Label outcome = Labels.message(vm.outcomeProperty(), "outcome-label");
        outcome.setId("dead-letters-outcome");
        Label filterError = Labels.message(vm.filterErrorProperty(), "error-label");
        filterError.setId("dead-letters-filter-error");
        setTop(new VBox(bars, filterError, Labels.message(vm.errorProperty(), "error-label"), outcome));
        setCenter(split);
    }

    private void editFocused() {
        DeadLetter d = vm.focusedProperty().get();
        if (d == null || vm.selection().size() != 1) {
            vm.outcomeProperty().set("Select one dead letter to edit.");
            return;
        }
        BodyEditorDialog dialog = new BodyEditorDialog(d.id(), d.reason(), d.detail(), d.body());
        if (getScene() != null) {
            dialog.initOwner(getScene().getWindow());
        }
        dialog.showAndWait().ifPresent(text -> vm.redriveEdited(d.id(), text, why.getText()));
    }

    private static TableColumn<DeadLetter, String> col(String title, Function<DeadLetter, String> f, double width) {
        TableColumn<DeadLetter, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public TableView<DeadLetter> table() {
        return table;
    }
}
