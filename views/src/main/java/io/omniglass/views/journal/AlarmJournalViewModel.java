package io.omniglass.views.journal;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmJournalService;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.JournalEntry;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The alarm journal: every transition and operator action, of one alarm or across alarms,
 * filtered by span, owner (a glob), rule and operator; exported to CSV with the alarms themselves.
 */
public final class AlarmJournalViewModel {

    /** The spans offered; null is "all time". */
    public static final List<Duration> SPANS = List.of(Duration.ofHours(1), Duration.ofHours(24), Duration.ofDays(7), Duration.ofDays(30));
    public static final int LIMIT = 5000;
    public static final List<String> JOURNAL_HEADER = List.of("at", "alarm_id", "owner", "rule", "kind", "what", "actor",
            "reason", "severity", "message", "snoozed_until");
    public static final List<String> ALARMS_HEADER = List.of("id", "severity", "state", "owner", "rule", "message",
            "raised_at", "cleared_at", "acked", "acked_by", "acked_at", "ack_reason", "snoozed_until", "snoozed_by", "snooze_reason");

    private final AlarmJournalService service;
    private final AlarmsService alarms;
    private final BackgroundExecutor executor;
    private final Clock clock;
    private final ObservableList<JournalEntry> entries = FXCollections.observableArrayList();
    private final StringProperty tenant = new SimpleStringProperty();
    private final ObjectProperty<Long> alarmId = new SimpleObjectProperty<>();
    private final ObjectProperty<Duration> span = new SimpleObjectProperty<>(Duration.ofDays(7));
    private final StringProperty owner = new SimpleStringProperty("");
    private final StringProperty rule = new SimpleStringProperty("");
    private final StringProperty operator = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty();
    private final BooleanProperty truncated = new SimpleBooleanProperty();
    private final Busy busy = new Busy();
    private final CsvExport export;
    private long generation;

    public AlarmJournalViewModel(AlarmJournalService service, AlarmsService alarms, BackgroundExecutor executor, Clock clock) {
        this.service = service;
        this.alarms = alarms;
        this.executor = executor;
        this.clock = clock;
        this.export = new CsvExport(executor);
    }

    public void refresh() {
        String t = tenant.get();
        if (t == null) {
            return;
        }
        if (service == null) {
            error.set("This core offers no alarm journal.");
            return;
        }
        Long id = alarmId.get();
        String o = blankToNull(owner.get());
        String r = blankToNull(rule.get());
        String op = blankToNull(operator.get());
        Instant from = span.get() == null ? null : clock.instant().minus(span.get());
        long gen = ++generation;
        busy.begin();
        executor.submit(() -> service.journal(t, id, o, r, op, from, null, LIMIT), j -> {
            busy.end();
            if (gen != generation) {
                return;
            }
            error.set(null);
            entries.setAll(j.entries());
            truncated.set(j.truncated());
        }, e -> {
            busy.end();
            if (gen == generation) {
                error.set(Messages.readable(e));
            }
        });
    }

    /** Shows the journal of one alarm (null: across alarms). */
    public void showAlarm(Long id) {
        alarmId.set(id);
        refresh();
    }

    /** The journal lines shown, to CSV. */
    public void exportJournal(Path file) {
        List<List<String>> rows = new ArrayList<>();
        for (JournalEntry e : entries) {
            rows.add(journalRow(e));
        }
        export.start(file, JOURNAL_HEADER, cursor -> new CsvExport.RowsPage(rows, null));
    }

    /** Every alarm matching {@code filter} (all pages), to CSV. */
    public void exportAlarms(Path file, String filter) {
        String t = tenant.get();
        if (t == null || alarms == null) {
            export.messageProperty().set("Open a tenant first.");
            return;
        }
        String f = filter == null || filter.isBlank() ? null : filter;
        export.start(file, ALARMS_HEADER, cursor -> {
            var page = alarms.alarms(t, f, 500, cursor);
            return new CsvExport.RowsPage(page.items().stream().map(AlarmJournalViewModel::alarmRow).toList(), page.next());
        });
    }

    static List<String> journalRow(JournalEntry e) {
        return java.util.Arrays.asList(text(e.at()), Long.toString(e.alarmId()), e.owner(), e.rule(), e.kind(), e.what(),
                e.actor(), e.reason(), e.severity(), e.message(), text(e.snoozedUntil()));
    }

    static List<String> alarmRow(Alarm a) {
        return java.util.Arrays.asList(Long.toString(a.id()), a.severity(), a.state(), a.owner(), a.rule(), a.message(),
                text(a.raisedAt()), text(a.clearedAt()), Boolean.toString(a.acked()), a.ackedBy(), text(a.ackedAt()),
                a.ackReason(), text(a.snoozedUntil()), a.snoozedBy(), a.snoozeReason());
    }

    private static String text(Instant t) {
        return t == null ? null : t.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** "1 h", "24 h", "7 d", "30 d", "all". */
    public static String spanLabel(Duration d) {
        if (d == null) {
            return "all";
        }
        return d.toHours() < 48 ? d.toHours() + " h" : d.toDays() + " d";
    }

    public ObservableList<JournalEntry> entries() {
        return entries;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public ObjectProperty<Long> alarmIdProperty() {
        return alarmId;
    }

    public ObjectProperty<Duration> spanProperty() {
        return span;
    }

    public StringProperty ownerProperty() {
        return owner;
    }

    public StringProperty ruleProperty() {
        return rule;
    }

    public StringProperty operatorProperty() {
        return operator;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public BooleanProperty truncatedProperty() {
        return truncated;
    }

    public Busy busy() {
        return busy;
    }

    public CsvExport export() {
        return export;
    }
}
