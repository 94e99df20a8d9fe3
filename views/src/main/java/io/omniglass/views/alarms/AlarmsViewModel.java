package io.omniglass.views.alarms;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.AuditEntry;
import io.omniglass.views.services.BulkResult;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Alarms of one tenant: the list (all, active, or snoozed), ack / snooze / unsnooze on the
 * selection with a reason, per-item failures of bulk actions, and the audit trail of the focused alarm.
 */
public final class AlarmsViewModel {

    public enum Mode { ALL, ACTIVE, SNOOZED }

    /** Snooze presets offered next to the custom time. */
    public static final List<Duration> SNOOZE_PRESETS = List.of(
            Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(8), Duration.ofHours(24));

    public static final int PAGE_SIZE = 500;

    private final AlarmsService service;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final ObservableList<Alarm> alarms = FXCollections.observableArrayList();
    private final ObservableList<Alarm> selection = FXCollections.observableArrayList();
    private final ObservableList<AuditEntry> auditTrail = FXCollections.observableArrayList();
    private final StringProperty tenant = new SimpleStringProperty();
    private final StringProperty filter = new SimpleStringProperty("");
    private final StringProperty filterError = new SimpleStringProperty();
    private final StringProperty error = new SimpleStringProperty();
    private final StringProperty outcome = new SimpleStringProperty();
    private final ObjectProperty<Mode> mode = new SimpleObjectProperty<>(Mode.ALL);
    private final ObjectProperty<Alarm> focused = new SimpleObjectProperty<>();
    private final Busy busy = new Busy();
    private final SimilarViewModel similar;
    private long generation;
    private boolean reloadQueued;

    public AlarmsViewModel(AlarmsService service, BackgroundExecutor executor, Clock clock) {
        this.service = service;
        this.executor = executor;
        this.clock = clock;
        this.similar = new SimilarViewModel(service, executor);
        similar.tenantProperty().bind(tenant);
        mode.addListener((o, a, b) -> refresh());
        focused.addListener((o, a, alarm) -> loadAuditTrail(alarm));
        // a reload hands over a fresh record of the same alarm: only another alarm asks again
        focused.addListener((o, a, alarm) -> {
            if (a == null || alarm == null || a.id() != alarm.id()) {
                similar.show(alarm);
            }
        });
    }

    /** The filter sent to the core: the operator's filter plus the mode's condition. */
    public String effectiveFilter() {
        String f = filter.get() == null ? "" : filter.get().trim();
        String modePart = switch (mode.get()) {
            case ALL -> "";
            case ACTIVE -> "state = active";
            case SNOOZED -> "snoozed_until > \"" + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"";
        };
        if (modePart.isEmpty()) {
            return f;
        }
        return f.isEmpty() ? modePart : f + " and " + modePart;
    }

