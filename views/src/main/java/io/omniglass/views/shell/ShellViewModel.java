package io.omniglass.views.shell;

import io.omniglass.views.alarms.AlarmsViewModel;
import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.FrameCoalescer;
import io.omniglass.views.common.Theme;
import io.omniglass.views.heatmap.HeatmapViewModel;
import io.omniglass.views.lineage.LineageViewModel;
import io.omniglass.views.storage.StorageViewModel;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.ConsoleServices;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.LiveUpdate;
import io.omniglass.views.services.TenantSummary;
import io.omniglass.views.tenants.TenantsViewModel;
import io.omniglass.views.values.CurrentValuesViewModel;
import io.omniglass.views.values.SeriesHistoryViewModel;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The console around the screens: the open tenant, the page, the connection state, the theme, and
 * the live feed, whose updates are coalesced into one UI pass per frame and routed to the screens.
 */
public final class ShellViewModel implements AutoCloseable {

    public static final long FRAME_MILLIS = 100;
    private static final Set<String> ALARM_TABLES = Set.of("alarm", "audit_log");

    private final ConsoleServices services;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final TenantsViewModel tenants;
    private final CurrentValuesViewModel values;
    private final AlarmsViewModel alarms;
    private final HeatmapViewModel heatmap;
    private final LineageViewModel lineage;
    private final StorageViewModel storage;
    private final io.omniglass.views.deadletters.DeadLettersViewModel deadLetters;
    private final io.omniglass.views.journal.AlarmJournalViewModel journal;
    private final io.omniglass.views.fleet.FleetHealthViewModel fleet;
    private final io.omniglass.views.plant.PlantViewModel plant;
    private final io.omniglass.views.rules.RulesViewModel rules;
    private final ObjectProperty<Page> page = new SimpleObjectProperty<>(Page.TENANTS);
    private final ObjectProperty<ConnectionState> connection = new SimpleObjectProperty<>(ConnectionState.DISCONNECTED);
    private final StringProperty connectionDetail = new SimpleStringProperty("");
    private final StringProperty tenant = new SimpleStringProperty();
    private final ObjectProperty<Theme> theme = new SimpleObjectProperty<>(Theme.LIGHT);
    private final FrameCoalescer<String, LiveUpdate> coalescer;
    private AutoCloseable subscription;

    public ShellViewModel(ConsoleServices services, BackgroundExecutor executor, Clock clock) {
        this.services = services;
        this.executor = executor;
        this.clock = clock;
        this.tenants = new TenantsViewModel(services.tenants(), executor);
        this.values = new CurrentValuesViewModel(services.values(), executor);
        this.alarms = new AlarmsViewModel(services.alarms(), executor, clock);
        this.heatmap = new HeatmapViewModel(services.heatmap(), executor);
        this.lineage = new LineageViewModel(services.lineage(), executor);
        this.storage = new StorageViewModel(services.storage(), executor);
        this.deadLetters = new io.omniglass.views.deadletters.DeadLettersViewModel(services.deadLetters(), executor);
        this.journal = new io.omniglass.views.journal.AlarmJournalViewModel(services.journal(), services.alarms(), executor, clock);
        page.addListener((o, a, p) -> {
            if (p == Page.DEAD_LETTERS) {
                deadLetters.refresh(); // nothing announces new dead letters: look again when the screen is opened
            }
        });
        this.fleet = new io.omniglass.views.fleet.FleetHealthViewModel(services.fleet(), executor);
        this.plant = new io.omniglass.views.plant.PlantViewModel(services.plant(), executor, clock);
        this.rules = new io.omniglass.views.rules.RulesViewModel(services.rules(), services.values(), executor, clock);
        this.coalescer = new FrameCoalescer<>(ShellViewModel::coalesceKey, this::onFrame, executor::onUiThread);
        tenants.visibleTenants().addListener((javafx.collections.ListChangeListener<TenantSummary>) c -> {
            List<String> slugs = new ArrayList<>();
            slugs.add(HeatmapViewModel.ALL_TENANTS);
            tenants.visibleTenants().forEach(t -> slugs.add(t.slug()));
            if (!heatmap.tenants().equals(slugs)) {
                String keep = heatmap.tenantProperty().get();
                heatmap.tenants().setAll(slugs); // the selector may drop its value here ...
                heatmap.tenantProperty().set(keep == null || !slugs.contains(keep) ? HeatmapViewModel.ALL_TENANTS : keep);
            }
        });
    }

    /** Starts the frame clock; tests drive {@link #flushLive()} by hand instead. */
    public ShellViewModel startFrames() {
        coalescer.start(FRAME_MILLIS);
        return this;
    }

