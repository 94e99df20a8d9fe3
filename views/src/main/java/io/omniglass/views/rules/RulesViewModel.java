package io.omniglass.views.rules;

import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.Busy;
import io.omniglass.views.common.Messages;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.EventRule;
import io.omniglass.views.services.RuleDraft;
import io.omniglass.views.services.RulesService;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.time.Clock;
import java.util.Optional;

/**
 * The rules screen: the tenant's event rules, the one being written (new or a new version of a
 * stored one), its backtest, and saving it. Read when the tenant changes and after a save.
 */
public final class RulesViewModel {

    private final RulesService service;
    private final BackgroundExecutor executor;
    private final StringProperty tenant = new SimpleStringProperty();
    private final StringProperty error = new SimpleStringProperty();
    private final StringProperty saved = new SimpleStringProperty("");
    private final ObservableList<EventRule> rules = FXCollections.observableArrayList();
    private final RuleFormViewModel form = new RuleFormViewModel();
    private final BacktestViewModel backtest;
    private final Busy busy = new Busy();
    private long generation;

    public RulesViewModel(RulesService service, CurrentValuesService values, BackgroundExecutor executor, Clock clock) {
        this.service = service;
        this.executor = executor;
        this.backtest = new BacktestViewModel(service, values, executor, clock);
        tenant.addListener((o, a, b) -> {
            backtest.tenantProperty().set(b);
            form.clear();
            saved.set("");
            refresh();
        });
    }

    public void refresh() {
        String t = tenant.get();
        if (t == null) {
            rules.clear();
            return;
        }
        if (service == null) {
            error.set("this console has no rules service");
            return;
        }
        long asked = ++generation;
        busy.begin();
        executor.submit(() -> service.rules(t), list -> {
            busy.end();
            if (asked == generation) {
                error.set(null);
                rules.setAll(list);
            }
        }, e -> {
            busy.end();
            if (asked == generation) {
                error.set(Messages.readable(e));
            }
        });
    }

    /** A new, empty rule in the form. */
    public void newRule() {
        form.clear();
        saved.set("");
    }

    /** A stored rule in the form: saving it makes a new version. */
    public void edit(EventRule rule) {
        if (rule != null) {
            form.edit(rule);
            saved.set("");
        }
    }

    /** Backtests what the form holds. */
    public void runBacktest() {
        Optional<RuleDraft> draft = form.draft();
        draft.ifPresent(d -> backtest.run(d, form::showError));
    }

    /** Saves what the form holds: a create, or a new version of the rule being edited. */
    public void save() {
        String t = tenant.get();
        Optional<RuleDraft> draft = form.draft();
        if (t == null || draft.isEmpty() || service == null) {
            return;
        }
        EventRule editing = form.editingProperty().get();
        Long id = editing == null ? null : editing.id();
        busy.begin();
        executor.submit(() -> service.save(t, id, draft.get()), rule -> {
            busy.end();
            form.edit(rule);
            saved.set("Saved '" + rule.draft().name() + "' as version " + rule.version() + ".");
            refresh();
        }, e -> {
            busy.end();
            int status = Messages.status(e);
            if (status == 400 || status == 409) {
                form.showError(detail(e));
            } else {
                form.errors().put(RuleFormViewModel.FORM, Messages.readable(e));
            }
        });
    }

    static String detail(Throwable e) {
        return Messages.detail(e);
    }

    public StringProperty tenantProperty() {
        return tenant;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public StringProperty savedProperty() {
        return saved;
    }

    public ObservableList<EventRule> rules() {
        return rules;
    }

    public RuleFormViewModel form() {
        return form;
    }

    public BacktestViewModel backtest() {
        return backtest;
    }

    public Busy busy() {
        return busy;
    }
}
