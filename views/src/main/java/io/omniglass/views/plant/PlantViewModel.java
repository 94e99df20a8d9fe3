package io.omniglass.views.plant;

import io.omniglass.views.common.CsvWriter;
import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.Page;
import io.omniglass.views.services.PlantLevel;
import io.omniglass.views.services.PlantNode;
import io.omniglass.views.services.PlantService;
import io.omniglass.views.services.PlantVariable;
import io.omniglass.views.services.SeriesBuckets;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The plant screen: a tree per tenant loaded one level at a time (a level is asked for when it is
 * first opened; a long level in pages), type-ahead search whose hit opens the tree down to it, the
 * selected entity's detail (current values with a sparkline of the last hour per metric, active
 * alarms, variables), and a CSV export of current values written in the background, with
 * progress, that can be cancelled. Nothing polls: every read follows a user's action.
 */
public final class PlantViewModel {

    public static final int PAGE = 500;
    public static final int HITS = 20;
    public static final Duration SPARK_SPAN = Duration.ofHours(1);
    public static final String SPARK_BUCKET = "1m";
    static final int EXPORT_PAGE = 1000;
    public static final List<String> CSV_HEADER =
            List.of("owner", "key", "instance", "provenance", "kind", "value", "unit", "ts", "series_id");

    /** One current value of the detail with its last hour (bucket averages, oldest first; empty for non-metrics). */
    public record DetailValue(CurrentValue value, List<Double> spark) {
    }

    private record Detail(List<DetailValue> values, List<Alarm> alarms, List<PlantVariable> variables) {
    }

    private final PlantService service;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final StringProperty tenant = new SimpleStringProperty();
    private final StringProperty error = new SimpleStringProperty();
    private final ObservableList<PlantEntry> roots = FXCollections.observableArrayList();
    private final StringProperty rootsNext = new SimpleStringProperty();
    private final StringProperty query = new SimpleStringProperty("");
    private final ObservableList<PlantNode> hits = FXCollections.observableArrayList();
    private final BooleanProperty hitsTruncated = new SimpleBooleanProperty(false);
    private final ObjectProperty<PlantEntry> selected = new SimpleObjectProperty<>();
    private final StringProperty detailTitle = new SimpleStringProperty("");
    private final StringProperty detailPath = new SimpleStringProperty("");
    private final ObservableList<DetailValue> values = FXCollections.observableArrayList();
    private final ObservableList<Alarm> alarms = FXCollections.observableArrayList();
    private final ObservableList<PlantVariable> variables = FXCollections.observableArrayList();
    private final BooleanProperty exporting = new SimpleBooleanProperty(false);
    private final LongProperty exportedRows = new SimpleLongProperty(0);
    private final StringProperty exportStatus = new SimpleStringProperty("");
    private final Busy busy = new Busy();
    private AtomicBoolean exportCancel = new AtomicBoolean();
    private final java.util.Map<String, List<Runnable>> inFlight = new java.util.HashMap<>();
    private long generation;
    private long searchGeneration;
    private long detailGeneration;

    public PlantViewModel(PlantService service, BackgroundExecutor executor, Clock clock) {
        this.service = service;
        this.executor = executor;
        this.clock = clock;
        tenant.addListener((o, a, b) -> refresh());
        selected.addListener((o, a, b) -> loadDetail(b));
    }

    // ---------------------------------------------------------------- the tree

    /** The roots again (the tenant changed, or a refresh): everything opened before is forgotten. */
    public void refresh() {
        generation++;
        inFlight.clear();
        roots.clear();
        rootsNext.set(null);
        hits.clear();
        selected.set(null);
        if (tenant.get() == null) {
            return;
        }
        if (service == null) {
            error.set("this console has no plant service");
            return;
        }
        load(null, null, () -> { });
    }

    /** Opens an entry: its first page of children is asked for the first time only. */
    public void expand(PlantEntry entry) {
        entry.expandedProperty().set(true);
        if (!entry.isLoaded() && entry.hasChildren()) {
            load(entry, null, () -> { });
        }
    }

    /** The next page of an entry's children (null: of the roots). */
    public void loadMore(PlantEntry entry) {
        String after = entry == null ? rootsNext.get() : entry.nextProperty().get();
        if (after != null) {
            load(entry, after, () -> { });
        }
    }