    public void refresh() {
        String t = tenant.get();
        if (t == null) {
            return;
        }
        String f = effectiveFilter();
        Mode m = mode.get();
        long gen = ++generation;
        busy.begin();
        executor.submit(() -> service.alarms(t, f, PAGE_SIZE, null).items(), list -> {
            busy.end();
            if (gen != generation) {
                return;
            }
            filterError.set(null);
            error.set(null);
            Instant now = clock.instant();
            // "snoozed" is a moving target (snoozes expire): narrow with this instant's clock as well
            alarms.setAll(m == Mode.SNOOZED ? list.stream().filter(a -> a.isSnoozed(now)).toList() : list);
            reselect();
            drainQueuedReload();
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

    private void reselect() {
        Alarm f = focused.get();
        if (f != null) {
            alarms.stream().filter(a -> a.id() == f.id()).findFirst().ifPresent(a -> {
                focused.set(a);
            });
        }
    }

    /** A live alarm change: reload, but never more than one reload queued behind the one running. */
    public void alarmChanged() {
        if (busy.isBusy()) {
            reloadQueued = true;
            return;
        }
        refresh();
    }

    public void ack(String reason) {
        List<Long> ids = selectedIds();
        if (ids.isEmpty()) {
            outcome.set("Select one or more alarms first.");
            return;
        }
        bulk("Acknowledged", ids, () -> service.ack(tenant.get(), ids, blankToNull(reason)));
    }

    public void snoozeFor(Duration d, String reason) {
        snoozeUntil(clock.instant().plus(d), reason);
    }

    public void snoozeUntil(Instant until, String reason) {
        List<Long> ids = selectedIds();
        if (ids.isEmpty()) {
            outcome.set("Select one or more alarms first.");
            return;
        }
        if (!until.isAfter(clock.instant())) {
            outcome.set("The snooze must end in the future.");
            return;
        }
        bulk("Snoozed", ids, () -> service.snooze(tenant.get(), ids, until, blankToNull(reason)));
    }

    public void unsnooze() {
        List<Long> ids = selectedIds();
        if (ids.isEmpty()) {
            outcome.set("Select one or more alarms first.");
            return;
        }
        bulk("Unsnoozed", ids, () -> service.unsnooze(tenant.get(), ids));
    }

    private void bulk(String verb, List<Long> ids, java.util.concurrent.Callable<List<BulkResult>> call) {
        busy.begin();
        executor.submit(call, results -> {
            busy.end();
            outcome.set(summarise(verb, ids, results));
            refresh();
            loadAuditTrail(focused.get());
        }, e -> {
            busy.end();
            outcome.set(verb + " failed: " + Messages.readable(e));
        });
    }

    /** "Acknowledged 3 of 4; #17: already cleared" — every failed item named. */
    static String summarise(String verb, List<Long> ids, List<BulkResult> results) {
        List<BulkResult> failed = results.stream().filter(r -> !r.ok()).toList();
        long ok = results.stream().filter(BulkResult::ok).count();
        StringBuilder s = new StringBuilder(verb).append(' ').append(ok).append(" of ").append(ids.size());
        s.append(ids.size() == 1 ? " alarm" : " alarms");
        if (!failed.isEmpty()) {
            s.append("; failed: ").append(failed.stream()
                    .map(r -> "#" + r.id() + " " + (r.error() == null ? "refused" : r.error()))
                    .collect(Collectors.joining(", ")));
        }
        return s.toString();
    }

    private void loadAuditTrail(Alarm alarm) {
        if (alarm == null || tenant.get() == null) {
            auditTrail.clear();
            return;
        }
        String t = tenant.get();
        executor.submit(() -> service.auditTrail(t, alarm.id()), auditTrail::setAll,
                e -> auditTrail.setAll(List.of(new AuditEntry(0, null, "", "error", "", Messages.readable(e)))));
    }

    private void drainQueuedReload() {
        if (reloadQueued && !busy.isBusy()) {
            reloadQueued = false;
            refresh();
        }
    }

    public List<Long> selectedIds() {
        return new ArrayList<>(selection.stream().map(Alarm::id).distinct().toList());
    }

    public static String remaining(Alarm a, Instant now) {
        if (a.snoozedUntil() == null || !a.snoozedUntil().isAfter(now)) {
            return "";
        }
        return io.omniglass.views.common.Ages.duration(Duration.between(now, a.snoozedUntil()));
    }

    public static String presetLabel(Duration d) {
        return d.toHours() >= 1 ? d.toHours() + " h" : d.toMinutes() + " min";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    public Clock clock() {
        return clock;
    }

    public ObservableList<Alarm> alarms() {
        return alarms;
    }

    public ObservableList<Alarm> selection() {
        return selection;
    }

    public ObservableList<AuditEntry> auditTrail() {
        return auditTrail;
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

    public StringProperty outcomeProperty() {
        return outcome;
    }

    public ObjectProperty<Mode> modeProperty() {
        return mode;
    }

    public ObjectProperty<Alarm> focusedProperty() {
        return focused;
    }

    public Busy busy() {
        return busy;
    }

    /** The "Similar" pane of the focused alarm. */
    public SimilarViewModel similar() {
        return similar;
    }
}
