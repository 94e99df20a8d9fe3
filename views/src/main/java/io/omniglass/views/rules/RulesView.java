package io.omniglass.views.rules;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.Backtest;
import io.omniglass.views.services.EventRule;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.StringProperty;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

import java.time.Duration;
import java.util.function.Function;

/**
 * The tenant's event rules beside the one being written: its form (the core's errors at their
 * fields), a backtest over a chosen span with progress and cancel, how often it would have raised
 * per owner, the chosen owner's chart with the active intervals, and saving it.
 */
public final class RulesView extends BorderPane {

    public RulesView(RulesViewModel vm) {
        RuleFormViewModel form = vm.form();
        BacktestViewModel bt = vm.backtest();

        Label title = new Label();
        title.getStyleClass().add("section-title");
        title.textProperty().bind(vm.tenantProperty().map(t -> "Event rules of " + t).orElse("Open a tenant to see its rules"));
        Label saved = new Label();
        saved.setId("rule-saved");
        saved.getStyleClass().add("muted");
        saved.textProperty().bind(vm.savedProperty());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button newRule = new Button("New rule");
        newRule.setId("rule-new");
        newRule.setOnAction(e -> vm.newRule());
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        HBox bar = new HBox(12, title, saved, spacer, newRule, refresh);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));

        TableView<EventRule> list = new TableView<>(vm.rules());
        list.setId("rules-table");
        list.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        list.getColumns().add(col("Name", r -> r.draft().name(), 196));
        list.getColumns().add(col("Key", r -> r.draft().key(), 132));
        list.getColumns().add(col("Severity", r -> r.draft().severity(), 78));
        list.getColumns().add(col("v", r -> r.version() + (r.draft().enabled() ? "" : " (off)"), 36));
        list.getColumns().add(col("Condition", EventRule::summary, 200));
        list.setPlaceholder(new Label("No event rules"));
        list.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> vm.edit(b));

        VBox editor = new VBox(6, formGrid(form), backtestBar(vm, bt),
                Labels.message(bt.statusProperty(), "muted"), Labels.message(bt.errorProperty(), "error-label"),
                results(bt));
        editor.setPadding(new Insets(0, 8, 8, 8));
        VBox.setVgrow(editor.getChildren().get(editor.getChildren().size() - 1), Priority.ALWAYS);
        ((Label) editor.getChildren().get(2)).setId("backtest-status");

        SplitPane split = new SplitPane(list, editor);
        split.setDividerPositions(0.43);
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(new ProgressOverlay(split, vm.busy().busyProperty()));
    }

    private static GridPane formGrid(RuleFormViewModel form) {
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(2);
        g.setPadding(new Insets(8, 0, 4, 0));
        int row = 0;
        field(g, row++, "Name", text("rule-name", form.nameProperty(), "pump-temperature-high"), form, RuleFormViewModel.NAME,
                "Selector", text("rule-selector", form.selectorProperty(), "component:pump-*"), RuleFormViewModel.SELECTOR);
        row++;
        ChoiceBox<String> type = new ChoiceBox<>();
        type.setId("rule-condition");
        type.getItems().setAll(RuleFormViewModel.CONDITIONS);
        type.valueProperty().bindBidirectional(form.conditionProperty());
        field(g, row++, "Key", text("rule-key", form.keyProperty(), "temperature"), form, RuleFormViewModel.KEY,
                "Condition", type, RuleFormViewModel.CONDITION);
        row++;
        TextField limit = text("rule-limit", form.limitProperty(), "85");
        TextField deadband = text("rule-deadband", form.deadbandProperty(), "0");
        TextField equals = text("rule-equals", form.equalsProperty(), "tripped");
        limit.disableProperty().bind(form.conditionProperty().map(t -> !RuleFormViewModel.needsLimit(t)));
        deadband.disableProperty().bind(form.conditionProperty().map(t -> !RuleFormViewModel.hasDeadband(t)));
        equals.disableProperty().bind(form.conditionProperty().map(t -> !"state".equals(t)));
        Label limitLabel = field(g, row++, "Threshold", limit, form, RuleFormViewModel.LIMIT,
                "Deadband", deadband, RuleFormViewModel.DEADBAND);
        limitLabel.textProperty().bind(form.conditionProperty().map(t -> capital(RuleFormViewModel.limitLabel(t))));
        row++;
        ChoiceBox<String> severity = new ChoiceBox<>();
        severity.setId("rule-severity");
        severity.getItems().setAll(RuleFormViewModel.SEVERITIES);
        severity.valueProperty().bindBidirectional(form.severityProperty());
        field(g, row++, "State equals", equals, form, RuleFormViewModel.EQUALS, "Severity", severity, RuleFormViewModel.SEVERITY);
        row++;
        CheckBox enabled = new CheckBox("enabled");
        enabled.setId("rule-enabled");
        enabled.selectedProperty().bindBidirectional(form.enabledProperty());
        field(g, row++, "Message", text("rule-message", form.messageProperty(), "{owner} {key} high"), form, null,
                "", enabled, null);
        row++;
        Label formError = error(form, RuleFormViewModel.FORM);
        formError.setId("rule-form-error");
        g.add(formError, 0, row, 4, 1);
        for (int c : new int[] {1, 3}) {
            javafx.scene.layout.ColumnConstraints cc = new javafx.scene.layout.ColumnConstraints();
            cc.setHgrow(Priority.ALWAYS);
            while (g.getColumnConstraints().size() < c) {
                g.getColumnConstraints().add(new javafx.scene.layout.ColumnConstraints());
            }
            g.getColumnConstraints().add(cc);
        }
        return g;
    }

    /** Two labelled fields on a row and their errors on the row below; returns the first label. */
    private static Label field(GridPane g, int row, String label1, Node field1, RuleFormViewModel form, String key1,
                               String label2, Node field2, String key2) {
        Label l1 = new Label(label1);
        Label l2 = new Label(label2);
        g.add(l1, 0, row);
        g.add(field1, 1, row);
        g.add(l2, 2, row);
        g.add(field2, 3, row);
        if (key1 != null) {
            Label e = error(form, key1);
            e.setId("rule-" + key1 + "-error");
            g.add(e, 1, row + 1);
        }
        if (key2 != null) {
            Label e = error(form, key2);
            e.setId("rule-" + key2 + "-error");
            g.add(e, 3, row + 1);
        }
        return l1;
    }

    private static Label error(RuleFormViewModel form, String key) {
        Label e = new Label();
        e.getStyleClass().add("error-label");
        e.setWrapText(true);
        e.textProperty().bind(Bindings.stringValueAt(form.errors(), key));
        e.visibleProperty().bind(e.textProperty().isNotEmpty());
        e.managedProperty().bind(e.visibleProperty());
        return e;
    }

    private static TextField text(String id, StringProperty value, String prompt) {
        TextField f = new TextField();
        f.setId(id);
        f.setPromptText(prompt);
        f.textProperty().bindBidirectional(value);
        return f;
    }

    private static HBox backtestBar(RulesViewModel vm, BacktestViewModel bt) {
        Label spanLabel = new Label("Backtest over the last");
        ChoiceBox<Duration> span = new ChoiceBox<>();
        span.setId("backtest-span");
        span.getItems().setAll(BacktestViewModel.SPANS);
        span.setConverter(new StringConverter<>() {
            @Override
            public String toString(Duration d) {
                return d == null ? "" : BacktestViewModel.label(d);
            }

            @Override
            public Duration fromString(String s) {
                return null;
            }
        });
        span.valueProperty().bindBidirectional(bt.spanProperty());
        Button run = new Button("Run backtest");
        run.setId("backtest-run");
        run.setDefaultButton(true);
        run.disableProperty().bind(bt.runningProperty());
        run.setOnAction(e -> vm.runBacktest());
        ProgressBar progress = new ProgressBar(ProgressBar.INDETERMINATE_PROGRESS);
        progress.setId("backtest-progress");
        progress.visibleProperty().bind(bt.runningProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        Button cancel = new Button("Cancel");
        cancel.setId("backtest-cancel");
        cancel.visibleProperty().bind(bt.runningProperty());
        cancel.managedProperty().bind(cancel.visibleProperty());
        cancel.setOnAction(e -> bt.cancel());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button save = new Button("Save rule");
        save.setId("rule-save");
        save.setOnAction(e -> vm.save());
        HBox box = new HBox(8, spanLabel, span, run, progress, cancel, spacer, save);
        box.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        return box;
    }

    private static Node results(BacktestViewModel bt) {
        TableView<Backtest.Owner> owners = new TableView<>(bt.owners());
        owners.setId("backtest-owners");
        owners.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_ALL_COLUMNS);
        owners.getColumns().add(ownerCol("Owner", Backtest.Owner::owner, 150));
        owners.getColumns().add(ownerCol("Raises", o -> Integer.toString(o.raises()), 62));
        owners.getColumns().add(ownerCol("Active for", o -> bt.resultProperty().get() == null ? ""
                : duration(o.active(bt.resultProperty().get().to())), 82));
        owners.getColumns().add(ownerCol("Points", o -> String.format("%,d", o.evaluatedPoints()), 70));
        owners.setPlaceholder(new Label("Run a backtest to see when the draft would have raised"));
        owners.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                bt.selectedProperty().set(b);
            }
        });
        bt.selectedProperty().addListener((o, a, b) -> {
            if (b != null && owners.getSelectionModel().getSelectedItem() != b) {
                owners.getSelectionModel().select(b);
            }
        });
        BacktestChart chart = new BacktestChart(bt);
        SplitPane split = new SplitPane(owners, chart);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.5);
        split.setMinHeight(260);
        return split;
    }

    static String duration(Duration d) {
        long s = d.toSeconds();
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        if (s < 2 * 86400) {
            return String.format("%.1f h", s / 3600.0);
        }
        return String.format("%.1f d", s / 86400.0);
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static TableColumn<EventRule, String> col(String title, Function<EventRule, String> f, double width) {
        TableColumn<EventRule, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    private static TableColumn<Backtest.Owner, String> ownerCol(String title, Function<Backtest.Owner, String> f, double width) {
        TableColumn<Backtest.Owner, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setMinWidth(title.equals("Owner") ? 120 : width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }
}
