package io.omniglass.views.deadletters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.DeadLetter;
import io.omniglass.views.services.DeadLetterResult;
import io.omniglass.views.services.DeadLettersService;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The dead letters of one tenant: pages of them (filtered by reason and the filter language),
 * the focused one's body and headers, and re-drive / edit-and-re-drive / discard on a selection.
 * A bulk action goes in chunks, one request each, so it shows progress and can be cancelled
 * between chunks; every message gets its own result, and a failure names the message.
 */
public final class DeadLettersViewModel {

    /** The reasons the sink gives (DlqReason), for the reason picker; null there means all. */
    public static final List<String> REASONS = List.of("unknown_key", "unknown_owner", "wrong_value_type", "bad_json",
            "bad_ts", "ts_outside_window", "lineage", "bad_field", "rejected_by_database", "unprocessable");
    public static final int PAGE_SIZE = 200;
    /** Dead letters per request of a bulk action: small enough for progress, large enough to be quick. */
    public static final int CHUNK = 25;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DeadLettersService service;
    private final BackgroundExecutor executor;
    private final ObservableList<DeadLetter> items = FXCollections.observableArrayList();
    private final ObservableList<DeadLetter> selection = FXCollections.observableArrayList();
    private final ObjectProperty<DeadLetter> focused = new SimpleObjectProperty<>();
    private final StringProperty tenant = new SimpleStringProperty();
    private final ObjectProperty<String> reason = new SimpleObjectProperty<>();
    private final StringProperty filter = new SimpleStringProperty("");
    private final StringProperty filterError = new SimpleStringProperty();
    private final StringProperty error = new SimpleStringProperty();
    private final StringProperty outcome = new SimpleStringProperty();
    private final LongProperty total = new SimpleLongProperty();
    private final BooleanProperty more = new SimpleBooleanProperty();
    private final BooleanProperty bulkRunning = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty progressText = new SimpleStringProperty("");
    private final ObservableList<DeadLetterResult> results = FXCollections.observableArrayList();
    private final Busy busy = new Busy();
    private String next;
    private long generation;
    private volatile boolean cancelled;

    public DeadLettersViewModel(DeadLettersService service, BackgroundExecutor executor) {
        this.service = service;
        this.executor = executor;
        tenant.addListener((o, a, b) -> {
            items.clear();
            results.clear();
            refresh();
        });
        reason.addListener((o, a, b) -> refresh());
    }

    /** The filter sent to the core: the reason picked plus the operator's own filter. */
    String effectiveFilter() {
        String f = filter.get() == null ? "" : filter.get().trim();
        String r = reason.get() == null ? "" : "reason = " + reason.get();
        if (r.isEmpty()) {
            return f;
        }
        return f.isEmpty() ? r : r + " and " + f;
    }

    public void refresh() {
        load(null);
    }

    public void loadMore() {
        if (next != null) {
            load(next);
        }
    }

