package io.omniglass.views.heatmap;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Heatmap;
import io.omniglass.views.services.HeatmapService;
import io.omniglass.views.services.SlowStatement;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.Locale;

/** The 24-hour query latency heatmap: a tenant (or all), the grid, and the slowest statements of a clicked hour. */
public final class HeatmapViewModel {

    public static final String ALL_TENANTS = "(all tenants)";
    public static final int HOURS = 24;

    private final HeatmapService service;
    private final BackgroundExecutor executor;
    private final ObjectProperty<Heatmap> heatmap = new SimpleObjectProperty<>();
    private final StringProperty tenant = new SimpleStringProperty(ALL_TENANTS);
    private final StringProperty error = new SimpleStringProperty();
    private final StringProperty selectedCell = new SimpleStringProperty();
    private final ObservableList<String> tenants = FXCollections.observableArrayList(ALL_TENANTS);
    private final ObservableList<SlowStatement> slowest = FXCollections.observableArrayList();
    private final Busy busy = new Busy();

    public HeatmapViewModel(HeatmapService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        tenant.addListener((o, a, b) -> refresh());
    }

    private String tenantOrNull() {
        String t = tenant.get();
        return t == null || ALL_TENANTS.equals(t) ? null : t;
    }

    public void refresh() {
        String t = tenantOrNull();
        busy.begin();
        executor.submit(() -> service.heatmap(t, HOURS), h -> {
            busy.end();
            error.set(null);
            heatmap.set(h);
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    /** A click on a cell: that hour's slowest statements. */
    public void select(int row, int col) {
        Heatmap h = heatmap.get();
        if (h == null || col < 0 || col >= h.hours().size() || row < 0 || row >= h.percentiles().size()) {
            return;
        }
        selectedCell.set(describe(h, row, col));
        String t = tenantOrNull();
        executor.submit(() -> service.slowest(t, h.hours().get(col), 20), slowest::setAll, e -> {
            slowest.clear();
            error.set(Messages.readable(e));
        });
    }

    /** The tooltip text: the exact value and the sample count, or that there is no data. */
    public static String describe(Heatmap h, int row, int col) {
        String hour = io.omniglass.views.common.Ages.timestamp(h.hours().get(col)).substring(0, 16);
        String p = h.percentiles().get(row);
        if (!h.hasData(row, col)) {
            return hour + " · " + p + ": no data";
        }
        return String.format(Locale.ROOT, "%s · %s: %.2f ms (%,d samples)", hour, p, h.ms()[row][col], h.counts()[row][col]);
    }

    public ObjectProperty<Heatmap> heatmapProperty() {
        return heatmap;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public ObservableList<String> tenants() {
        return tenants;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public StringProperty selectedCellProperty() {
        return selectedCell;
    }

    public ObservableList<SlowStatement> slowest() {
        return slowest;
    }

    public Busy busy() {
        return busy;
    }
}
