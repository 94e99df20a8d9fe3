package io.omniglass.views.values;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.Datapoint;
import io.omniglass.views.services.SeriesBuckets;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The history of one series over a chosen window, for the chart: raw datapoints up to a week,
 * and beyond that (30 days, 90 days, a year) the series' aggregates (a min-max band with the
 * average), which the core answers across the hot and cold tiers; {@code coldBefore} is where the
 * cold tier ends, for the chart to mark.
 */
public final class SeriesHistoryViewModel {

    public static final int MAX_POINTS = 10_000;
    /** Windows longer than this read aggregates instead of raw points. */
    public static final Duration RAW_UP_TO = Duration.ofDays(7);

    private final CurrentValuesService service;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final String tenant;
    private final CurrentValue series;
    private final ObservableList<Datapoint> points = FXCollections.observableArrayList();
    private final ObservableList<SeriesBuckets.Bucket> buckets = FXCollections.observableArrayList();
    private final ObjectProperty<Instant> coldBefore = new SimpleObjectProperty<>();
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
        if (window.get().compareTo(RAW_UP_TO) > 0) {
            String bucket = bucketFor(window.get());
            executor.submit(() -> service.aggregates(tenant, series.seriesId(), from, to, bucket), b -> {
                busy.end();
                error.set(b.buckets().isEmpty() ? "No datapoints in this window." : null);
                points.clear();
                coldBefore.set(b.coldBefore());
                buckets.setAll(b.buckets());
            }, e -> {
                busy.end();
                error.set(Messages.readable(e));
            });
            return;
        }
        buckets.clear();
        coldBefore.set(null);
        executor.submit(() -> service.history(tenant, series.seriesId(), from, to, MAX_POINTS), list -> {
            busy.end();
            error.set(list.isEmpty() ? "No datapoints in this window." : null);
            points.setAll(list);
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    /** About 360 to 720 buckets whatever the window: enough for a band, few enough to draw at once. */
    static String bucketFor(Duration window) {
        if (window.compareTo(Duration.ofDays(31)) <= 0) {
            return "1h";
        }
        if (window.compareTo(Duration.ofDays(92)) <= 0) {
            return "6h";
        }
        return "1d";
    }

    public ObservableList<SeriesBuckets.Bucket> buckets() {
        return buckets;
    }

    public ObjectProperty<Instant> coldBeforeProperty() {
        return coldBefore;
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
