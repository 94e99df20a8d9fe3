package io.omniglass.views.rules;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Backtest;
import io.omniglass.views.services.Cancellation;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.Datapoint;
import io.omniglass.views.services.RuleDraft;
import io.omniglass.views.services.RulesService;
import io.omniglass.views.services.SeriesBuckets;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A draft's backtest: the span, the run in the background (cancellable), how often it would have
 * raised per owner, and the chosen owner's series over the span with the intervals it would have
 * been active, for the chart (raw points up to a week, min-max buckets beyond).
 */
public final class BacktestViewModel {

    public static final List<Duration> SPANS = List.of(Duration.ofHours(1), Duration.ofHours(24), Duration.ofDays(7),
            Duration.ofDays(30), Duration.ofDays(90));
    static final int MAX_POINTS = 10_000;

    private final RulesService rules;
    private final CurrentValuesService values;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final StringProperty tenant = new SimpleStringProperty();
    private final ObjectProperty<Duration> span = new SimpleObjectProperty<>(Duration.ofHours(24));
    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty();
    private final ObjectProperty<Backtest> result = new SimpleObjectProperty<>();
    private final ObservableList<Backtest.Owner> owners = FXCollections.observableArrayList();
    private final ObjectProperty<Backtest.Owner> selected = new SimpleObjectProperty<>();
    private final ObservableList<Datapoint> points = FXCollections.observableArrayList();
    private final ObservableList<SeriesBuckets.Bucket> buckets = FXCollections.observableArrayList();
    private final ObservableList<Backtest.Interval> intervals = FXCollections.observableArrayList();
    private final ObjectProperty<Double> threshold = new SimpleObjectProperty<>();
    private Cancellation inFlight;
    private long generation;
    private long chartGeneration;

    public BacktestViewModel(RulesService rules, CurrentValuesService values, BackgroundExecutor executor, Clock clock) {
        this.rules = rules;
        this.values = values;
        this.executor = executor;
        this.clock = clock;
        selected.addListener((o, a, b) -> chart(b));
        tenant.addListener((o, a, b) -> reset());
    }

    /**
     * Runs {@code draft} over the span ending now. {@code onRuleError} gets a 400 about the rule
     * (the form shows it at its field); other failures land in {@link #errorProperty()}.
     */
    public void run(RuleDraft draft, Consumer<String> onRuleError) {
        String t = tenant.get();
        if (t == null || rules == null) {
            error.set(rules == null ? "this console has no rules service" : "open a tenant first");
            return;
        }
        cancel();
        Instant to = clock.instant();
        Instant from = to.minus(span.get());
        Cancellation cancel = new Cancellation();
        inFlight = cancel;
        long asked = ++generation;
        running.set(true);
        error.set(null);
        status.set("Backtesting '" + draft.name() + "' over the last " + label(span.get()) + " …");
        executor.submit(() -> rules.backtest(t, draft, from, to, cancel), b -> {
            if (asked != generation) {
                return;
            }
            running.set(false);
            inFlight = null;
            threshold.set("high".equals(draft.condition()) || "low".equals(draft.condition()) ? draft.limit() : null);
            show(b);
        }, e -> {
            if (asked != generation) {
                return;
            }
            running.set(false);
            inFlight = null;
            status.set("");
            if (Messages.status(e) == 400 && RuleFormViewModel.fieldOf(detail(e)) != RuleFormViewModel.FORM) {
                onRuleError.accept(detail(e));
                error.set("The draft has an error: see the form.");
            } else {
                error.set(Messages.readable(e));
            }
        });
    }

    /** Stops the run in flight: its answer, if it still comes, is dropped. */
    public void cancel() {
        Cancellation c = inFlight;
        if (c == null) {
            return;
        }
        inFlight = null;
        generation++;
        c.cancel();
        running.set(false);
        status.set("Backtest cancelled.");
    }

    private void show(Backtest b) {
        result.set(b);
        owners.setAll(b.owners());
        long raising = b.owners().stream().filter(o -> o.raises() > 0).count();
        status.set(summary(b, raising));
        selected.set(null);
        Backtest.Owner first = b.owners().stream().filter(o -> o.raises() > 0).findFirst()
                .orElse(b.owners().isEmpty() ? null : b.owners().get(0));
        selected.set(first);
    }

    static String summary(Backtest b, long raisingOwners) {
        String cold = b.coldPoints() > 0 ? String.format(Locale.ROOT, ", %,d of them from the cold tier", b.coldPoints()) : "";
        if (b.owners().isEmpty()) {
            return "The draft selects no series: check the selector and the key.";
        }
        return String.format(Locale.ROOT, "Would have raised %d %s on %d of %d %s (%,d datapoints evaluated%s).",
                b.raises(), b.raises() == 1 ? "time" : "times", raisingOwners, b.owners().size(),
                b.owners().size() == 1 ? "owner" : "owners", b.evaluatedPoints(), cold);
    }

    private void chart(Backtest.Owner owner) {
        long asked = ++chartGeneration;
        points.clear();
        buckets.clear();
        intervals.clear();
        Backtest b = result.get();
        if (owner == null || b == null) {
            return;
        }
        intervals.setAll(owner.intervals());
        if (owner.series().isEmpty() || values == null) {
            return;
        }
        long series = owner.series().get(0);
        String t = tenant.get();
        Duration length = Duration.between(b.from(), b.to());
        if (length.compareTo(Duration.ofDays(7)) > 0) {
            String bucket = length.compareTo(Duration.ofDays(30)) > 0 ? "6h" : "1h";
            executor.submit(() -> values.aggregates(t, series, b.from(), b.to(), bucket), s -> {
                if (asked == chartGeneration) {
                    buckets.setAll(s.buckets());
                }
            }, e -> error.set(Messages.readable(e)));
        } else {
            executor.submit(() -> values.history(t, series, b.from(), b.to(), MAX_POINTS), list -> {
                if (asked == chartGeneration) {
                    points.setAll(list);
                }
            }, e -> error.set(Messages.readable(e)));
        }
    }

    private void reset() {
        cancel();
        result.set(null);
        owners.clear();
        selected.set(null);
        status.set("");
        error.set(null);
    }

    private static String detail(Throwable e) {
        return RulesViewModel.detail(e);
    }

    /** "24 h", "7 days". */
    public static String label(Duration d) {
        if (d.toDays() >= 1 && d.toHours() % 24 == 0) {
            return d.toDays() == 1 ? "24 h" : d.toDays() + " days";
        }
        return d.toHours() + " h";
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public ObjectProperty<Duration> spanProperty() {
        return span;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public StringProperty statusProperty() {
        return status;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public ObjectProperty<Backtest> resultProperty() {
        return result;
    }

    public ObservableList<Backtest.Owner> owners() {
        return owners;
    }

    public ObjectProperty<Backtest.Owner> selectedProperty() {
        return selected;
    }

    public ObservableList<Datapoint> points() {
        return points;
    }

    public ObservableList<SeriesBuckets.Bucket> buckets() {
        return buckets;
    }

    public ObservableList<Backtest.Interval> intervals() {
        return intervals;
    }

    public ObjectProperty<Double> thresholdProperty() {
        return threshold;
    }
}
