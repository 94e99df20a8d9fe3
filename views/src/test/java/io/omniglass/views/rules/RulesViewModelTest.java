package io.omniglass.views.rules;

import io.omniglass.views.services.ServiceException;
import io.omniglass.views.Fakes;
import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Backtest;
import io.omniglass.views.services.Cancellation;
import io.omniglass.views.services.EventRule;
import io.omniglass.views.services.RuleDraft;
import io.omniglass.views.services.RulesService;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class RulesViewModelTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final RuleDraft PUMP = new RuleDraft("pump-temperature-high", "component:pump-*", "temperature", "high", 85.0, 5.0,
            null, "error", "{owner} temperature high", true);

    /** A rules service that keeps what it is given and answers what the test sets. */
    static final class Rules implements RulesService {
        final List<EventRule> stored = new ArrayList<>();
        final List<RuleDraft> backtested = new ArrayList<>();
        final List<Instant[]> spans = new ArrayList<>();
        final List<Cancellation> cancels = new ArrayList<>();
        RuntimeException failSave;
        RuntimeException failBacktest;
        Backtest answer;

        @Override
        public List<EventRule> rules(String tenant) {
            return List.copyOf(stored);
        }

        @Override
        public EventRule save(String tenant, Long id, RuleDraft draft) {
            if (failSave != null) {
                throw failSave;
            }
            EventRule saved = id == null ? new EventRule(stored.size() + 1, 1, draft)
                    : new EventRule(id, stored.stream().filter(r -> r.id() == id).findFirst().orElseThrow().version() + 1, draft);
            stored.removeIf(r -> r.id() == saved.id());
            stored.add(saved);
            return saved;
        }

        @Override
        public Backtest backtest(String tenant, RuleDraft draft, Instant from, Instant to, Cancellation cancel) {
            backtested.add(draft);
            spans.add(new Instant[] {from, to});
            cancels.add(cancel);
            if (failBacktest != null) {
                throw failBacktest;
            }
            return answer;
        }
    }

    static ServiceException status(int status, String detail) {
        return new ServiceException(status, status == 409 ? "conflict" : "bad request", detail);
    }

    static Backtest twoOwners() {
        Instant from = NOW.minus(Duration.ofHours(24));
        return new Backtest(from, NOW, 2_880, 1_440, 3, List.of(
                new Backtest.Owner("component:pump-1", List.of(7L), 1_440, List.of(
                        new Backtest.Interval(from.plusSeconds(600), from.plusSeconds(1200)),
                        new Backtest.Interval(NOW.minusSeconds(300), null))),
                new Backtest.Owner("component:pump-2", List.of(9L), 1_440, List.of()),
                new Backtest.Owner("component:pump-3", List.of(11L), 0, List.of(
                        new Backtest.Interval(from.plusSeconds(60), from.plusSeconds(120))))));
    }

    @Test
    void aBacktestShowsHowOftenEachOwnerWouldHaveRaisedAndTheChosenOwnersChartWithItsIntervals() {
        Rules rules = new Rules();
        rules.answer = twoOwners();
        Fakes.Values values = new Fakes.Values();
        RulesViewModel vm = new RulesViewModel(rules, values, new ImmediateExecutor(), CLOCK);
        vm.tenantProperty().set("demo");
        RuleFormViewModel f = vm.form();
        f.nameProperty().set(" pump-temperature-high ");
        f.selectorProperty().set("component:pump-*");
        f.keyProperty().set("temperature");
        f.limitProperty().set("85");
        f.deadbandProperty().set("5");
        f.severityProperty().set("error");
        f.messageProperty().set("{owner} temperature high");

        vm.runBacktest();

        assertThat(rules.backtested).containsExactly(PUMP);
        assertThat(rules.spans.get(0)).containsExactly(NOW.minus(Duration.ofHours(24)), NOW);
        BacktestViewModel bt = vm.backtest();
        assertThat(bt.runningProperty().get()).isFalse();
        assertThat(bt.statusProperty().get())
                .isEqualTo("Would have raised 3 times on 2 of 3 owners (2,880 datapoints evaluated, 1,440 of them from the cold tier).");
        assertThat(bt.owners()).extracting(Backtest.Owner::raises).containsExactly(2, 0, 1);
        // the first owner that raised is charted: its series over the span, its intervals, the threshold
        assertThat(bt.selectedProperty().get().owner()).isEqualTo("component:pump-1");
        assertThat(bt.points()).extracting(p -> p.ts()).containsExactly(NOW.minus(Duration.ofHours(24)), NOW);
        assertThat(bt.intervals()).hasSize(2);
        assertThat(bt.intervals().get(1).clearedAt()).as("still active at the end").isNull();
        assertThat(bt.thresholdProperty().get()).isEqualTo(85.0);
        assertThat(bt.selectedProperty().get().active(NOW)).isEqualTo(Duration.ofSeconds(600 + 300));

        bt.selectedProperty().set(bt.owners().get(2));
        assertThat(bt.intervals()).containsExactly(new Backtest.Interval(NOW.minus(Duration.ofHours(24)).plusSeconds(60),
                NOW.minus(Duration.ofHours(24)).plusSeconds(120)));

        // a long span charts the aggregates instead of raw points
        bt.spanProperty().set(Duration.ofDays(30));
        rules.answer = new Backtest(NOW.minus(Duration.ofDays(30)), NOW, 10, 0, 1, List.of(
                new Backtest.Owner("component:pump-1", List.of(7L), 10, List.of(new Backtest.Interval(NOW.minusSeconds(60), null)))));
        vm.runBacktest();
        assertThat(values.buckets).containsExactly("1h");
        assertThat(bt.buckets()).hasSize(2);
        assertThat(bt.points()).isEmpty();
        assertThat(bt.statusProperty().get()).isEqualTo("Would have raised 1 time on 1 of 1 owner (10 datapoints evaluated).");
    }

    @Test
    void theCoresRuleErrorsAreShownAtTheirFieldsAndANumberThatDoesNotReadIsNotSent() {
        Rules rules = new Rules();
        RulesViewModel vm = new RulesViewModel(rules, new Fakes.Values(), new ImmediateExecutor(), CLOCK);
        vm.tenantProperty().set("demo");
        RuleFormViewModel f = vm.form();
        f.nameProperty().set("x");
        f.selectorProperty().set("component:*");
        f.keyProperty().set("temperature");
        f.limitProperty().set("eighty");

        vm.runBacktest();
        assertThat(rules.backtested).isEmpty();
        assertThat(f.errors()).containsEntry(RuleFormViewModel.LIMIT, "threshold must be a number");

        f.limitProperty().set("85");
        f.severityProperty().set("loud");
        rules.failBacktest = status(400, "unknown severity 'loud': use debug, info, notice, warning, error or critical");
        vm.runBacktest();
        assertThat(f.errors()).containsOnlyKeys(RuleFormViewModel.SEVERITY);
        assertThat(vm.backtest().errorProperty().get()).isEqualTo("The draft has an error: see the form.");

        // a span error is the backtest's, not a field's
        rules.failBacktest = status(400, "the span holds more than 1,000,000 datapoints of the selected series; backtest a shorter span or fewer series");
        vm.runBacktest();
        assertThat(vm.backtest().errorProperty().get()).contains("more than 1,000,000 datapoints");

        rules.failSave = status(409, "an event rule named 'x' already exists");
        vm.save();
        assertThat(f.errors()).containsEntry(RuleFormViewModel.NAME, "an event rule named 'x' already exists");
        rules.failSave = status(400, "condition of type high needs a number \"threshold\"");
        vm.save();
        assertThat(f.errors()).containsOnlyKeys(RuleFormViewModel.LIMIT);
        rules.failSave = status(400, "selector has more than 8 '*'");
        vm.save();
        assertThat(f.errors()).containsOnlyKeys(RuleFormViewModel.SELECTOR);
        assertThat(RuleFormViewModel.fieldOf("key is required (a datapoint type name)")).isEqualTo(RuleFormViewModel.KEY);
        assertThat(RuleFormViewModel.fieldOf("name is required (at most 128 characters)")).isEqualTo(RuleFormViewModel.NAME);
        assertThat(RuleFormViewModel.fieldOf("unknown condition type 'nope': use high, low, rate, state or no_data"))
                .isEqualTo(RuleFormViewModel.CONDITION);
        assertThat(RuleFormViewModel.fieldOf("condition.deadband must not be negative")).isEqualTo(RuleFormViewModel.DEADBAND);
        assertThat(RuleFormViewModel.fieldOf("condition of type state needs \"equals\": \"<state>\"")).isEqualTo(RuleFormViewModel.EQUALS);
        assertThat(rules.stored).isEmpty();
    }

    @Test
    void savingCreatesThenMakesANewVersionOfTheRuleBeingEdited() {
        Rules rules = new Rules();
        RulesViewModel vm = new RulesViewModel(rules, new Fakes.Values(), new ImmediateExecutor(), CLOCK);
        vm.tenantProperty().set("demo");
        vm.form().nameProperty().set(PUMP.name());
        vm.form().selectorProperty().set(PUMP.selector());
        vm.form().keyProperty().set(PUMP.key());
        vm.form().limitProperty().set("85");
        vm.form().deadbandProperty().set("5");
        vm.form().severityProperty().set("error");
        vm.form().messageProperty().set(PUMP.message());

        vm.save();
        assertThat(vm.rules()).extracting(EventRule::version).containsExactly(1);
        assertThat(vm.savedProperty().get()).isEqualTo("Saved 'pump-temperature-high' as version 1.");
        assertThat(vm.rules().get(0).summary()).isEqualTo("above 85 (deadband 5)");

        vm.form().limitProperty().set("90");
        vm.save();
        assertThat(vm.rules()).hasSize(1);
        assertThat(vm.rules().get(0).version()).isEqualTo(2);
        assertThat(vm.rules().get(0).draft().limit()).isEqualTo(90.0);

        vm.newRule();
        assertThat(vm.form().editingProperty().get()).isNull();
        assertThat(vm.form().nameProperty().get()).isEmpty();
        vm.edit(vm.rules().get(0));
        assertThat(vm.form().limitProperty().get()).isEqualTo("90");
        assertThat(vm.form().deadbandProperty().get()).isEqualTo("5");
    }

    @Test
    void cancelStopsWaitingAndTheLateAnswerIsDropped() {
        Deque<Runnable> pending = new ArrayDeque<>();
        BackgroundExecutor later = new BackgroundExecutor() {
            @Override
            public <T> void submit(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
                pending.add(() -> {
                    try {
                        onSuccess.accept(work.call());
                    } catch (Exception e) {
                        onFailure.accept(e);
                    }
                });
            }

            @Override
            public void onUiThread(Runnable action) {
                action.run();
            }
        };
        Rules rules = new Rules();
        rules.answer = twoOwners();
        RulesViewModel vm = new RulesViewModel(rules, new Fakes.Values(), later, CLOCK);
        vm.tenantProperty().set("demo");
        pending.clear(); // the rules list
        vm.form().nameProperty().set("n");
        vm.form().selectorProperty().set("component:*");
        vm.form().keyProperty().set("temperature");
        vm.form().limitProperty().set("85");
        BacktestViewModel bt = vm.backtest();

        vm.runBacktest();
        assertThat(bt.runningProperty().get()).isTrue();
        assertThat(bt.statusProperty().get()).isEqualTo("Backtesting 'n' over the last 24 h …");
        Runnable call = pending.removeFirst();
        bt.cancel();
        assertThat(bt.runningProperty().get()).isFalse();
        assertThat(bt.statusProperty().get()).isEqualTo("Backtest cancelled.");
        call.run(); // the service sees the cancel it was handed, and its late answer is not shown
        assertThat(rules.cancels.get(0).isCancelled()).isTrue();
        assertThat(bt.owners()).isEmpty();
        assertThat(bt.statusProperty().get()).isEqualTo("Backtest cancelled.");
    }
}
