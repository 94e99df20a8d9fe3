package io.omniglass.views.heatmap;

import io.omniglass.views.common.ChartTheming;
import io.omniglass.views.common.Ages;
import io.omniglass.views.common.Labels;
import io.omniglass.views.common.ProgressOverlay;
import io.omniglass.views.services.Heatmap;
import io.omniglass.views.services.SlowStatement;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.entity.XYItemEntity;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.fx.interaction.ChartMouseEventFX;
import org.jfree.chart.fx.interaction.ChartMouseListenerFX;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.Function;

/**
 * Query latency heatmap: 24 hour columns by percentile rows, coloured on a log scale with a legend,
 * grey where there is no data. Hover for the exact value and count; click a cell for that hour's
 * slowest statements. Refreshes every minute.
 */
public final class HeatmapView extends BorderPane {

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH:00").withZone(ZoneId.systemDefault());

    private final HeatmapViewModel vm;
    private final ChartViewer viewer = new ChartViewer(null);

    public HeatmapView(HeatmapViewModel vm) {
        this.vm = vm;
        ComboBox<String> tenant = new ComboBox<>(vm.tenants());
        tenant.setId("heatmap-tenant");
        tenant.valueProperty().bindBidirectional(vm.tenantProperty());
        Button refresh = new Button("Refresh");
        refresh.setOnAction(e -> vm.refresh());
        Label hint = new Label("hover a cell for value and count; click it for the hour's slowest statements");
        hint.getStyleClass().add("muted");
        HBox bar = new HBox(8, new Label("Tenant"), tenant, refresh, hint);
        bar.getStyleClass().add("toolbar");
        bar.setPadding(new Insets(8));

        viewer.setId("heatmap-chart");
        ChartTheming.follow(viewer);
        vm.heatmapProperty().addListener((o, a, h) -> {
            viewer.setChart(h == null ? null : chart(h));
            ChartTheming.restyle(viewer);
        });
        viewer.addChartMouseListener(new ChartMouseListenerFX() {
            @Override
            public void chartMouseClicked(ChartMouseEventFX event) {
                if (event.getEntity() instanceof XYItemEntity item && vm.heatmapProperty().get() != null) {
                    DefaultXYZDataset ds = (DefaultXYZDataset) item.getDataset();
                    int col = (int) ds.getXValue(item.getSeriesIndex(), item.getItem());
                    int row = (int) ds.getYValue(item.getSeriesIndex(), item.getItem());
                    vm.select(row, col);
                }
            }

            @Override
            public void chartMouseMoved(ChartMouseEventFX event) {
            }
        });

        TableView<SlowStatement> slow = new TableView<>(vm.slowest());
        slow.setId("heatmap-slowest");
        slow.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        slow.getColumns().add(col("ms", s -> String.format(Locale.ROOT, "%.1f", s.ms()), 70));
        slow.getColumns().add(col("When", s -> Ages.timestamp(s.ts()), 140));
        slow.getColumns().add(col("Tenant", SlowStatement::tenant, 80));
        slow.getColumns().add(col("Statement", SlowStatement::statement, 400));
        slow.setPlaceholder(new Label("Click a cell to list that hour's slowest statements"));
        Label cell = new Label();
        cell.getStyleClass().add("section-title");
        cell.textProperty().bind(vm.selectedCellProperty());
        VBox bottom = new VBox(4, cell, slow);
        bottom.setPadding(new Insets(6));
        VBox.setVgrow(slow, Priority.ALWAYS);

        SplitPane split = new SplitPane(new ProgressOverlay(viewer, vm.busy().busyProperty()), bottom);
        split.setOrientation(Orientation.VERTICAL);
        split.setDividerPositions(0.66);
        setTop(new VBox(bar, Labels.message(vm.errorProperty(), "error-label")));
        setCenter(split);

        Timeline tick = new Timeline(new KeyFrame(Duration.seconds(60), e -> vm.refresh()));
        tick.setCycleCount(Timeline.INDEFINITE);
        sceneProperty().addListener((o, a, scene) -> {
            if (scene == null) {
                tick.stop();
            } else {
                tick.play();
            }
        });
    }

    static JFreeChart chart(Heatmap h) {
        int cols = h.hours().size();
        int rows = h.percentiles().size();
        double[] xs = new double[cols * rows];
        double[] ys = new double[cols * rows];
        double[] zs = new double[cols * rows];
        double min = Double.MAX_VALUE;
        double max = 0;
        int i = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                xs[i] = c;
                ys[i] = r;
                zs[i] = h.hasData(r, c) ? h.ms()[r][c] : Double.NaN;
                if (h.hasData(r, c)) {
                    min = Math.min(min, h.ms()[r][c]);
                    max = Math.max(max, h.ms()[r][c]);
                }
                i++;
            }
        }
        if (max == 0) {
            min = 0.1;
            max = 100;
        }
        DefaultXYZDataset ds = new DefaultXYZDataset();
        ds.addSeries("latency", new double[][]{xs, ys, zs});
        String[] hourLabels = h.hours().stream().map(HOUR::format).toArray(String[]::new);
        SymbolAxis x = new SymbolAxis("hour", hourLabels);
        x.setGridBandsVisible(false);
        SymbolAxis y = new SymbolAxis("percentile", h.percentiles().toArray(String[]::new));
        y.setGridBandsVisible(false);
        XYBlockRenderer renderer = new XYBlockRenderer();
        LatencyPaintScale scale = new LatencyPaintScale(min, max);
        renderer.setPaintScale(scale);
        renderer.setDefaultToolTipGenerator((dataset, series, item) ->
                HeatmapViewModel.describe(h, (int) dataset.getYValue(series, item), (int) dataset.getXValue(series, item)));
        XYPlot plot = new XYPlot(ds, x, y, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart("Query latency (ms), last " + cols + " hours", plot);
        chart.removeLegend();
        LogAxis legendAxis = new LogAxis("ms");
        legendAxis.setRange(scale.getLowerBound(), scale.getUpperBound());
        legendAxis.setNumberFormatOverride(new java.text.DecimalFormat("0.##"));
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.TOP_OR_RIGHT);
        legend.setMargin(4, 4, 40, 4);
        chart.addSubtitle(legend);
        return chart;
    }

    private static TableColumn<SlowStatement, String> col(String title, Function<SlowStatement, String> f, double width) {
        TableColumn<SlowStatement, String> c = new TableColumn<>(title);
        c.setPrefWidth(width);
        c.setCellValueFactory(cd -> new ReadOnlyStringWrapper(f.apply(cd.getValue())));
        return c;
    }

    public ChartViewer viewer() {
        return viewer;
    }
}
