package io.omniglass.views.plant;

import javafx.scene.layout.Region;
import javafx.scene.shape.Polyline;

import java.util.List;

/**
 * A line of the last hour, no axes: enough to see a trend or a spike at a glance. A Polyline (not a
 * chart) so a table of tens of rows stays light; its colour comes from the theme ({@code .sparkline}).
 */
public final class Sparkline extends Region {

    public static final double WIDTH = 140;
    public static final double HEIGHT = 22;

    private final Polyline line = new Polyline();
    private List<Double> points = List.of();

    public Sparkline() {
        getStyleClass().add("sparkline-box");
        line.getStyleClass().add("sparkline");
        line.setManaged(false);
        getChildren().add(line);
        setMinSize(WIDTH, HEIGHT);
        setPrefSize(WIDTH, HEIGHT);
        setMaxSize(WIDTH, HEIGHT);
    }

    public void setPoints(List<Double> values) {
        points = values == null ? List.of() : values;
        requestLayout();
    }

    public int pointCount() {
        return points.size();
    }

    @Override
    protected void layoutChildren() {
        line.getPoints().setAll(coordinates(points, getWidth(), getHeight()));
    }

    /** x, y pairs scaled into the box (1 px inset), the lowest value at the bottom; a flat series mid-height. */
    static List<Double> coordinates(List<Double> values, double w, double h) {
        if (values.isEmpty()) {
            return List.of();
        }
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double span = max - min;
        double step = values.size() == 1 ? 0 : (w - 2) / (values.size() - 1);
        Double[] out = new Double[values.size() * 2];
        for (int i = 0; i < values.size(); i++) {
            double y = span == 0 ? h / 2 : 1 + (h - 2) * (1 - (values.get(i) - min) / span);
            out[2 * i] = 1 + i * step;
            out[2 * i + 1] = y;
        }
        return List.of(out);
    }
}
