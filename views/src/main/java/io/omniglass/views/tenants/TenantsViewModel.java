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

import java.util.Comparator;
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

    public TenantsViewModel(TenantsService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        search.addListener((o, a, text) -> applySearch(text));
    }

    private void applySearch(String text) {
        String needle = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        filtered.setPredicate(needle.isEmpty() ? t -> true : t -> matches(t, needle));
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
        all.setAll(tenants);
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
