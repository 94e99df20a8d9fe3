package io.omniglass.views.heatmap;

import org.jfree.chart.renderer.PaintScale;

import java.awt.Color;
import java.awt.Paint;

/**
 * Latency colours on a log scale (latency spans orders of magnitude): green at the lower bound,
 * yellow in the middle, red at the upper bound; grey where an hour has no data (NaN).
 */
public final class LatencyPaintScale implements PaintScale {

    public static final Color NO_DATA = new Color(0x9e, 0x9e, 0x9e);
    private static final Color LOW = new Color(0x2e, 0x9d, 0x4f);
    private static final Color MID = new Color(0xf2, 0xc1, 0x2e);
    private static final Color HIGH = new Color(0xd6, 0x2d, 0x20);

    private final double lower;
    private final double upper;

    public LatencyPaintScale(double lower, double upper) {
        this.lower = Math.max(lower, 0.01);
        this.upper = Math.max(upper, this.lower * 10);
    }

    @Override
    public double getLowerBound() {
        return lower;
    }

    @Override
    public double getUpperBound() {
        return upper;
    }

    /** Position of a value on the scale, 0..1. */
    public double position(double value) {
        double v = Math.min(Math.max(value, lower), upper);
        return (Math.log(v) - Math.log(lower)) / (Math.log(upper) - Math.log(lower));
    }

    @Override
    public Paint getPaint(double value) {
        if (Double.isNaN(value)) {
            return NO_DATA;
        }
        double p = position(value);
        return p < 0.5 ? mix(LOW, MID, p * 2) : mix(MID, HIGH, (p - 0.5) * 2);
    }

    private static Color mix(Color a, Color b, double t) {
        return new Color(
                (int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
                (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }
}
