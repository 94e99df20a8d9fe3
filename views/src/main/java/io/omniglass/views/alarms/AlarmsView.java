package io.omniglass.views.alarms;

import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AuditEntry;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Alarms, keyboard first: Ctrl+K acknowledge, Ctrl+Shift+S snooze, Ctrl+Shift+U unsnooze,
 * Ctrl+L lineage, Ctrl+F filter, Ctrl+A select all. Multi-select with Shift/Ctrl.
 */
public final class AlarmsView extends BorderPane {

    public static final KeyCombination ACK = new KeyCodeCombination(KeyCode.K, KeyCombination.SHORTCUT_DOWN);
    public static final KeyCombination SNOOZE = new KeyCodeCombination(KeyCode.S, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN);
    public static final KeyCombination UNSNOOZE = new KeyCodeCombination(KeyCode.U, KeyCombination.SHORTCUT_DOWN, KeyCombination.SHIFT_DOWN);
    public static final KeyCombination LINEAGE = new KeyCodeCombination(KeyCode.L, KeyCombination.SHORTCUT_DOWN);
    public static final KeyCombination FILTER = new KeyCodeCombination(KeyCode.F, KeyCombination.SHORTCUT_DOWN);

    private final TableView<Alarm> table = new TableView<>();
    private final AlarmsViewModel vm;
    private final TextField reason = new TextField();
    private final HBox actions;
    private List<Long> keepSelected = List.of();
    private boolean reloading;

