package io.omniglass.views.lineage;

import io.omniglass.views.lineage.LineageLayout.Box;
import io.omniglass.views.lineage.LineageLayout.Point;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.PriorityQueue;
import java.util.TreeSet;

/**
 * Routes an edge from the right side of one box to the left side of another with horizontal and
 * vertical segments that keep {@link #MARGIN} away from every box. The search runs over the sparse
 * grid made of the lines just outside each box (an orthogonal visibility grid): between two adjacent
 * lines a segment is wholly inside a box's margin or wholly outside it, so blocking is decided once
 * per grid cell. A* with a cost per bend keeps routes short and with few corners. The outermost
 * lines run around everything, so a route always exists.
 */
final class OrthogonalRouter {

    static final double MARGIN = 8;
    private static final double BEND = 40;

    private final List<Box> boxes;
    private final double[] xs;
    private final double[] ys;
    private final boolean[] pointBlocked;
    private final boolean[] hBlocked;
    private final boolean[] vBlocked;

    OrthogonalRouter(Collection<Box> boxes) {
        this.boxes = List.copyOf(boxes);
        TreeSet<Double> x = new TreeSet<>();
        TreeSet<Double> y = new TreeSet<>();
        for (Box b : this.boxes) {
            x.add(b.x() - MARGIN);
            x.add(b.maxX() + MARGIN);
            y.add(b.y() - MARGIN);
            y.add(b.maxY() + MARGIN);
            y.add(b.centerY());
        }
        xs = x.stream().mapToDouble(Double::doubleValue).toArray();
        ys = y.stream().mapToDouble(Double::doubleValue).toArray();
        int nx = xs.length;
        int ny = ys.length;
        pointBlocked = new boolean[nx * ny];
        hBlocked = new boolean[nx * ny]; // segment (i,j) -> (i+1,j)
        vBlocked = new boolean[nx * ny]; // segment (i,j) -> (i,j+1)
        for (Box b : boxes) {
            int ix0 = Arrays.binarySearch(xs, b.x() - MARGIN);
            int ix1 = Arrays.binarySearch(xs, b.maxX() + MARGIN);
            int iy0 = Arrays.binarySearch(ys, b.y() - MARGIN);
            int iy1 = Arrays.binarySearch(ys, b.maxY() + MARGIN);
            for (int i = ix0; i <= ix1; i++) {
                for (int j = iy0; j <= iy1; j++) {
                    boolean insideX = i > ix0 && i < ix1;
                    boolean insideY = j > iy0 && j < iy1;
                    if (insideX && insideY) {
                        pointBlocked[i * ny + j] = true;
                    }
                    if (insideY && i < ix1) {
                        hBlocked[i * ny + j] = true;
                    }
                    if (insideX && j < iy1) {
                        vBlocked[i * ny + j] = true;
                    }
                }
            }
        }
    }

    /** Points from {@code from}'s right side to {@code to}'s left side, both at mid-height. */
    List<Point> route(Box from, Box to) {
        int nx = xs.length;
        int ny = ys.length;
        int si = Arrays.binarySearch(xs, from.maxX() + MARGIN);
        int sj = Arrays.binarySearch(ys, from.centerY());
        int ti = Arrays.binarySearch(xs, to.x() - MARGIN);
        int tj = Arrays.binarySearch(ys, to.centerY());

        // states: grid point x orientation (0 moving horizontally, 1 vertically)
        int states = nx * ny * 2;
        double[] cost = new double[states];
        int[] back = new int[states];
        Arrays.fill(cost, Double.MAX_VALUE);
        Arrays.fill(back, -1);
        PriorityQueue<double[]> open = new PriorityQueue<>((a, b) -> Double.compare(a[0], b[0]));
        int start = (si * ny + sj) * 2;
        cost[start] = 0;
        open.add(new double[]{heuristic(si, sj, ti, tj), start});
        int goal = -1;
        while (!open.isEmpty()) {
            double[] top = open.poll();
            int s = (int) top[1];
            double c = cost[s];
            if (top[0] > c + heuristic(s / 2 / ny, (s / 2) % ny, ti, tj) + 1e-9) {
                continue; // a stale entry
            }
            int p = s / 2;
            int o = s % 2;
            int i = p / ny;
            int j = p % ny;
            if (i == ti && j == tj && o == 0) {
                goal = s;
                break;
            }
            // turn in place
            relax(open, cost, back, s, p * 2 + (1 - o), c + BEND, i, j, ti, tj, ny);
            if (o == 0) {
                if (i + 1 < nx && !hBlocked[i * ny + j] && !pointBlocked[(i + 1) * ny + j]) {
                    relax(open, cost, back, s, ((i + 1) * ny + j) * 2, c + xs[i + 1] - xs[i], i + 1, j, ti, tj, ny);
                }
                if (i > 0 && !hBlocked[(i - 1) * ny + j] && !pointBlocked[(i - 1) * ny + j]) {
                    relax(open, cost, back, s, ((i - 1) * ny + j) * 2, c + xs[i] - xs[i - 1], i - 1, j, ti, tj, ny);
                }
            } else {
                if (j + 1 < ny && !vBlocked[i * ny + j] && !pointBlocked[i * ny + j + 1]) {
                    relax(open, cost, back, s, (i * ny + j + 1) * 2 + 1, c + ys[j + 1] - ys[j], i, j + 1, ti, tj, ny);
                }
                if (j > 0 && !vBlocked[i * ny + j - 1] && !pointBlocked[i * ny + j - 1]) {
                    relax(open, cost, back, s, (i * ny + j - 1) * 2 + 1, c + ys[j] - ys[j - 1], i, j - 1, ti, tj, ny);
                }
            }
        }
        List<Point> pts = new ArrayList<>();
        pts.add(new Point(from.maxX(), from.centerY()));
        if (goal < 0) {
            // cannot happen while the outer lines are free; a straight edge is still better than none
            pts.add(new Point(to.x(), to.centerY()));
            return pts;
        }
        List<Point> grid = new ArrayList<>();
        for (int s = goal; s >= 0; s = back[s]) {
            int p = s / 2;
            Point pt = new Point(xs[p / ny], ys[p % ny]);
            if (grid.isEmpty() || !grid.get(grid.size() - 1).equals(pt)) {
                grid.add(pt);
            }
        }
        java.util.Collections.reverse(grid);
        grid.forEach(pt -> addCorner(pts, pt));
        addCorner(pts, new Point(to.x(), to.centerY()));
        return pts;
    }

    private void relax(PriorityQueue<double[]> open, double[] cost, int[] back, int from, int to, double c,
                       int i, int j, int ti, int tj, int ny) {
        if (c < cost[to]) {
            cost[to] = c;
            back[to] = from;
            open.add(new double[]{c + heuristic(i, j, ti, tj), to});
        }
    }

    private double heuristic(int i, int j, int ti, int tj) {
        return Math.abs(xs[i] - xs[ti]) + Math.abs(ys[j] - ys[tj]);
    }

    /** Appends {@code p}, dropping the previous point when it lies on the straight line to {@code p}. */
    private static void addCorner(List<Point> pts, Point p) {
        int n = pts.size();
        if (n >= 2) {
            Point a = pts.get(n - 2);
            Point b = pts.get(n - 1);
            if ((a.x() == b.x() && b.x() == p.x()) || (a.y() == b.y() && b.y() == p.y())) {
                pts.set(n - 1, p);
                return;
            }
        }
        pts.add(p);
    }
}
