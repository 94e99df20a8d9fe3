package io.omniglass.views.alarms;

import io.omniglass.views.services.ServiceException;
import io.omniglass.views.Fakes;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.AuditEntry;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.Page;
import io.omniglass.views.services.SimilarAlarms;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The "Similar" pane without a toolkit: what it asks for, what it lists, what it compares. */
class SimilarViewModelTest {

    static final List<String> KEYS = List.of("temperature", "flow", "pressure", "", "", "", "", "");

    /** A fingerprint whose block {@code block} ramps 0..11 and everything else is 0. */
    static List<Float> ramp(int block) {
        List<Float> v = new ArrayList<>(Collections.nCopies(96, 0f));
        for (int b = 0; b < 12; b++) {
            v.set(block * 12 + b, (float) b);
        }
        return v;
    }

    static SimilarAlarms.Occurrence occurrence(long alarm, double distance, String ended, String ackReason, List<String> actions) {
        return new SimilarAlarms.Occurrence(alarm, alarm * 10, "pump-temperature-high", "component:pump-" + alarm,
                Instant.parse("2026-11-20T07:00:00Z"), distance, ended, null, ackReason, ackReason == null ? null : "olga",
                null, null, actions, KEYS, ramp(1));
    }

    /** The alarm list and operations are not this pane's: the stock fake's; similar is scripted here. */
    static final class Service implements AlarmsService {
        final Fakes.Alarms alarms = new Fakes.Alarms();
        final List<String> asked = new ArrayList<>();
        SimilarAlarms answer;
        RuntimeException failWith;

        @Override
        public SimilarAlarms similar(String tenant, long alarmId, int limit) {
            asked.add(tenant + " #" + alarmId + " limit " + limit);
            if (failWith != null) {
                throw failWith;
            }
            return answer;
        }

        @Override
        public Page<Alarm> alarms(String tenant, String filter, int limit, String after) {
            return alarms.alarms(tenant, filter, limit, after);
        }

        @Override
        public List<BulkResult> ack(String tenant, List<Long> ids, String reason) {
            return alarms.ack(tenant, ids, reason);
        }

        @Override
        public List<BulkResult> snooze(String tenant, List<Long> ids, Instant until, String reason) {
            return alarms.snooze(tenant, ids, until, reason);
        }

        @Override
        public List<BulkResult> unsnooze(String tenant, List<Long> ids) {
            return alarms.unsnooze(tenant, ids);
        }

        @Override
        public List<AuditEntry> auditTrail(String tenant, long alarmId) {
            return alarms.auditTrail(tenant, alarmId);
        }
    }

    private final Service service = new Service();
    private final AlarmsViewModel alarms = new AlarmsViewModel(service, new ImmediateExecutor(),
            Clock.fixed(Instant.parse("2026-11-21T08:00:00Z"), ZoneOffset.UTC));
    private final SimilarViewModel vm = alarms.similar();

    @Test
    void focusingAnAlarmListsItsClosestPastOccurrencesAndOpensTheFirst() {
        service.answer = new SimilarAlarms(7, Instant.parse("2026-11-21T07:00:00Z"), KEYS, ramp(0), List.of(
                occurrence(3, 0.41, "cleared", "bearing wear: greased", List.of("position = closed on component:valve-1 (confirmed)")),
                occurrence(5, 2.9, "active", null, List.of())), null);
        alarms.tenantProperty().set("demo");
        alarms.focusedProperty().set(Fakes.alarm(7, "error", null));

        assertThat(service.asked).containsExactly("demo #7 limit " + SimilarViewModel.LIMIT);
        assertThat(vm.occurrences()).extracting(SimilarAlarms.Occurrence::alarmId).containsExactly(3L, 5L);
        assertThat(vm.messageProperty().get()).isNull();
        assertThat(vm.openedProperty().get().alarmId()).isEqualTo(3L);
        assertThat(vm.keys()).containsExactly("temperature", "flow", "pressure");
        assertThat(SimilarViewModel.outcome(vm.occurrences().get(0)))
                .isEqualTo("cleared; acked by olga: “bearing wear: greased”; then position = closed on component:valve-1 (confirmed)");
        assertThat(SimilarViewModel.outcome(vm.occurrences().get(1))).isEqualTo("still active");
        assertThat(SimilarViewModel.closeness(vm.occurrences().get(0))).isEqualTo("0.41");
    }

