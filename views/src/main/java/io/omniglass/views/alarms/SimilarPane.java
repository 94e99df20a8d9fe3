package io.omniglass.views.alarms;

import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.services.SimilarAlarms;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.function.Function;

/**
 * "Has this happened before, and what did we do?": the focused alarm's closest past occurrences
 * and, for the one selected, its lead-up beside this alarm's (the fingerprints, per datapoint type).
 */
public final class SimilarPane extends VBox {

    public SimilarPane(SimilarViewModel vm) {
        Label title = new Label("Similar past alarms");
        title.getStyleClass().add("section-title");
        Label message = Labels.message(vm.messageProperty(), "outcome-label");
        message.setId("similar-message");

        TableView<SimilarAlarms.Occurrence> table = new TableView<>(vm.occurrences());
        table.setId("similar-table");
        table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        table.getColumns().add(col("Distance", SimilarViewModel::closeness, 64));
        table.getColumns().add(col("Raised", o -> Ages.timestamp(o.raisedAt()), 150));
        table.getColumns().add(col("Owner", SimilarAlarms.Occurrence::owner, 150));
        table.getColumns().add(col("Rule", SimilarAlarms.Occurrence::rule, 170));
        table.getColumns().add(col("How it ended, what was done", SimilarViewModel::outcome, 420));
        table.setPlaceholder(new Label(""));
        table.setRowFactory(tv -> {
            var row = new javafx.scene.control.TableRow<SimilarAlarms.Occurrence>();
            row.itemProperty().addListener((o, a, b) -> row.setTooltip(b == null ? null : new Tooltip(SimilarViewModel.outcome(b))));
            return row;
        });
        table.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null) {
                vm.openedProperty().set(b);
            }
        });
        vm.openedProperty().addListener((o, a, b) -> {
            if (b != null && table.getSelectionModel().getSelectedItem() != b) {
                table.getSelectionModel().select(b);
            }
        });

        ComboBox<String> key = new ComboBox<>(vm.keys());
        key.setId("similar-key");
        key.valueProperty().bindBidirectional(vm.keyProperty());
        Label keyLabel = new Label("Lead-up of");
        NumberAxis x = new NumberAxis(-SimilarViewModel.WINDOW_MINUTES, 0, 5);
        x.setLabel("minutes before the raise");
        NumberAxis y = new NumberAxis();
        y.setLabel("normalised");
        LineChart<Number, Number> chart = new LineChart<>(x, y);
        chart.setId("similar-chart");
        chart.setAnimated(false);
        chart.setCreateSymbols(true);
        chart.setLegendVisible(true);
        chart.setMinHeight(160);
        vm.comparison().addListener((ListChangeListener<SimilarViewModel.Curve>) c -> {
            chart.getData().clear();
            for (SimilarViewModel.Curve curve : vm.comparison()) {
                XYChart.Series<Number, Number> s = new XYChart.Series<>();
                s.setName(curve.label());
                for (double[] p : curve.points()) {
                    s.getData().add(new XYChart.Data<>(p[0], p[1]));
                }
                chart.getData().add(s);
            }
        });
        VBox compare = new VBox(4, new HBox(6, keyLabel, key), chart);
        VBox.setVgrow(chart, Priority.ALWAYS);
        SplitPane split = new SplitPane(table, compare);
        split.setOrientation(Orientation.HORIZONTAL);
        split.setDividerPositions(0.64);
        VBox.setVgrow(split, Priority.ALWAYS);
        getChildren().addAll(title, message, split);
        setSpacing(6);
        setPadding(new Insets(8));
        setId("similar-pane");
    }

    private static TableColumn<SimilarAlarms.Occurrence, String> col(String title, Function<SimilarAlarms.Occurrence, String> f,
                                                                     double width) {
        TableColumn<SimilarAlarms.Occurrence, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }
}
