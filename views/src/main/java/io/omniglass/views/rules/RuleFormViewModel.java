package io.omniglass.views.rules;

import io.omniglass.views.services.EventRule;
import io.omniglass.views.services.RuleDraft;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableMap;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The rule being written: its fields as text, and the errors at each field. The core checks a
 * rule; this form only turns text into numbers and puts the core's message at the field it names.
 */
public final class RuleFormViewModel {

    public static final String NAME = "name";
    public static final String SELECTOR = "selector";
    public static final String KEY = "key";
    public static final String CONDITION = "condition";
    public static final String LIMIT = "limit";
    public static final String DEADBAND = "deadband";
    public static final String EQUALS = "equals";
    public static final String SEVERITY = "severity";
    /** An error that names no field. */
    public static final String FORM = "form";

    public static final List<String> CONDITIONS = List.of("high", "low", "rate", "state", "no_data");
    public static final List<String> SEVERITIES = List.of("debug", "info", "notice", "warning", "error", "critical");

    private final ObjectProperty<EventRule> editing = new SimpleObjectProperty<>();
    private final StringProperty name = new SimpleStringProperty("");
    private final StringProperty selector = new SimpleStringProperty("");
    private final StringProperty key = new SimpleStringProperty("");
    private final StringProperty condition = new SimpleStringProperty("high");
    private final StringProperty limit = new SimpleStringProperty("");
    private final StringProperty deadband = new SimpleStringProperty("0");
    private final StringProperty equalsText = new SimpleStringProperty("");
    private final StringProperty severity = new SimpleStringProperty("warning");
    private final StringProperty message = new SimpleStringProperty("");
    private final BooleanProperty enabled = new SimpleBooleanProperty(true);
    private final ObservableMap<String, String> errors = FXCollections.observableHashMap();

    /** An empty form for a new rule. */
    public void clear() {
        editing.set(null);
        name.set("");
        selector.set("");
        key.set("");
        condition.set("high");
        limit.set("");
        deadband.set("0");
        equalsText.set("");
        severity.set("warning");
        message.set("");
        enabled.set(true);
        errors.clear();
    }

    /** The stored rule's fields, for editing (save makes a new version). */
    public void edit(EventRule rule) {
        RuleDraft d = rule.draft();
        editing.set(rule);
        name.set(d.name());
        selector.set(d.selector());
        key.set(d.key());
        condition.set(d.condition());
        limit.set(d.limit() == null ? "" : plain(d.limit()));
        deadband.set(d.deadband() == null ? "0" : plain(d.deadband()));
        equalsText.set(d.equals() == null ? "" : d.equals());
        severity.set(d.severity());
        message.set(d.message() == null ? "" : d.message());
        enabled.set(d.enabled());
        errors.clear();
    }

    /** The draft, or empty with the errors set when a number does not read. */
    public Optional<RuleDraft> draft() {
        errors.clear();
        String type = condition.get();
        Double lim = null;
        Double band = null;
        if (needsLimit(type)) {
            lim = number(limit.get(), LIMIT, limitLabel(type));
        }
        if (hasDeadband(type)) {
            band = deadband.get() == null || deadband.get().isBlank() ? 0.0 : number(deadband.get(), DEADBAND, "deadband");
        }
        if (!errors.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RuleDraft(name.get().trim(), selector.get().trim(), key.get().trim(), type, lim, band,
                "state".equals(type) ? equalsText.get() : null, severity.get(), message.get(), enabled.get()));
    }

    /** Puts a message of the core (a 400 or 409 about the rule) at the field it is about. */
    public void showError(String detail) {
        errors.put(fieldOf(detail), detail);
    }

    /** The field a message of the core's rule check is about; {@link #FORM} when it names none. */
    static String fieldOf(String detail) {
        if (detail == null) {
            return FORM;
        }
        String m = detail.toLowerCase(Locale.ROOT);
        if (m.startsWith("name ") || m.contains("an event rule named")) {
            return NAME;
        }
        if (m.startsWith("selector") || m.contains("selector ")) {
            return SELECTOR;
        }
        if (m.startsWith("key ")) {
            return KEY;
        }
        if (m.contains("unknown severity")) {
            return SEVERITY;
        }
        if (m.contains("deadband")) {
            return DEADBAND;
        }
        if (m.contains("\"equals\"")) {
            return EQUALS;
        }
        if (m.contains("threshold") || m.contains("max_per_second") || m.contains("\"seconds\"")) {
            return LIMIT;
        }
        if (m.contains("condition")) {
            return CONDITION;
        }
        return FORM;
    }

    public static boolean needsLimit(String type) {
        return !"state".equals(type);
    }

    public static boolean hasDeadband(String type) {
        return "high".equals(type) || "low".equals(type) || "rate".equals(type);
    }

    /** What the limit field means for a condition type. */
    public static String limitLabel(String type) {
        return switch (type == null ? "" : type) {
            case "rate" -> "max per second";
            case "no_data" -> "silent seconds";
            default -> "threshold";
        };
    }

    private Double number(String text, String field, String label) {
        try {
            return Double.parseDouble(text.trim());
        } catch (RuntimeException e) {
            errors.put(field, label + " must be a number");
            return null;
        }
    }

    private static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    public ObjectProperty<EventRule> editingProperty() {
        return editing;
    }

    public StringProperty nameProperty() {
        return name;
    }

    public StringProperty selectorProperty() {
        return selector;
    }

    public StringProperty keyProperty() {
        return key;
    }

    public StringProperty conditionProperty() {
        return condition;
    }

    public StringProperty limitProperty() {
        return limit;
    }

    public StringProperty deadbandProperty() {
        return deadband;
    }

    public StringProperty equalsProperty() {
        return equalsText;
    }

    public StringProperty severityProperty() {
        return severity;
    }

    public StringProperty messageProperty() {
        return message;
    }

    public BooleanProperty enabledProperty() {
        return enabled;
    }

    public ObservableMap<String, String> errors() {
        return errors;
    }
}
