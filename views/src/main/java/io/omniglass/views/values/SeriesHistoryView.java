package io.omniglass.views.values;

import io.omniglass.views.common.ChartTheming;
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
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import io.omniglass.views.services.SeriesBuckets;
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
        ChartTheming.follow(viewer);
        // long windows: a min-max band with the average line, from the aggregates
        YIntervalSeries band = new YIntervalSeries(vm.series().key() + " (min-max, avg)");
        YIntervalSeriesCollection bandData = new YIntervalSeriesCollection();
        bandData.addSeries(band);
        XYPlot plot = chart.getXYPlot();
        DeviationRenderer bandRenderer = new DeviationRenderer(true, false);
        bandRenderer.setSeriesFillPaint(0, new java.awt.Color(70, 130, 180));
        bandRenderer.setAlpha(0.3f);
        plot.setDataset(1, bandData);
        plot.setRenderer(1, bandRenderer);
        vm.buckets().addListener((ListChangeListener<SeriesBuckets.Bucket>) c -> {
            band.setNotify(false);
            band.clear();
            for (SeriesBuckets.Bucket b : vm.buckets()) {
                band.add(b.ts().toEpochMilli(), b.avg(), b.min(), b.max());
            }
            band.setNotify(true);
            band.fireSeriesChanged();
        });
        // where the cold tier (Parquet) ends and the hot one (Postgres) begins
        vm.coldBeforeProperty().addListener((o, a, b) -> {
            plot.clearDomainMarkers();
            if (b != null) {
                ValueMarker m = new ValueMarker(b.toEpochMilli());
                m.setPaint(java.awt.Color.GRAY);
                m.setStroke(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                        1f, new float[] {6f, 4f}, 0f));
                m.setLabel("cold tier | hot");
                m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
                m.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
                plot.addDomainMarker(m);
                ChartTheming.restyle(viewer);
            }
        });
        vm.points().addListener((ListChangeListener<Datapoint>) c -> {
            series.setNotify(false);
            series.clear(); // (empty while a long window shows the band)
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
        choices.put("30 d", Duration.ofDays(30));
        choices.put("90 d", Duration.ofDays(90));
        choices.put("1 y", Duration.ofDays(365));
        HBox bar = new HBox(6);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));
        choices.forEach((label, d) -> {
            ToggleButton b = new ToggleButton(label);
            b.setToggleGroup(windows);
            b.setSelected(d.equals(vm.windowProperty().get()));
            b.setOnAction(e -> vm.windowProperty().set(d));
            b.setMinWidth(Region.USE_PREF_SIZE); // a narrow window cuts the hint, never a button's label
            bar.getChildren().add(b);
        });
        Button reset = new Button("Reset zoom");
        reset.setOnAction(e -> chart.getXYPlot().getDomainAxis().setAutoRange(true));
        Button reload = new Button("Reload");
        reload.setOnAction(e -> vm.load());
        reset.setMinWidth(Region.USE_PREF_SIZE);
        reload.setMinWidth(Region.USE_PREF_SIZE);
        Label hint = new Label("drag to zoom, scroll to zoom, right-click for more");
        hint.getStyleClass().add("muted");
        hint.setMinWidth(0);
        bar.getChildren().addAll(reset, reload, hint);
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(new ProgressOverlay(viewer, vm.busy().busyProperty()));
    }

    public JFreeChart chart() {
        return chart;
    }
}
