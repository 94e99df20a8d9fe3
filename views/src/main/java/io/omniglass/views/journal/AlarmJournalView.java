package io.omniglass.views.journal;

import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.JournalEntry;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The alarm journal: a table in time order, filters for span, owner, rule and operator, and a CSV export. */
public final class AlarmJournalView extends BorderPane {

    private final TableView<JournalEntry> table = new TableView<>();

    public AlarmJournalView(AlarmJournalViewModel vm) {
        Label which = new Label();
        which.setId("journal-which");
        which.getStyleClass().add("section-title");
        which.textProperty().bind(vm.alarmIdProperty().map(id -> "Alarm #" + id).orElse("All alarms"));
        Button all = new Button("All alarms");
        all.setId("journal-all");
        all.setOnAction(e -> vm.showAlarm(null));
        all.visibleProperty().bind(vm.alarmIdProperty().isNotNull());
        all.managedProperty().bind(all.visibleProperty());
        List<Duration> spans = new ArrayList<>(AlarmJournalViewModel.SPANS);
        spans.add(null);
        ComboBox<Duration> span = new ComboBox<>();
        span.setId("journal-span");
        span.getItems().setAll(spans);
        span.setConverter(new StringConverter<>() {
            public String toString(Duration d) {
                return "last " + AlarmJournalViewModel.spanLabel(d);
            }

            public Duration fromString(String s) {
                return null;
            }
        });
        span.valueProperty().bindBidirectional(vm.spanProperty());
        span.setOnAction(e -> vm.refresh());
        TextField owner = field("journal-owner", "owner, e.g. component:pump-*", vm.ownerProperty(), vm);
        TextField rule = field("journal-rule", "rule", vm.ruleProperty(), vm);
        TextField operator = field("journal-operator", "operator", vm.operatorProperty(), vm);
        owner.visibleProperty().bind(vm.alarmIdProperty().isNull());
        owner.managedProperty().bind(owner.visibleProperty());
        rule.visibleProperty().bind(vm.alarmIdProperty().isNull());
        rule.managedProperty().bind(rule.visibleProperty());
        operator.visibleProperty().bind(vm.alarmIdProperty().isNull());
        operator.managedProperty().bind(operator.visibleProperty());
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        Button export = new Button("Export CSV…");
        export.setId("journal-export");
        export.disableProperty().bind(vm.export().runningProperty().or(Bindings.isEmpty(vm.entries())));
        export.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.setTitle("Export the journal");
            chooser.setInitialFileName("alarm-journal.csv");
            chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV", "*.csv"));
            File f = chooser.showSaveDialog(getScene() == null ? null : getScene().getWindow());
            if (f != null) {
                vm.exportJournal(f.toPath());
            }
        });
        HBox top = new HBox(8, which, all, span, owner, rule, operator, refresh, export, exportProgress(vm.export()));
        top.setAlignment(Pos.CENTER_LEFT);
        top.getStyleClass().add("toolbar");
        top.setPadding(new Insets(8));

        table.setId("journal-table");
        table.setItems(vm.entries());
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().add(col("At", e -> Ages.timestamp(e.at()), 150));
        table.getColumns().add(col("Alarm", e -> "#" + e.alarmId(), 60));
        table.getColumns().add(col("Owner", JournalEntry::owner, 150));
        table.getColumns().add(col("Rule", JournalEntry::rule, 150));
        table.getColumns().add(col("What", JournalEntry::what, 90));
        table.getColumns().add(col("Who", JournalEntry::actor, 170));
        table.getColumns().add(col("Why", e -> e.reason() != null ? e.reason()
                : e.snoozedUntil() != null ? "until " + Ages.timestamp(e.snoozedUntil()) : e.message(), 260));
        table.setPlaceholder(new Label("Nothing in the journal for this span and filter"));
        table.setRowFactory(tv -> new TableRow<>() {
            @Override
            protected void updateItem(JournalEntry e, boolean empty) {
                super.updateItem(e, empty);
                pseudoClassStateChanged(PseudoClass.getPseudoClass("action"), !empty && e != null && "action".equals(e.kind()));
                for (String sev : List.of("critical", "error", "warning", "notice", "info", "debug")) {
                    pseudoClassStateChanged(PseudoClass.getPseudoClass("sev-" + sev), !empty && e != null
                            && "raised".equals(e.what()) && sev.equals(e.severity()));
                }
            }
        });
        Label truncated = Labels.message(Bindings.when(vm.truncatedProperty())
                .then("More lines matched than are shown (" + AlarmJournalViewModel.LIMIT + "): narrow the span or the filter.")
                .otherwise(""), "outcome-label");
        Label message = Labels.message(vm.export().messageProperty(), "outcome-label");
        message.setId("journal-export-message");
        setTop(new VBox(top, Labels.message(vm.errorProperty(), "error-label"), truncated, message));
        setCenter(new ProgressOverlay(table, vm.busy().busyProperty()));
    }

    static HBox exportProgress(CsvExport export) {
        ProgressBar bar = new ProgressBar();
        bar.setPrefWidth(110);
        bar.progressProperty().bind(export.progressProperty());
        Button cancel = new Button("Cancel");
        cancel.setOnAction(e -> export.cancel());
        HBox box = new HBox(6, bar, cancel);
        box.setAlignment(Pos.CENTER_LEFT);
        box.visibleProperty().bind(export.runningProperty());
        box.managedProperty().bind(box.visibleProperty());
        return box;
    }

    private static TextField field(String id, String prompt, javafx.beans.property.StringProperty p, AlarmJournalViewModel vm) {
        TextField f = new TextField();
        f.setId(id);
        f.setPromptText(prompt);
        f.setPrefColumnCount(12);
        f.textProperty().bindBidirectional(p);
        f.setOnAction(e -> vm.refresh());
        return f;
    }

    private static TableColumn<JournalEntry, String> col(String title, Function<JournalEntry, String> f, double width) {
        TableColumn<JournalEntry, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public TableView<JournalEntry> table() {
        return table;
    }
}