    private void load(String after) {
        String t = tenant.get();
        if (t == null) {
            return;
        }
        if (service == null) {
            error.set("This core offers no dead letters.");
            return;
        }
        String f = effectiveFilter();
        long gen = ++generation;
        busy.begin();
        executor.submit(() -> service.deadLetters(t, f.isEmpty() ? null : f, PAGE_SIZE, after), page -> {
            busy.end();
            if (gen != generation) {
                return;
            }
            filterError.set(null);
            error.set(null);
            if (after == null) {
                items.setAll(page.items());
            } else {
                items.addAll(page.items());
            }
            next = page.next();
            more.set(next != null);
            total.set(page.total());
            DeadLetter f0 = focused.get();
            focused.set(f0 == null ? null : items.stream().filter(d -> d.id() == f0.id()).findFirst().orElse(null));
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

    /** Re-drives the selection as it is (after the cause was fixed, e.g. the missing key registered). */
    public void redriveSelected(String why) {
        List<Long> ids = selectedIds();
        if (ids.isEmpty()) {
            outcome.set("Select one or more dead letters first.");
            return;
        }
        bulk("Re-driven", ids, chunk -> service.redrive(tenant.get(), chunk, Map.of(), blankToNull(why)));
    }

    /** Re-drives one dead letter with an edited body, which must be JSON. */
    public boolean redriveEdited(long id, String body, String why) {
        Optional<String> bad = jsonError(body);
        if (bad.isPresent()) {
            outcome.set("Not re-driven: the body is not JSON (" + bad.get() + ").");
            return false;
        }
        bulk("Re-driven (edited)", List.of(id), chunk -> service.redrive(tenant.get(), chunk, Map.of(id, body), blankToNull(why)));
        return true;
    }

    public void discardSelected(String why) {
        List<Long> ids = selectedIds();
        if (ids.isEmpty()) {
            outcome.set("Select one or more dead letters first.");
            return;
        }
        if (why == null || why.isBlank()) {
            outcome.set("A reason is required to discard dead letters.");
            return;
        }
        bulk("Discarded", ids, chunk -> service.discard(tenant.get(), chunk, why.trim()));
    }

    /** Stops a bulk action before its next chunk; what was done stays done and is reported. */
    public void cancel() {
        if (bulkRunning.get()) {
            cancelled = true;
        }
    }

    private void bulk(String verb, List<Long> ids, Function<List<Long>, List<DeadLetterResult>> call) {
        if (bulkRunning.get()) {
            outcome.set("Wait for the running action to finish, or cancel it.");
            return;
        }
        if (service == null) {
            error.set("This core offers no dead letters.");
            return;
        }
        List<List<Long>> chunks = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += CHUNK) {
            chunks.add(ids.subList(i, Math.min(ids.size(), i + CHUNK)));
        }
        cancelled = false;
        results.clear();
        bulkRunning.set(true);
        progress.set(0);
        progressText.set(verb + " 0 of " + ids.size());
        step(verb, ids.size(), chunks, 0, new ArrayList<>(), call);
    }

    private void step(String verb, int count, List<List<Long>> chunks, int index, List<DeadLetterResult> done,
                      Function<List<Long>, List<DeadLetterResult>> call) {
        if (index == chunks.size() || cancelled) {
            finish(verb, count, done, index < chunks.size());
            return;
        }
        List<Long> chunk = chunks.get(index);
        executor.submit(() -> call.apply(chunk), r -> {
            done.addAll(r);
            results.setAll(done);
            progress.set((double) done.size() / count);
            progressText.set(verb + " " + done.size() + " of " + count);
            step(verb, count, chunks, index + 1, done, call);
        }, e -> {
            // the request as a whole failed: each of its messages is reported, the rest go on
            String why = Messages.readable(e);
            chunk.forEach(id -> done.add(new DeadLetterResult(id, "failed", why)));
            results.setAll(done);
            step(verb, count, chunks, index + 1, done, call);
        });
    }

    private void finish(String verb, int count, List<DeadLetterResult> done, boolean wasCancelled) {
        bulkRunning.set(false);
        cancelled = false;
        progress.set(count == 0 ? 1 : (double) done.size() / count);
        progressText.set("");
        outcome.set(summarise(verb, count, done, wasCancelled));
        refresh();
    }

    /** "Re-driven 3 of 4; #17 not found: ..." — every message that did not succeed named. */
    static String summarise(String verb, int count, List<DeadLetterResult> results, boolean cancelled) {
        long ok = results.stream().filter(DeadLetterResult::ok).count();
        StringBuilder s = new StringBuilder(verb).append(' ').append(ok).append(" of ").append(count)
                .append(count == 1 ? " dead letter" : " dead letters");
        if (cancelled) {
            s.append("; cancelled, ").append(count - results.size()).append(" not attempted");
        }
        List<DeadLetterResult> failed = results.stream().filter(r -> !r.ok()).toList();
        if (!failed.isEmpty()) {
            s.append("; ").append(failed.stream()
                    .map(r -> "#" + r.id() + " " + r.status().replace('_', ' ') + (r.error() == null ? "" : ": " + r.error()))
                    .collect(Collectors.joining("; ")));
        }
        return s.toString();
    }

    /** Why {@code text} is not JSON (with line and column), or empty when it is. */
    public static Optional<String> jsonError(String text) {
        if (text == null || text.isBlank()) {
            return Optional.of("it is empty");
        }
        try {
            JSON.readTree(text);
            return Optional.empty();
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            return Optional.of(where + e.getOriginalMessage());
        }
    }

    /** The body pretty-printed when it is JSON, as it is otherwise (bad_json is shown exactly). */
    public static String pretty(String body) {
        if (body == null) {
            return "";
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(body));
        } catch (JsonProcessingException e) {
            return body;
        }
    }

    /** The headers, one per line, {@code Name: value}. */
    public static String headersText(DeadLetter d) {
        if (d == null || d.headers() == null) {
            return "";
        }
        Map<String, List<String>> sorted = new LinkedHashMap<>(d.headers());
        StringBuilder b = new StringBuilder();
        sorted.forEach((k, vs) -> vs.forEach(v -> b.append(k).append(": ").append(v).append('\n')));
        return b.toString().stripTrailing();
    }

    public List<Long> selectedIds() {
        return new ArrayList<>(selection.stream().map(DeadLetter::id).distinct().toList());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    public ObservableList<DeadLetter> items() {
        return items;
    }

    public ObservableList<DeadLetter> selection() {
        return selection;
    }

    public ObjectProperty<DeadLetter> focusedProperty() {
        return focused;
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public ObjectProperty<String> reasonProperty() {
        return reason;
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

    public LongProperty totalProperty() {
        return total;
    }

    public BooleanProperty moreProperty() {
        return more;
    }

    public BooleanProperty bulkRunningProperty() {
        return bulkRunning;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty progressTextProperty() {
        return progressText;
    }

    public ObservableList<DeadLetterResult> results() {
        return results;
    }

    public Busy busy() {
        return busy;
    }
}
