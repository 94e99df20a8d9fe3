package io.omniglass.views.values;

import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.Datapoint;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.data.time.FixedMillisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A series' history as a time chart; drag to zoom in, scroll to zoom, "Reset zoom" to go back. */
public final class SeriesHistoryView extends BorderPane {

    private final JFreeChart chart;

    public SeriesHistoryView(SeriesHistoryViewModel vm) {
        TimeSeries series = new TimeSeries(vm.series().key());
        TimeSeriesCollection data = new TimeSeriesCollection(series);
        String unit = vm.series().unit() == null ? "" : vm.series().unit();
        chart = ChartFactory.createTimeSeriesChart(vm.title(), "time", unit, data, false, true, false);
        ChartViewer viewer = new ChartViewer(chart);
        viewer.setId("history-chart");
        vm.points().addListener((ListChangeListener<Datapoint>) c -> {
            series.setNotify(false);
            series.clear();
            for (Datapoint p : vm.points()) {
                if (p.value() != null) {
                    series.addOrUpdate(new FixedMillisecond(p.ts().toEpochMilli()), p.value());
                }
            }
            series.setNotify(true);
            series.fireSeriesChanged();
        });

        ToggleGroup windows = new ToggleGroup();
        Map<String, Duration> choices = new LinkedHashMap<>();
        choices.put("15 min", Duration.ofMinutes(15));
        choices.put("1 h", Duration.ofHours(1));
        choices.put("6 h", Duration.ofHours(6));
        choices.put("24 h", Duration.ofHours(24));
        choices.put("7 d", Duration.ofDays(7));
        HBox bar = new HBox(6);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));
        choices.forEach((label, d) -> {
            ToggleButton b = new ToggleButton(label);
            b.setToggleGroup(windows);
            b.setSelected(d.equals(vm.windowProperty().get()));
            b.setOnAction(e -> vm.windowProperty().set(d));
            bar.getChildren().add(b);
        });
        Button reset = new Button("Reset zoom");
        reset.setOnAction(e -> chart.getXYPlot().getDomainAxis().setAutoRange(true));
        Button reload = new Button("Reload");
        reload.setOnAction(e -> vm.load());
        Label hint = new Label("drag to zoom, scroll to zoom, right-click for more");
        hint.getStyleClass().add("muted");
        bar.getChildren().addAll(reset, reload, hint);
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(new ProgressOverlay(viewer, vm.busy().busyProperty()));
    }

    public JFreeChart chart() {
        return chart;
    }
}
