package io.omniglass.views.alarms;

import io.omniglass.views.Fakes;
import io.omniglass.views.common.ImmediateExecutor;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AlarmsViewModelTest {

    private static final Instant NOW = Instant.parse("2026-11-21T08:00:00Z");

    private final Fakes.Alarms service = new Fakes.Alarms();
    private final AlarmsViewModel vm = new AlarmsViewModel(service, new ImmediateExecutor(), Clock.fixed(NOW, ZoneOffset.UTC));

    private void load(int n) {
        for (long i = 1; i <= n; i++) {
            service.alarms.add(Fakes.alarm(i, i == 1 ? "critical" : "warning", null));
        }
        vm.tenantProperty().set("demo");
        vm.refresh();
    }

    @Test
    void ackActsOnTheWholeSelectionWithTheReason() {
        load(3);
        vm.selection().setAll(vm.alarms().get(0), vm.alarms().get(2));
        vm.ack("  pump inspected  ");
        assertThat(service.calls).contains("ack [1, 3] pump inspected");
        assertThat(vm.outcomeProperty().get()).isEqualTo("Acknowledged 2 of 2 alarms");
    }

    @Test
    void aBulkActionNamesEveryItemThatFailed() {
        load(4);
        service.refuse = Set.of(2L, 4L);
        vm.selection().setAll(vm.alarms());
        vm.snoozeFor(Duration.ofHours(4), "maintenance window");
        assertThat(service.lastUntil).isEqualTo(NOW.plus(Duration.ofHours(4)));
        assertThat(vm.outcomeProperty().get())
                .isEqualTo("Snoozed 2 of 4 alarms; failed: #2 already cleared, #4 already cleared");
    }

    @Test
    void nothingSelectedOrASnoozeInThePastIsRefusedWithoutCallingTheCore() {
        load(2);
        vm.ack("x");
        assertThat(vm.outcomeProperty().get()).isEqualTo("Select one or more alarms first.");
        vm.selection().setAll(vm.alarms().get(0));
        vm.snoozeUntil(NOW.minusSeconds(60), "too late");
        assertThat(vm.outcomeProperty().get()).isEqualTo("The snooze must end in the future.");
        assertThat(service.calls).noneMatch(c -> c.startsWith("ack") || c.startsWith("snooze"));
    }

    @Test
    void theModeAddsItsConditionToTheOperatorsFilter() {
        vm.tenantProperty().set("demo");
        vm.filterProperty().set("severity = critical");
        vm.modeProperty().set(AlarmsViewModel.Mode.ACTIVE);
        assertThat(service.filters).last().isEqualTo("severity = critical and state = active");
        vm.filterProperty().set("");
        vm.modeProperty().set(AlarmsViewModel.Mode.SNOOZED);
        assertThat(service.filters).last().isEqualTo("snoozed_until > \"2026-11-21T08:00:00Z\"");
    }

    @Test
    void theSnoozedViewShowsOnlySnoozedAlarmsWithTheTimeRemaining() {
        service.alarms.add(Fakes.alarm(1, "warning", NOW.plus(Duration.ofMinutes(90))));
        service.alarms.add(Fakes.alarm(2, "warning", null));
        service.alarms.add(Fakes.alarm(3, "warning", NOW.minusSeconds(5))); // expired
        vm.tenantProperty().set("demo");
        vm.modeProperty().set(AlarmsViewModel.Mode.SNOOZED);
        assertThat(vm.alarms()).extracting(a -> a.id()).containsExactly(1L);
        assertThat(AlarmsViewModel.remaining(vm.alarms().get(0), NOW)).isEqualTo("1h 30m");
    }

    @Test
    void focusingAnAlarmLoadsItsAuditTrail() {
        load(2);
        vm.focusedProperty().set(vm.alarms().get(1));
        assertThat(vm.auditTrail()).singleElement().satisfies(e -> {
            assertThat(e.verb()).isEqualTo("alarm.ack");
            assertThat(e.resource()).isEqualTo("alarm/2");
        });
    }
}
