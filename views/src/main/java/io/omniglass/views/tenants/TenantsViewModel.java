package io.omniglass.views.tenants;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.TenantSummary;
import io.omniglass.views.services.TenantsService;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;

import io.omniglass.views.services.TenantCounts;

import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.Locale;

/** The tenant list: search narrows it as you type (slug or display name), quick at hundreds of tenants. */
public final class TenantsViewModel {

    private final TenantsService service;
    private final BackgroundExecutor executor;
    private final ObservableList<TenantSummary> all = FXCollections.observableArrayList();
    private final FilteredList<TenantSummary> filtered = new FilteredList<>(all, t -> true);
    private final SortedList<TenantSummary> sorted = new SortedList<>(filtered, Comparator.comparing(TenantSummary::slug));
    private final StringProperty search = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty();
    private final ObjectProperty<TenantSummary> selected = new SimpleObjectProperty<>();
    private final Busy busy = new Busy();
    private final Map<String, TenantCounts> counts = new HashMap<>();
    private final Map<String, Double> rates = new HashMap<>();
    private final Set<String> countsInFlight = new HashSet<>();

    /** Counts are fetched for this many tenants at the top of the (searched) list, never for all 500. */
    public static final int COUNTED_ROWS = 40;

    public TenantsViewModel(TenantsService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        search.addListener((o, a, text) -> applySearch(text));
    }

    private void applySearch(String text) {
        String needle = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        filtered.setPredicate(needle.isEmpty() ? t -> true : t -> matches(t, needle));
        loadCounts();
    }

    /** Asks for the counts of the first tenants on screen that have none yet. */
    public void loadCounts() {
        List<String> wanted = sorted.stream().limit(COUNTED_ROWS).map(TenantSummary::slug)
                .filter(s -> !counts.containsKey(s) && !countsInFlight.contains(s)).toList();
        for (String slug : wanted) {
            countsInFlight.add(slug);
            executor.submit(() -> service.counts(slug), c -> {
                countsInFlight.remove(slug);
                if (c != null) {
                    counts.put(slug, c);
                    replace(slug, t -> t.withCounts(c));
                }
            }, e -> countsInFlight.remove(slug)); // a tenant that cannot be counted keeps its dashes
        }
    }

    /** Refreshes ingest rates (one call for all tenants) and forgets counts so they are fetched again. */
    public void refreshFigures() {
        counts.clear();
        loadCounts();
        refreshRates();
    }

    private void refreshRates() {
        executor.submit(service::ingestRates, r -> {
            rates.putAll(r);
            r.forEach((slug, rate) -> replace(slug, t -> t.withRate(rate)));
        }, e -> { });
    }

    private void replace(String slug, java.util.function.UnaryOperator<TenantSummary> change) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).slug().equals(slug)) {
                TenantSummary before = all.get(i);
                TenantSummary after = change.apply(before);
                if (!after.equals(before)) {
                    boolean wasSelected = before.equals(selected.get());
                    all.set(i, after);
                    if (wasSelected && !selected.isBound()) {
                        selected.set(after);
                    }
                }
                return;
            }
        }
    }

    static boolean matches(TenantSummary t, String needle) {
        return t.slug().toLowerCase(Locale.ROOT).contains(needle)
                || (t.name() != null && t.name().toLowerCase(Locale.ROOT).contains(needle));
    }

    public void refresh() {
        busy.begin();
        executor.submit(service::tenants, this::loaded, e -> {
            busy.end();
            error.set(Messages.readable(e));
        });
    }

    private void loaded(List<TenantSummary> tenants) {
        busy.end();
        error.set(null);
        String keep = selected.get() == null ? null : selected.get().slug();
        all.setAll(tenants.stream().map(t -> t.withCounts(counts.get(t.slug()))
                .withRate(rates.getOrDefault(t.slug(), t.ingestPerSecond()))).toList());
        loadCounts();
        refreshRates(); // the first call is the baseline the next one measures against
        if (keep != null) {
            all.stream().filter(t -> t.slug().equals(keep)).findFirst().ifPresent(selected::set);
        }
    }

    public ObservableList<TenantSummary> visibleTenants() {
        return sorted;
    }

    public int totalCount() {
        return all.size();
    }

    public StringProperty searchProperty() {
        return search;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public ObjectProperty<TenantSummary> selectedProperty() {
        return selected;
    }

    public Busy busy() {
        return busy;
    }

    public static String formatCount(Long n) {
        return n == null ? "–" : String.format(Locale.ROOT, "%,d", n);
    }

    public static String formatRate(Double perSecond) {
        return perSecond == null ? "–" : String.format(Locale.ROOT, "%.1f/s", perSecond);
    }
}
