package io.omniglass.views.alarms;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.SimilarAlarms;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The "Similar" pane of the focused alarm: its closest past occurrences (distance, how each ended,
 * the reasons given and the commands that followed), and for the one opened, its lead-up beside
 * this alarm's, block by block (one datapoint type per block, as the fingerprint recipe lays them out).
 */
public final class SimilarViewModel {

    public static final int LIMIT = 10;
    /** Minutes before the raise at the middle of each of the fingerprint's 12 buckets (recipe 1). */
    static final int WINDOW_MINUTES = 30;

    /** One line of a lead-up chart: minutes before the raise -> normalised value. */
    public record Curve(String label, List<double[]> points) {
    }

    private final AlarmsService service;
    private final BackgroundExecutor executor;
    private final ObservableList<SimilarAlarms.Occurrence> occurrences = FXCollections.observableArrayList();
    private final ObservableList<String> keys = FXCollections.observableArrayList();
    private final ObservableList<Curve> comparison = FXCollections.observableArrayList();
    private final ObjectProperty<SimilarAlarms.Occurrence> opened = new SimpleObjectProperty<>();
    private final StringProperty key = new SimpleStringProperty();
    private final StringProperty tenant = new SimpleStringProperty();
    private final StringProperty message = new SimpleStringProperty("Select an alarm to see when it happened before");
    private SimilarAlarms current;
    private long generation;

    public SimilarViewModel(AlarmsService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        opened.addListener((o, a, b) -> {
            // an occurrence of another rule may not have the key on show: chart one they share
            if (b != null && current != null && key.get() != null && !b.keys().contains(key.get())) {
                keys.stream().filter(b.keys()::contains).findFirst().ifPresent(key::set);
            }
            compare();
        });
        key.addListener((o, a, b) -> compare());
    }

    /** The alarm in focus changed: load its similar past occurrences. */
    public void show(Alarm alarm) {
        long gen = ++generation;
        current = null;
        occurrences.clear();
        keys.clear();
        opened.set(null);
        comparison.clear();
        if (alarm == null || tenant.get() == null) {
            message.set("Select an alarm to see when it happened before");
            return;
        }
        String t = tenant.get();
        message.set("Looking for similar past alarms…");
        executor.submit(() -> service.similar(t, alarm.id(), LIMIT), answer -> {
            if (gen != generation) {
                return;
            }
            current = answer;
            occurrences.setAll(answer.similar());
            keys.setAll(answer.keys().stream().filter(k -> !k.isEmpty()).toList());
            key.set(keys.isEmpty() ? null : keys.get(0));
            if (answer.note() != null) {
                message.set(answer.note());
            } else if (answer.similar().isEmpty()) {
                message.set("No similar past alarms in your scope yet");
            } else {
                message.set(null);
                opened.set(answer.similar().get(0));
            }
            compare();
        }, e -> {
            if (gen != generation) {
                return;
            }
            message.set(Messages.status(e) == 503 ? "Similar alarms need pgvector on the core's Postgres: " + Messages.readable(e)
                    : "Similar alarms: " + Messages.readable(e));
        });
    }

    /** This alarm's lead-up and the opened occurrence's, for the selected datapoint type. */
    private void compare() {
        SimilarAlarms.Occurrence o = opened.get();
        String k = key.get();
        if (current == null || k == null) {
            comparison.clear();
            return;
        }
        List<Curve> curves = new ArrayList<>();
        curves.add(new Curve("this alarm", block(current.keys(), current.leadUp(), k)));
        if (o != null) {
            curves.add(new Curve("#" + o.alarmId() + " " + io.omniglass.views.common.Ages.timestamp(o.raisedAt()),
                    block(o.keys(), o.leadUp(), k)));
        }
        curves.removeIf(c -> c.points().isEmpty());
        comparison.setAll(curves);
    }

    /** The points of datapoint type {@code key} in a fingerprint laid out as {@code keys} (empty when it has no such block). */
    static List<double[]> block(List<String> keys, List<Float> leadUp, String key) {
        int b = keys.indexOf(key);
        if (b < 0 || leadUp == null || leadUp.isEmpty()) {
            return List.of();
        }
        int buckets = leadUp.size() / keys.size();
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < buckets; i++) {
            double minutesBefore = -WINDOW_MINUTES + (i + 0.5) * WINDOW_MINUTES / (double) buckets;
            points.add(new double[]{minutesBefore, leadUp.get(b * buckets + i)});
        }
        return points;
    }

    /** How an occurrence ended and what was done, in one line for the list. */
    public static String outcome(SimilarAlarms.Occurrence o) {
        List<String> parts = new ArrayList<>();
        parts.add(switch (o.ended() == null ? "" : o.ended()) {
            case "cleared" -> "cleared";
            case "raised_again" -> "raised again before clearing";
            case "active" -> "still active";
            default -> o.ended();
        });
        if (o.ackReason() != null) {
            parts.add("acked by " + o.ackedBy() + ": “" + o.ackReason() + "”");
        }
        if (o.snoozeReason() != null) {
            parts.add("snoozed by " + o.snoozedBy() + ": “" + o.snoozeReason() + "”");
        }
        if (!o.actions().isEmpty()) {
            parts.add("then " + String.join(", ", o.actions()));
        }
        return String.join("; ", parts);
    }

    /** The distance as a similarity the operator can read (recipe 1 distances run 0 .. ~5.7). */
    public static String closeness(SimilarAlarms.Occurrence o) {
        return String.format(Locale.ROOT, "%.2f", o.distance());
    }

    public ObservableList<SimilarAlarms.Occurrence> occurrences() {
        return occurrences;
    }

    public ObservableList<String> keys() {
        return keys;
    }

    public ObservableList<Curve> comparison() {
        return comparison;
    }

    public ObjectProperty<SimilarAlarms.Occurrence> openedProperty() {
        return opened;
    }

    public StringProperty keyProperty() {
        return key;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public StringProperty messageProperty() {
        return message;
    }
}
