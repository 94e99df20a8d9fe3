package io.omniglass.views.rules;

import io.omniglass.views.common.ChartTheming;
import io.omniglass.views.services.Backtest;
import io.omniglass.views.services.Datapoint;
import io.omniglass.views.services.SeriesBuckets;
import javafx.collections.ListChangeListener;
import javafx.scene.layout.BorderPane;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.time.FixedMillisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.time.Instant;

/**
 * The selected owner's series over the backtest's span with the intervals the draft would have
 * been active shaded, a line at each raise (red) and clear (green), and the threshold.
 */
final class BacktestChart extends BorderPane {

    private static final Color ACTIVE = new Color(220, 60, 50, 60);
    private static final Color RAISE = new Color(200, 40, 30);
    private static final Color CLEAR = new Color(40, 150, 70);

    BacktestChart(BacktestViewModel vm) {
        TimeSeries line = new TimeSeries("value");
        JFreeChart chart = ChartFactory.createTimeSeriesChart(null, null, null, new TimeSeriesCollection(line), false, true, false);
        XYPlot plot = chart.getXYPlot();
        plot.getRenderer().setSeriesPaint(0, new Color(30, 90, 160)); // not the raise lines' red
        YIntervalSeries band = new YIntervalSeries("min-max");
        YIntervalSeriesCollection bandData = new YIntervalSeriesCollection();
        bandData.addSeries(band);
        DeviationRenderer bandRenderer = new DeviationRenderer(true, false);
        bandRenderer.setSeriesFillPaint(0, new Color(70, 130, 180));
        bandRenderer.setAlpha(0.3f);
        plot.setDataset(1, bandData);
        plot.setRenderer(1, bandRenderer);
        ChartViewer viewer = new ChartViewer(chart);
        viewer.setId("backtest-chart");
        ChartTheming.follow(viewer);
        setCenter(viewer);

        vm.points().addListener((ListChangeListener<Datapoint>) c -> {
            line.setNotify(false);
            line.clear();
            for (Datapoint p : vm.points()) {
                if (p.value() != null) {
                    line.addOrUpdate(new FixedMillisecond(p.ts().toEpochMilli()), p.value());
                }
            }
            line.setNotify(true);
            line.fireSeriesChanged();
        });
        vm.buckets().addListener((ListChangeListener<SeriesBuckets.Bucket>) c -> {
            band.setNotify(false);
            band.clear();
            for (SeriesBuckets.Bucket b : vm.buckets()) {
                band.add(b.ts().toEpochMilli(), b.avg(), b.min(), b.max());
            }
            band.setNotify(true);
            band.fireSeriesChanged();
        });
        vm.intervals().addListener((ListChangeListener<Backtest.Interval>) c -> markIntervals(vm, plot));
        vm.thresholdProperty().addListener((o, a, b) -> {
            plot.clearRangeMarkers();
            if (b != null) {
                ValueMarker m = new ValueMarker(b);
                m.setPaint(Color.GRAY);
                m.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {5f, 4f}, 0f));
                m.setLabel("threshold " + b);
                m.setLabelAnchor(org.jfree.chart.ui.RectangleAnchor.TOP_RIGHT);
                m.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.BOTTOM_RIGHT);
                plot.addRangeMarker(m);
                ChartTheming.restyle(viewer);
            }
        });
    }

    private static void markIntervals(BacktestViewModel vm, XYPlot plot) {
        plot.clearDomainMarkers();
        Backtest b = vm.resultProperty().get();
        Instant end = b == null ? Instant.now() : b.to();
        for (Backtest.Interval i : vm.intervals()) {
            long from = i.raisedAt().toEpochMilli();
            long to = (i.clearedAt() == null ? end : i.clearedAt()).toEpochMilli();
            IntervalMarker shade = new IntervalMarker(from, Math.max(to, from + 1));
            shade.setPaint(ACTIVE);
            plot.addDomainMarker(shade, Layer.BACKGROUND);
            plot.addDomainMarker(line(from, RAISE), Layer.FOREGROUND);
            if (i.clearedAt() != null) {
                plot.addDomainMarker(line(to, CLEAR), Layer.FOREGROUND);
            }
        }
    }

    private static ValueMarker line(long at, Color color) {
        ValueMarker m = new ValueMarker(at);
        m.setPaint(color);
        m.setStroke(new BasicStroke(1.5f));
        return m;
    }
}
