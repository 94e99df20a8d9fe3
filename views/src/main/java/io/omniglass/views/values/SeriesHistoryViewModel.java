package io.omniglass.views.values;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.Datapoint;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The history of one series over a chosen window, for the chart. */
public final class SeriesHistoryViewModel {

    public static final int MAX_POINTS = 10_000;

    private final CurrentValuesService service;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final String tenant;
    private final CurrentValue series;
    private final ObservableList<Datapoint> points = FXCollections.observableArrayList();
    private final ObjectProperty<Duration> window = new SimpleObjectProperty<>(Duration.ofHours(1));
    private final StringProperty error = new SimpleStringProperty();
    private final Busy busy = new Busy();

    public SeriesHistoryViewModel(CurrentValuesService service, BackgroundExecutor executor, Clock clock,
                                  String tenant, CurrentValue series) {
        this.service = service;
        this.executor = executor;
        this.clock = clock;
        this.tenant = tenant;
        this.series = series;
        window.addListener((o, a, b) -> load());
    }

    public void load() {
        Instant to = clock.instant();
        Instant from = to.minus(window.get());
        busy.begin();
        executor.submit(() -> service.history(tenant, series.seriesId(), from, to, MAX_POINTS), list -> {
            busy.end();
            error.set(list.isEmpty() ? "No datapoints in this window." : null);
            points.setAll(list);
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    public String title() {
        return series.owner() + " · " + series.key()
                + (series.instance() == null || series.instance().isEmpty() ? "" : " [" + series.instance() + "]")
                + " (" + series.provenance() + ")";
    }

    public CurrentValue series() {
        return series;
    }

    public ObservableList<Datapoint> points() {
        return points;
    }

    public ObjectProperty<Duration> windowProperty() {
        return window;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public Busy busy() {
        return busy;
    }
}
