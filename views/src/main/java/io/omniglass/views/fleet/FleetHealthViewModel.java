package io.omniglass.views.fleet;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.FleetHealthService;
import io.omniglass.views.services.FleetSnapshot;
import io.omniglass.views.services.FleetSnapshot.DeploymentPart;
import io.omniglass.views.services.FleetSnapshot.TenantHealth;
import javafx.beans.Observable;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The fleet health board: every tenant's figures in one table, filtered as you type (slug or name)
 * and to the impaired ones, sorted worst first until a column is chosen; and the deployment. A
 * refresh is one call for the whole fleet; rows are updated in place (see {@link FleetRow}), so
 * selection and sort survive it. The view asks for a refresh every {@link #REFRESH} while shown.
 */
public final class FleetHealthViewModel {

    public static final Duration REFRESH = Duration.ofSeconds(5);

    private final FleetHealthService service;
    private final BackgroundExecutor executor;
    private final ObservableList<FleetRow> rows = FXCollections.observableArrayList(r -> new Observable[]{r.healthProperty()});
    private final Map<String, FleetRow> bySlug = new HashMap<>();
    private final FilteredList<FleetRow> filtered = new FilteredList<>(rows, r -> true);
    private final SortedList<FleetRow> sorted = new SortedList<>(filtered);
    private final ObservableList<DeploymentPart> deployment = FXCollections.observableArrayList();
    private final BooleanProperty deploymentVisible = new SimpleBooleanProperty(false);
    private final StringProperty filter = new SimpleStringProperty("");
    private final BooleanProperty onlyImpaired = new SimpleBooleanProperty(false);
    private final StringProperty error = new SimpleStringProperty();
    private final ObjectProperty<Instant> generatedAt = new SimpleObjectProperty<>();
    private final ReadOnlyIntegerWrapper impaired = new ReadOnlyIntegerWrapper();
    private final Busy busy = new Busy();
    private boolean inFlight;

    public FleetHealthViewModel(FleetHealthService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        orderBy(null);
        filter.addListener((o, a, b) -> applyFilter());
        onlyImpaired.addListener((o, a, b) -> applyFilter());
    }

    /** Asks the core for the board; a refresh while one is on its way is dropped (no pile-up on a slow core). */
    public void refresh() {
        if (inFlight || service == null) {
            if (service == null) {
                error.set("this console's connection offers no fleet health");
            }
            return;
        }
        inFlight = true;
        if (rows.isEmpty()) {
            busy.begin();
        }
        executor.submit(service::fleetHealth, s -> {
            finished();
            apply(s);
        }, e -> {
            finished();
            error.set(Messages.readable(e));
        });
    }

    private void finished() {
        inFlight = false;
        if (busy.isBusy()) {
            busy.end();
        }
    }

    /** One UI pass for the whole answer: rows updated in place, new ones added, gone ones removed. */
    void apply(FleetSnapshot s) {
        error.set(null);
        generatedAt.set(s.generatedAt());
        Set<String> seen = new HashSet<>();
        List<FleetRow> added = new java.util.ArrayList<>();
        for (TenantHealth h : s.tenants()) {
            seen.add(h.slug());
            FleetRow row = bySlug.get(h.slug());
            if (row == null) {
                row = new FleetRow(h);
                bySlug.put(h.slug(), row);
                added.add(row);
            } else {
                row.update(h);
            }
        }
        rows.addAll(added);
        if (seen.size() < bySlug.size()) {
            rows.removeIf(r -> !seen.contains(r.slug()));
            bySlug.keySet().retainAll(seen);
        }
        if (s.deployment() == null) {
            deploymentVisible.set(false);
            deployment.clear();
        } else {
            deploymentVisible.set(true);
            if (!deployment.equals(s.deployment())) {
                deployment.setAll(s.deployment());
            }
        }
        // the filtered list re-tests an updated row itself: one that recovers leaves the impaired view
        impaired.set((int) rows.stream().filter(FleetRow::impaired).count());
    }

    private void applyFilter() {
        String needle = filter.get() == null ? "" : filter.get().trim().toLowerCase(Locale.ROOT);
        boolean impairedOnly = onlyImpaired.get();
        Predicate<FleetRow> p = r -> (needle.isEmpty() || matches(r.health(), needle)) && (!impairedOnly || r.impaired());
        filtered.setPredicate(p);
    }

    static boolean matches(TenantHealth h, String needle) {
        return h.slug().toLowerCase(Locale.ROOT).contains(needle)
                || (h.name() != null && h.name().toLowerCase(Locale.ROOT).contains(needle));
    }

    /** The table's order: {@code null} (no column chosen) is worst first. */
    public void orderBy(Comparator<FleetRow> order) {
        sorted.setComparator(order != null ? order
                : Comparator.comparing(FleetRow::health, FleetColumn.worstFirst()));
    }

    public void sortBy(FleetColumn column, boolean ascending) {
        orderBy(Comparator.comparing(FleetRow::health, column.order(ascending)));
    }

    /** The rows as shown: filtered and sorted. */
    public ObservableList<FleetRow> visibleRows() {
        return sorted;
    }

    public int totalCount() {
        return rows.size();
    }

    public ReadOnlyIntegerProperty impairedCountProperty() {
        return impaired.getReadOnlyProperty();
    }

    public String summary() {
        return visibleRows().size() + " of " + rows.size() + " tenants · " + impaired.get() + " impaired";
    }

    public ObservableList<DeploymentPart> deployment() {
        return deployment;
    }

    public BooleanProperty deploymentVisibleProperty() {
        return deploymentVisible;
    }

    public StringProperty filterProperty() {
        return filter;
    }

    public BooleanProperty onlyImpairedProperty() {
        return onlyImpaired;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public ObjectProperty<Instant> generatedAtProperty() {
        return generatedAt;
    }

    public Busy busy() {
        return busy;
    }
}