    private void load(PlantEntry parent, String after, Runnable then) {
        // one request per page: the tree opening a level and a reveal passing through it share it
        // (two answers would each replace the children, and the second would orphan the first's entries)
        String key = (parent == null ? "" : parent.id()) + "|" + after;
        List<Runnable> waiting = inFlight.get(key);
        if (waiting != null) {
            waiting.add(then);
            return;
        }
        List<Runnable> callbacks = new ArrayList<>(List.of(then));
        inFlight.put(key, callbacks);
        String t = tenant.get();
        long asked = generation;
        busy.begin();
        executor.submit(() -> service.children(t, parent == null ? null : parent.id(), PAGE, after), level -> {
            busy.end();
            if (asked != generation) {
                return; // the tenant changed meanwhile
            }
            inFlight.remove(key);
            error.set(null);
            List<PlantEntry> entries = level.items().stream().map(PlantEntry::new).toList();
            if (parent == null) {
                if (after == null) {
                    roots.setAll(entries);
                } else {
                    roots.addAll(entries);
                }
                rootsNext.set(level.next());
            } else {
                if (after == null) {
                    parent.children().setAll(entries);
                } else {
                    parent.children().addAll(entries);
                }
                parent.nextProperty().set(level.next());
                parent.loadedProperty().set(true);
            }
            callbacks.forEach(Runnable::run);
        }, e -> {
            busy.end();
            if (asked == generation) {
                inFlight.remove(key);
                error.set(Messages.readable(e));
            }
        });
    }

    // ---------------------------------------------------------------- search

    /** Type-ahead: the entities matching the query (the view calls this as the user types, debounced). */
    public void search() {
        String q = query.get() == null ? "" : query.get().strip();
        long asked = ++searchGeneration;
        if (q.isEmpty() || tenant.get() == null || service == null) {
            hits.clear();
            hitsTruncated.set(false);
            return;
        }
        String t = tenant.get();
        executor.submit(() -> service.search(t, q, HITS), level -> {
            if (asked != searchGeneration) {
                return; // a later keystroke's answer counts, not this one
            }
            error.set(null);
            hits.setAll(level.items());
            hitsTruncated.set(level.truncated());
        }, e -> {
            if (asked == searchGeneration) {
                error.set(Messages.readable(e));
            }
        });
    }

    /** Opens the tree down to a search hit, level by level (loading what is not loaded yet), and selects it; the hits close. */
    public void reveal(PlantNode hit) {
        searchGeneration++; // the list has done its job: a search still in flight must not bring it back
        hits.clear();
        hitsTruncated.set(false);
        List<String> way = new ArrayList<>(hit.pathIds());
        way.add(hit.id());
        descend(null, way, 0, generation);
    }

    private void descend(PlantEntry parent, List<String> way, int step, long asked) {
        if (asked != generation) {
            return;
        }
        List<PlantEntry> level = parent == null ? roots : parent.children();
        String id = way.get(step);
        PlantEntry found = level.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
        if (found == null) {
            String next = parent == null ? rootsNext.get() : parent.nextProperty().get();
            if (next == null) {
                error.set(id + " is no longer in the tree");
                return;
            }
            load(parent, next, () -> descend(parent, way, step, asked)); // further down a long level
            return;
        }
        if (step == way.size() - 1) {
            selected.set(found);
            return;
        }
        found.expandedProperty().set(true);
        if (found.isLoaded()) {
            descend(found, way, step + 1, asked);
        } else {
            load(found, null, () -> descend(found, way, step + 1, asked));
        }
    }

    // ---------------------------------------------------------------- the selected entity

    private void loadDetail(PlantEntry entry) {
        long asked = ++detailGeneration;
        if (entry == null) {
            detailTitle.set("");
            detailPath.set("");
            values.clear();
            alarms.clear();
            variables.clear();
            return;
        }
        PlantNode n = entry.node();
        String owner = n.entityId();
        detailTitle.set(n.isSignal() ? owner + " · " + n.name() : n.label() + (n.label().equals(n.name()) ? "" : "  (" + n.id() + ")"));
        List<String> path = new ArrayList<>(n.pathIds());
        detailPath.set(String.join(" › ", path));
        String t = tenant.get();
        Instant to = clock.instant();
        busy.begin();
        executor.submit(() -> {
            List<CurrentValue> current = new ArrayList<>();
            String after = null;
            do { // an entity has tens of signals, not thousands; pages only for safety
                Page<CurrentValue> p = service.ownerValues(t, owner, PAGE, after);
                current.addAll(p.items());
                after = p.next();
            } while (after != null && current.size() < 5 * PAGE);
            Map<Long, SeriesBuckets> sparks = current.stream().anyMatch(v -> "metric".equals(v.kind()))
                    ? service.sparklines(t, owner, to.minus(SPARK_SPAN), to, SPARK_BUCKET) : Map.of();
            List<DetailValue> rows = current.stream()
                    .map(v -> new DetailValue(v, spark(sparks.get(v.seriesId())))).toList();
            return new Detail(rows, service.activeAlarms(t, owner), service.variables(t, owner));
        }, d -> {
            busy.end();
            if (asked != detailGeneration) {
                return; // another entity was selected meanwhile
            }
            error.set(null);
            values.setAll(d.values());
            alarms.setAll(d.alarms());
            variables.setAll(d.variables());
        }, e -> {
            busy.end();
            if (asked == detailGeneration) {
                error.set(Messages.readable(e));
            }
        });
    }