    static String coalesceKey(LiveUpdate u) {
        if (u instanceof LiveUpdate.Value v) {
            return "v|" + v.value().rowKey();
        }
        return "r|" + ((LiveUpdate.RecordChange) u).table();
    }

    public void connected(String where) {
        reportConnection(ConnectionState.CONNECTED, where);
        tenants.refresh();
        heatmap.refresh();
    }

    public void reportConnection(ConnectionState state, String detail) {
        connection.set(state);
        connectionDetail.set(detail == null ? "" : detail);
    }

    public void openTenant(String slug) {
        if (slug == null) {
            return;
        }
        closeSubscription();
        tenant.set(slug);
        values.tenantProperty().set(slug);
        alarms.tenantProperty().set(slug);
        values.apply();
        alarms.refresh();
        storage.tenantProperty().set(slug);
        deadLetters.tenantProperty().set(slug);
        journal.tenantProperty().set(slug);
        plant.tenantProperty().set(slug);
        rules.tenantProperty().set(slug);
        if (!slug.equals(heatmap.tenantProperty().get()) && heatmap.tenants().contains(slug)) {
            heatmap.tenantProperty().set(slug);
        }
        subscription = services.live().subscribe(slug, coalescer::offer,
                s -> executor.onUiThread(() -> {
                    if (s != ConnectionState.CONNECTED || connection.get() != ConnectionState.CONNECTED) {
                        reportConnection(s, s == ConnectionState.CONNECTED ? "live feed of " + slug : connectionDetail.get());
                    }
                }));
        page.set(Page.VALUES);
    }

    private void onFrame(List<LiveUpdate> frame) {
        List<CurrentValue> changed = new ArrayList<>();
        boolean alarmsChanged = false;
        for (LiveUpdate u : frame) {
            if (u instanceof LiveUpdate.Value v) {
                changed.add(v.value());
            } else if (u instanceof LiveUpdate.RecordChange r && ALARM_TABLES.contains(r.table())) {
                alarmsChanged = true;
            }
        }
        if (!changed.isEmpty()) {
            values.applyLive(changed);
        }
        if (alarmsChanged) {
            alarms.alarmChanged();
        }
    }

    /** Delivers what the live feed has coalesced so far (the frame clock calls this every 100 ms). */
    public void flushLive() {
        coalescer.flush();
    }

    public void openLineage(Alarm alarm) {
        lineage.openAlarm(tenant.get(), alarm);
        page.set(Page.LINEAGE);
    }

    public void openLineage(CurrentValue value) {
        lineage.openDatapoint(tenant.get(), value.kind() == null ? "metric" : value.kind(), value.seriesId(), value.ts());
        page.set(Page.LINEAGE);
    }

    public SeriesHistoryViewModel history(CurrentValue value) {
        return new SeriesHistoryViewModel(services.values(), executor, clock, tenant.get(), value);
    }

    public void toggleTheme() {
        theme.set(theme.get().other());
    }

    private void closeSubscription() {
        if (subscription != null) {
            try {
                subscription.close();
            } catch (Exception ignored) {
                // closing a stream that already broke is fine
            }
            subscription = null;
        }
    }

    @Override
    public void close() {
        closeSubscription();
        coalescer.close();
    }

    public FrameCoalescer<String, LiveUpdate> coalescer() {
        return coalescer;
    }

    public Clock clock() {
        return clock;
    }

    public io.omniglass.views.plant.PlantViewModel plant() {
        return plant;
    }

    public TenantsViewModel tenants() {
        return tenants;
    }

    public CurrentValuesViewModel values() {
        return values;
    }

    public AlarmsViewModel alarms() {
        return alarms;
    }

    public HeatmapViewModel heatmap() {
        return heatmap;
    }

    public LineageViewModel lineage() {
        return lineage;
    }

    public StorageViewModel storage() {
        return storage;
    }

    public io.omniglass.views.deadletters.DeadLettersViewModel deadLetters() {
        return deadLetters;
    }

    public io.omniglass.views.journal.AlarmJournalViewModel journal() {
        return journal;
    }

    public io.omniglass.views.fleet.FleetHealthViewModel fleet() {
        return fleet;
    }

    public io.omniglass.views.rules.RulesViewModel rules() {
        return rules;
    }

    public ObjectProperty<Page> pageProperty() {
        return page;
    }

    public ObjectProperty<ConnectionState> connectionProperty() {
        return connection;
    }

    public StringProperty connectionDetailProperty() {
        return connectionDetail;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public ObjectProperty<Theme> themeProperty() {
        return theme;
    }
}
