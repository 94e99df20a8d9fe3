package io.omniglass.views.values;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.Page;
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

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The current-value projection of one tenant. Rows are keyed by (owner, key, instance, provenance);
 * live updates replace rows in place; the intended value of a point is kept next to its observed
 * row so a divergence (command not yet reflected by the device) is visible at a glance.
 */
public final class CurrentValuesViewModel {

    public static final int PAGE_SIZE = 500;

    private final CurrentValuesService service;
    private final BackgroundExecutor executor;
    private final ObservableList<CurrentValue> rows = FXCollections.observableArrayList();
    private final Map<String, Integer> indexByRow = new HashMap<>();
    private final Map<String, CurrentValue> intendedByPoint = new HashMap<>();
    private final StringProperty tenant = new SimpleStringProperty();
    private final StringProperty filter = new SimpleStringProperty("");
    private final StringProperty filterError = new SimpleStringProperty();
    private final StringProperty error = new SimpleStringProperty();
    private final ObjectProperty<String> nextCursor = new SimpleObjectProperty<>();
    private final BooleanProperty hasMore = new SimpleBooleanProperty(false);
    private final LongProperty liveUpdates = new SimpleLongProperty();
    private final Busy busy = new Busy();
    private String appliedFilter = "";
    private long generation;

    public CurrentValuesViewModel(CurrentValuesService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        nextCursor.addListener((o, a, n) -> hasMore.set(n != null));
    }

    /** Loads the first page for the tenant and the filter as typed. */
    public void apply() {
        String t = tenant.get();
        if (t == null) {
            return;
        }
        String f = filter.get() == null ? "" : filter.get().trim();
        long gen = ++generation;
        busy.begin();
        executor.submit(() -> service.currentValues(t, f, PAGE_SIZE, null), page -> {
            busy.end();
            if (gen != generation) {
                return; // a newer query superseded this one
            }
            appliedFilter = f;
            filterError.set(null);
            error.set(null);
            replaceAll(page);
        }, e -> {
            busy.end();
            if (gen != generation) {
                return;
            }
            if (Messages.status(e) == 400) {
                filterError.set(Messages.readable(e));
            } else {
                error.set(Messages.readable(e));
            }
        });
    }

    public void loadMore() {
        String t = tenant.get();
        String after = nextCursor.get();
        if (t == null || after == null) {
            return;
        }
        long gen = generation;
        String f = appliedFilter;
        busy.begin();
        executor.submit(() -> service.currentValues(t, f, PAGE_SIZE, after), page -> {
            busy.end();
            if (gen == generation) {
                page.items().forEach(this::upsert);
                nextCursor.set(page.next());
            }
        }, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    private void replaceAll(Page<CurrentValue> page) {
        rows.clear();
        indexByRow.clear();
        intendedByPoint.clear();
        page.items().forEach(this::upsert);
        nextCursor.set(page.next());
    }

    /**
     * One coalesced frame of live updates. Rows already shown are replaced in place; new series
     * are added only when no filter is applied (the filter language is evaluated by the core).
     */
    public void applyLive(List<CurrentValue> batch) {
        for (CurrentValue v : batch) {
            if (indexByRow.containsKey(v.rowKey()) || appliedFilter.isEmpty()) {
                upsert(v);
            } else if ("intended".equals(v.provenance())) {
                intendedByPoint.put(v.pointKey(), v);
            }
        }
        liveUpdates.set(liveUpdates.get() + batch.size());
    }

    private void upsert(CurrentValue update) {
        Integer at = indexByRow.get(update.rowKey());
        CurrentValue v = update.over(at == null ? null : rows.get(at));
        if ("intended".equals(v.provenance())) {
            intendedByPoint.put(v.pointKey(), v);
        }
        Integer i = indexByRow.get(v.rowKey());
        if (i == null) {
            indexByRow.put(v.rowKey(), rows.size());
            rows.add(v);
        } else {
            rows.set(i, v);
        }
    }

    /** The intended value of the row's point, when the row is not itself the intended one. */
    public CurrentValue intendedFor(CurrentValue row) {
        if ("intended".equals(row.provenance())) {
            return null;
        }
        return intendedByPoint.get(row.pointKey());
    }

    /** True when the point has an intended value that the observed one does not (yet) match. */
    public boolean diverges(CurrentValue row) {
        CurrentValue intended = intendedFor(row);
        if (intended == null) {
            return false;
        }
        if (row.numeric() != null && intended.numeric() != null) {
            return Math.abs(row.numeric() - intended.numeric()) > 1e-9 * Math.max(1, Math.abs(intended.numeric()));
        }
        return !Objects.equals(row.value(), intended.value());
    }

    public ObservableList<CurrentValue> rows() {
        return rows;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public StringProperty filterProperty() {
        return filter;
    }

    public StringProperty filterErrorProperty() {
        return filterError;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public BooleanProperty hasMoreProperty() {
        return hasMore;
    }

    public LongProperty liveUpdatesProperty() {
        return liveUpdates;
    }

    public Busy busy() {
        return busy;
    }
}