    static List<Double> spark(SeriesBuckets b) {
        if (b == null) {
            return List.of();
        }
        return b.buckets().stream().filter(x -> x.count() > 0).map(SeriesBuckets.Bucket::avg).toList();
    }

    // ---------------------------------------------------------------- CSV export

    /**
     * Writes the current values (of the selected entity, or of the whole tenant when nothing is selected
     * or {@code wholeTenant}) to {@code file} in the background, a page at a time: the rows written so far
     * are {@link #exportedRowsProperty}. The file appears only when complete (written beside it, then
     * moved into place); a cancel or a failure leaves no partial file.
     */
    public void export(Path file, boolean wholeTenant) {
        if (exporting.get() || tenant.get() == null || service == null) {
            return;
        }
        String t = tenant.get();
        String owner = wholeTenant || selected.get() == null ? null : selected.get().node().entityId();
        AtomicBoolean cancel = new AtomicBoolean();
        exportCancel = cancel;
        exporting.set(true);
        exportedRows.set(0);
        exportStatus.set("exporting " + (owner == null ? "all current values of " + t : "current values of " + owner) + " ...");
        executor.submit(() -> writeCsv(t, owner, file, cancel), rows -> {
            exporting.set(false);
            exportedRows.set(rows);
            exportStatus.set(String.format(Locale.ROOT, "%,d rows written to %s", rows, file.getFileName()));
        }, e -> {
            exporting.set(false);
            exportStatus.set(e instanceof CancellationException
                    ? "export cancelled; no file written"
                    : "export failed: " + Messages.readable(e));
        });
    }

    /** Stops a running export after the page in flight. */
    public void cancelExport() {
        exportCancel.set(true);
    }

    private long writeCsv(String t, String owner, Path file, AtomicBoolean cancel) throws IOException {
        Path part = file.resolveSibling(file.getFileName() + ".part");
        long rows = 0;
        try {
            try (BufferedWriter w = Files.newBufferedWriter(part, StandardCharsets.UTF_8)) {
                CsvWriter csv = new CsvWriter(w);
                csv.row(CSV_HEADER);
                String after = null;
                do {
                    if (cancel.get()) {
                        throw new CancellationException();
                    }
                    Page<CurrentValue> p = service.ownerValues(t, owner, EXPORT_PAGE, after);
                    for (CurrentValue v : p.items()) {
                        csv.row(csvRow(v));
                    }
                    rows += p.items().size();
                    long sofar = rows;
                    executor.onUiThread(() -> exportedRows.set(sofar));
                    after = p.next();
                } while (after != null);
            }
            if (cancel.get()) {
                throw new CancellationException();
            }
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return rows;
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** A value's CSV fields: a number at full precision, else the state text or log line. */
    static List<Object> csvRow(CurrentValue v) {
        String value = v.numeric() != null ? plain(v.numeric()) : v.value();
        return List.of(v.owner(), v.key(), v.instance() == null ? "" : v.instance(), v.provenance(),
                v.kind() == null ? "" : v.kind(), value == null ? "" : value, v.unit() == null ? "" : v.unit(),
                v.ts() == null ? "" : v.ts().toString(), v.seriesId());
    }

    static String plain(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    // ---------------------------------------------------------------- state

    public StringProperty tenantProperty() {
        return tenant;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public ObservableList<PlantEntry> roots() {
        return roots;
    }

    public StringProperty rootsNextProperty() {
        return rootsNext;
    }

    public StringProperty queryProperty() {
        return query;
    }

    public ObservableList<PlantNode> hits() {
        return hits;
    }

    public BooleanProperty hitsTruncatedProperty() {
        return hitsTruncated;
    }

    public ObjectProperty<PlantEntry> selectedProperty() {
        return selected;
    }

    public StringProperty detailTitleProperty() {
        return detailTitle;
    }

    public StringProperty detailPathProperty() {
        return detailPath;
    }

    public ObservableList<DetailValue> values() {
        return values;
    }

    public ObservableList<Alarm> alarms() {
        return alarms;
    }

    public ObservableList<PlantVariable> variables() {
        return variables;
    }

    public BooleanProperty exportingProperty() {
        return exporting;
    }

    public LongProperty exportedRowsProperty() {
        return exportedRows;
    }

    public StringProperty exportStatusProperty() {
        return exportStatus;
    }

    public Busy busy() {
        return busy;
    }
}