    @Test
    void theComparisonChartsBothLeadUpsOfTheChosenDatapointType() {
        service.answer = new SimilarAlarms(7, Instant.parse("2026-11-21T07:00:00Z"), KEYS, ramp(0),
                List.of(occurrence(3, 0.4, "cleared", null, List.of())), null);
        alarms.tenantProperty().set("demo");
        alarms.focusedProperty().set(Fakes.alarm(7, "error", null));

        assertThat(vm.comparison()).extracting(SimilarViewModel.Curve::label)
                .containsExactly("this alarm", "#3 " + io.omniglass.views.common.Ages.timestamp(Instant.parse("2026-11-20T07:00:00Z")));
        // temperature: this alarm's ramp (block 0), flat for #3 (its ramp is in flow)
        List<double[]> mine = vm.comparison().get(0).points();
        assertThat(mine).hasSize(12);
        assertThat(mine.get(0)[0]).isCloseTo(-28.75, within(1e-9));
        assertThat(mine.get(11)[0]).isCloseTo(-1.25, within(1e-9));
        assertThat(mine.get(11)[1]).isEqualTo(11.0);
        assertThat(vm.comparison().get(1).points()).allMatch(p -> p[1] == 0.0);

        vm.keyProperty().set("flow");
        assertThat(vm.comparison().get(0).points()).allMatch(p -> p[1] == 0.0);
        assertThat(vm.comparison().get(1).points().get(11)[1]).isEqualTo(11.0);
    }

    @Test
    void openingAnOccurrenceWithoutTheKeyOnShowChartsOneTheyShare() {
        SimilarAlarms.Occurrence tank = new SimilarAlarms.Occurrence(4, 40, "tank-level-high", "component:tank-2",
                Instant.parse("2026-11-20T07:00:00Z"), 1.8, "cleared", null, null, null, null, null, List.of(),
                List.of("level", "flow", "", "", "", "", "", ""), ramp(0));
        service.answer = new SimilarAlarms(7, Instant.parse("2026-11-21T07:00:00Z"), KEYS, ramp(0), List.of(tank), null);
        alarms.tenantProperty().set("demo");
        alarms.focusedProperty().set(Fakes.alarm(7, "error", null));
        assertThat(vm.keyProperty().get()).isEqualTo("flow");
        assertThat(vm.comparison()).hasSize(2);
    }

    @Test
    void aCoreWithoutPgvectorIsSaidPlainlyAndAnEmptyHistoryToo() {
        service.failWith = new ServiceException(503, "pgvector missing", "the pgvector extension is not installed");
        alarms.tenantProperty().set("demo");
        alarms.focusedProperty().set(Fakes.alarm(7, "error", null));
        assertThat(vm.messageProperty().get()).startsWith("Similar alarms need pgvector").contains("not installed");
        assertThat(vm.occurrences()).isEmpty();

        service.failWith = null;
        service.answer = new SimilarAlarms(8, Instant.parse("2026-11-21T07:00:00Z"), KEYS, ramp(0), List.of(), null);
        alarms.focusedProperty().set(Fakes.alarm(8, "error", null));
        assertThat(vm.messageProperty().get()).isEqualTo("No similar past alarms in your scope yet");
        assertThat(vm.comparison()).extracting(SimilarViewModel.Curve::label).containsExactly("this alarm");
    }

    @Test
    void aReloadOfTheSameAlarmDoesNotAskAgain() {
        service.answer = new SimilarAlarms(7, Instant.parse("2026-11-21T07:00:00Z"), KEYS, ramp(0), List.of(), null);
        alarms.tenantProperty().set("demo");
        alarms.focusedProperty().set(Fakes.alarm(7, "error", null));
        alarms.focusedProperty().set(Fakes.alarm(7, "critical", null)); // the same alarm, a fresher record
        assertThat(service.asked).hasSize(1);
        alarms.focusedProperty().set(null);
        assertThat(vm.messageProperty().get()).startsWith("Select an alarm");
    }
}
