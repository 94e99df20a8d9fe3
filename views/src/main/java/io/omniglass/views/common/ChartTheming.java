package io.omniglass.views.common;

import javafx.collections.ListChangeListener;
import javafx.scene.Scene;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.Axis;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.title.Title;
import org.jfree.chart.ui.Layer;

import java.awt.Color;
import java.util.Collection;

/**
 * JFreeChart paints with AWT colours, which the stylesheets cannot reach: this gives a chart the
 * colours of the theme its scene carries (the same values as {@code light.css} and {@code dark.css}),
 * and paints it again when the theme is switched. Series colours are the chart's own and are kept.
 */
public final class ChartTheming {

    /** The chart colours of one theme. */
    record Palette(Color background, Color plot, Color grid, Color outline, Color text, Color muted) {
    }

    static final Palette LIGHT = new Palette(new Color(0xffffff), new Color(0xf7f8fa), new Color(0xd5d9de),
            new Color(0xd5d9de), new Color(0x1c232b), new Color(0x6b7580));
    static final Palette DARK = new Palette(new Color(0x1e2227), new Color(0x23272d), new Color(0x3a4048),
            new Color(0x3a4048), new Color(0xe3e6ea), new Color(0x9aa3ad));

    private ChartTheming() {
    }

    /** Keeps the viewer's chart (the one it has now, and any set later through {@link #restyle}) in its scene's theme. */
    public static void follow(ChartViewer viewer) {
        ListChangeListener<String> sheets = c -> restyle(viewer);
        viewer.sceneProperty().addListener((o, before, now) -> {
            if (before != null) {
                before.getStylesheets().removeListener(sheets);
            }
            if (now != null) {
                now.getStylesheets().addListener(sheets);
                restyle(viewer);
            }
        });
        restyle(viewer);
    }

    /** Paints the viewer's current chart in the theme of the viewer's scene (light when it has none yet). */
    public static void restyle(ChartViewer viewer) {
        JFreeChart chart = viewer.getChart();
        if (chart != null) {
            paint(chart, themeOf(viewer.getScene()));
        }
    }

    static Theme themeOf(Scene scene) {
        return scene != null && scene.getStylesheets().contains(Theme.DARK.url()) ? Theme.DARK : Theme.LIGHT;
    }

    static void paint(JFreeChart chart, Theme theme) {
        Palette p = theme == Theme.DARK ? DARK : LIGHT;
        chart.setBackgroundPaint(p.background());
        TextTitle title = chart.getTitle();
        if (title != null) {
            title.setPaint(p.text());
        }
        for (int i = 0; i < chart.getSubtitleCount(); i++) {
            paint(chart.getSubtitle(i), p);
        }
        paint(chart.getPlot(), p);
    }

    private static void paint(Title t, Palette p) {
        if (t instanceof LegendTitle legend) {
            legend.setBackgroundPaint(p.background());
            legend.setItemPaint(p.text());
        } else if (t instanceof PaintScaleLegend scale) {
            scale.setBackgroundPaint(p.background());
            paint(scale.getAxis(), p);
        } else if (t instanceof TextTitle text) {
            text.setPaint(p.text());
        }
    }

    private static void paint(Plot plot, Palette p) {
        plot.setBackgroundPaint(p.plot());
        plot.setOutlinePaint(p.outline());
        if (plot instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(p.grid());
            xy.setRangeGridlinePaint(p.grid());
            for (int i = 0; i < xy.getDomainAxisCount(); i++) {
                paint(xy.getDomainAxis(i), p);
            }
            for (int i = 0; i < xy.getRangeAxisCount(); i++) {
                paint(xy.getRangeAxis(i), p);
            }
            paintLabels(xy.getDomainMarkers(Layer.FOREGROUND), p);
            paintLabels(xy.getDomainMarkers(Layer.BACKGROUND), p);
            paintLabels(xy.getRangeMarkers(Layer.FOREGROUND), p);
            paintLabels(xy.getRangeMarkers(Layer.BACKGROUND), p);
        }
    }

    private static void paint(Axis axis, Palette p) {
        if (axis == null) {
            return;
        }
        axis.setLabelPaint(p.text());
        axis.setTickLabelPaint(p.muted());
        axis.setAxisLinePaint(p.outline());
        axis.setTickMarkPaint(p.outline());
    }

    private static void paintLabels(Collection<?> markers, Palette p) {
        if (markers == null) {
            return;
        }
        for (Object m : markers) {
            ((Marker) m).setLabelPaint(p.muted());
        }
    }
}