    public AlarmsView(AlarmsViewModel vm, Consumer<Alarm> onOpenLineage) {
        this.vm = vm;
        ToggleGroup modes = new ToggleGroup();
        HBox modeBar = new HBox();
        modeBar.getStyleClass().add("segmented");
        for (AlarmsViewModel.Mode m : AlarmsViewModel.Mode.values()) {
            ToggleButton b = new ToggleButton(m.name().charAt(0) + m.name().substring(1).toLowerCase(Locale.ROOT));
            b.setId("alarms-mode-" + m.name().toLowerCase(Locale.ROOT));
            b.setToggleGroup(modes);
            b.setSelected(vm.modeProperty().get() == m);
            b.setOnAction(e -> {
                b.setSelected(true);
                vm.modeProperty().set(m);
            });
            modeBar.getChildren().add(b);
            vm.modeProperty().addListener((o, was, now) -> b.setSelected(now == m));
        }
        TextField filter = new TextField();
        filter.setId("alarms-filter");
        filter.setPromptText("Filter, e.g.  severity = critical and owner ~ \"pump-*\"");
        filter.textProperty().bindBidirectional(vm.filterProperty());
        filter.setOnAction(e -> vm.refresh());
        HBox.setHgrow(filter, Priority.ALWAYS);

        reason.setId("alarms-reason");
        reason.setPromptText("reason (for ack / snooze)");
        reason.setPrefColumnCount(18);
        Button ack = new Button("Ack  (Ctrl+K)");
        ack.setId("alarms-ack");
        ack.setOnAction(e -> ack());
        Button snooze = new Button("Snooze…  (Ctrl+Shift+S)");
        snooze.setId("alarms-snooze");
        snooze.setOnAction(e -> snooze());
        Button unsnooze = new Button("Unsnooze");
        unsnooze.setOnAction(e -> vm.unsnooze());
        Button lineage = new Button("Lineage  (Ctrl+L)");
        lineage.setId("alarms-lineage");
        lineage.setOnAction(e -> focusedAlarm(onOpenLineage));
        for (Button b : List.of(ack, snooze, unsnooze)) {
            b.disableProperty().bind(javafx.beans.binding.Bindings.isEmpty(vm.selection()));
        }
        HBox top = new HBox(8, modeBar, filter);
        actions = new HBox(8, reason, ack, snooze, unsnooze, lineage);
        VBox bars = new VBox(6, top, actions);
        bars.getStyleClass().add("toolbar");
        bars.setPadding(new Insets(8));

        table.setId("alarms-table");
        // registered before the table's own listener: a reload is starting, remember what was selected
        vm.alarms().addListener((ListChangeListener<Alarm>) c -> reloading = true);
        table.setItems(vm.alarms());
        table.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().add(col("#", a -> Long.toString(a.id()), 50));
        table.getColumns().add(col("Severity", Alarm::severity, 80));
        table.getColumns().add(col("State", Alarm::state, 70));
        table.getColumns().add(col("Owner", Alarm::owner, 160));
        table.getColumns().add(col("Rule", Alarm::rule, 130));
        table.getColumns().add(col("Message", Alarm::message, 240));
        table.getColumns().add(col("Raised", a -> Ages.timestamp(a.raisedAt()), 140));
        table.getColumns().add(col("Acked", a -> a.acked() ? "✔ " + nz(a.ackedBy()) : "", 90));
        table.getColumns().add(col("Snooze left", a -> AlarmsViewModel.remaining(a, vm.clock().instant()), 100));
        table.setPlaceholder(new Label("No alarms"));
        table.setRowFactory(tv -> new TableRow<>() {
            @Override
            protected void updateItem(Alarm a, boolean empty) {
                super.updateItem(a, empty);
                for (String s : List.of("critical", "error", "warning", "notice", "info", "debug")) {
                    pseudoClassStateChanged(PseudoClass.getPseudoClass("sev-" + s), !empty && a != null && s.equals(a.severity()));
                }
                pseudoClassStateChanged(PseudoClass.getPseudoClass("acked"), !empty && a != null && a.acked());
                pseudoClassStateChanged(PseudoClass.getPseudoClass("cleared"), !empty && a != null && !a.isActive());
                pseudoClassStateChanged(PseudoClass.getPseudoClass("snoozed"), !empty && a != null && a.isSnoozed(vm.clock().instant()));
                setTooltip(a == null || empty || a.snoozeReason() == null ? null
                        : new Tooltip("Snoozed by " + nz(a.snoozedBy()) + ": " + a.snoozeReason()));
            }
        });
        table.getSelectionModel().getSelectedItems().addListener((ListChangeListener<Alarm>) c -> {
            vm.selection().setAll(table.getSelectionModel().getSelectedItems());
            if (!reloading) {
                keepSelected = vm.selectedIds();
            }
        });
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (!reloading || b != null) {
                vm.focusedProperty().set(b);
            }
        });
        // registered after the table's listeners: the reload has cleared the selection, put it back
        vm.alarms().addListener((ListChangeListener<Alarm>) c -> restoreSelection());

        ListView<AuditEntry> audit = new ListView<>(vm.auditTrail());
        audit.setId("alarms-audit");
        Label noAudit = new Label();
        noAudit.textProperty().bind(vm.focusedProperty().map(a -> "No operator actions on alarm #" + a.id() + " yet")
                .orElse("Select an alarm for its audit trail"));
        audit.setPlaceholder(noAudit);
        audit.setCellFactory(lv -> new ListCell<>() {
            @Override
            protected void updateItem(AuditEntry e, boolean empty) {
                super.updateItem(e, empty);
                setText(empty || e == null ? null
                        : Ages.timestamp(e.ts()) + "  " + e.actor() + "  " + e.verb()
                        + (e.detail() == null || e.detail().isEmpty() ? "" : "\n    " + e.detail()));
            }
        });
        Label auditTitle = new Label("Audit trail");
        auditTitle.getStyleClass().add("section-title");
        VBox side = new VBox(6, auditTitle, audit);
        side.setPadding(new Insets(8));
        VBox.setVgrow(audit, Priority.ALWAYS);
        SplitPane split = new SplitPane(new ProgressOverlay(table, vm.busy().busyProperty()), side);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.72);
        SplitPane withSimilar = new SplitPane(split, new SimilarPane(vm.similar()));
        withSimilar.setOrientation(Orientation.VERTICAL);
        withSimilar.setDividerPositions(0.56);

        Label outcome = Labels.message(vm.outcomeProperty(), "outcome-label");
        outcome.setId("alarms-outcome");
        Label filterError = Labels.message(vm.filterErrorProperty(), "error-label");
        filterError.setId("alarms-filter-error");
        setTop(new VBox(bars, filterError, Labels.message(vm.errorProperty(), "error-label"), outcome));
        setCenter(withSimilar);

        addEventHandler(KeyEvent.KEY_PRESSED, e -> {
            if (ACK.match(e)) {
                ack();
            } else if (SNOOZE.match(e)) {
                snooze();
            } else if (UNSNOOZE.match(e)) {
                vm.unsnooze();
            } else if (LINEAGE.match(e)) {
                focusedAlarm(onOpenLineage);
            } else if (FILTER.match(e)) {
                filter.requestFocus();
            } else {
                return;
            }
            e.consume();
        });

        Timeline tick = new Timeline(new KeyFrame(Duration.seconds(1), e -> table.refresh()));
        tick.setCycleCount(Timeline.INDEFINITE);
        sceneProperty().addListener((o, a, scene) -> {
            if (scene == null) {
                tick.stop();
            } else {
                tick.play();
            }
        });
    }

    private void restoreSelection() {
        // live changes reload the rows: keep the same alarms selected (synchronously, so an operator's
        // newer selection can never be overwritten by a late restore)
        try {
            if (keepSelected.isEmpty()) {
                return;
            }
            table.getSelectionModel().clearSelection();
            for (int i = 0; i < vm.alarms().size(); i++) {
                if (keepSelected.contains(vm.alarms().get(i).id())) {
                    table.getSelectionModel().select(i);
                }
            }
        } finally {
            reloading = false;
            vm.selection().setAll(table.getSelectionModel().getSelectedItems());
            keepSelected = vm.selectedIds();
        }
    }

    private void ack() {
        vm.ack(reason.getText());
    }

    private void snooze() {
        int n = vm.selection().size();
        if (n == 0) {
            vm.outcomeProperty().set("Select one or more alarms first.");
            return;
        }
        SnoozeDialog d = new SnoozeDialog(vm.clock(), reason.getText(), n);
        if (getScene() != null) {
            d.initOwner(getScene().getWindow());
        }
        d.showAndWait().ifPresent(c -> vm.snoozeUntil(c.until(), c.reason()));
    }

    private void focusedAlarm(Consumer<Alarm> action) {
        Alarm a = table.getSelectionModel().getSelectedItem();
        if (a != null) {
            action.accept(a);
        }
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    private static TableColumn<Alarm, String> col(String title, Function<Alarm, String> f, double width) {
        TableColumn<Alarm, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public TableView<Alarm> table() {
        return table;
    }

    /** The row of action buttons, for tools other packages add (the journal, the CSV export). */
    public HBox actionBar() {
        return actions;
    }

    static Region spacer() {
        Region r = new Region();
        HBox.setHgrow(r, Priority.ALWAYS);
        return r;
    }
}
