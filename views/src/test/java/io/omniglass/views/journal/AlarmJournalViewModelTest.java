package io.omniglass.views.journal;

import io.omniglass.views.common.CsvWriter;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmJournalService;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.AuditEntry;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.JournalEntry;
import io.omniglass.views.services.Page;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AlarmJournalViewModelTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    record Asked(Long alarm, String owner, String rule, String operator, Instant from) {
    }

    static final class FakeJournal implements AlarmJournalService {
        final List<Asked> asked = new ArrayList<>();

        @Override
        public Journal journal(String tenant, Long alarmId, String owner, String rule, String operator, Instant from, Instant to, int limit) {
            asked.add(new Asked(alarmId, owner, rule, operator, from));
            return new Journal(List.of(
                    new JournalEntry(NOW.minusSeconds(60), 4, "component:pump-1", "pump-temperature-high", "transition", "raised",
                            "rule:pump-temperature-high", null, "error", "pump-1 temperature high, \"very\"", null),
                    new JournalEntry(NOW.minusSeconds(30), 4, "component:pump-1", "pump-temperature-high", "action", "ack",
                            "olga", "checking, then\nreplacing the bearing", null, null, null)), true);
        }
    }

    static Alarm alarm(long id, String message) {
        return new Alarm(id, "component:pump-" + id, "pump-temperature-high", "active", "error", message,
                NOW.minusSeconds(100), null, false, null, null, null, null, null, null, null, null, null);
    }

    /** Alarms in pages of two: the export must follow the cursor to the end. */
    static class PagedAlarms implements AlarmsService {
        final List<String> cursors = new ArrayList<>();

        @Override
        public Page<Alarm> alarms(String tenant, String filter, int limit, String after) {
            cursors.add(after);
            if (after == null) {
                return new Page<>(List.of(alarm(1, "a, b"), alarm(2, "plain")), "2");
            }
            return new Page<>(List.of(alarm(3, "say \"hi\"")), null);
        }

        public List<BulkResult> ack(String tenant, List<Long> ids, String reason) {
            return List.of();
        }

        public List<BulkResult> snooze(String tenant, List<Long> ids, Instant until, String reason) {
            return List.of();
        }

        public List<BulkResult> unsnooze(String tenant, List<Long> ids) {
            return List.of();
        }

        public List<AuditEntry> auditTrail(String tenant, long alarmId) {
            return List.of();
        }
    }

    @Test
    void filtersGoToTheCoreAndOneAlarmIgnoresTheAcrossAlarmsFilters() {
        FakeJournal j = new FakeJournal();
        AlarmJournalViewModel vm = new AlarmJournalViewModel(j, new PagedAlarms(), new ImmediateExecutor(), CLOCK);
        vm.tenantProperty().set("demo");
        vm.ownerProperty().set(" component:pump-* ");
        vm.operatorProperty().set("olga");
        vm.spanProperty().set(Duration.ofHours(24));
        vm.refresh();
        assertThat(j.asked).last().isEqualTo(new Asked(null, "component:pump-*", null, "olga", NOW.minus(Duration.ofHours(24))));
        assertThat(vm.entries()).extracting(JournalEntry::what).containsExactly("raised", "ack");
        assertThat(vm.truncatedProperty().get()).isTrue();
        vm.spanProperty().set(null);
        vm.showAlarm(4L);
        assertThat(j.asked).last().extracting(Asked::alarm, Asked::from).containsExactly(4L, null);
    }

    @Test
    void theJournalIsExportedAsRfc4180(@TempDir Path dir) throws Exception {
        AlarmJournalViewModel vm = new AlarmJournalViewModel(new FakeJournal(), new PagedAlarms(), new ImmediateExecutor(), CLOCK);
        vm.tenantProperty().set("demo");
        vm.refresh();
        Path file = dir.resolve("journal.csv");
        vm.exportJournal(file);
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(
                "at,alarm_id,owner,rule,kind,what,actor,reason,severity,message,snoozed_until\r\n"
                + "2026-12-01T11:59:00Z,4,component:pump-1,pump-temperature-high,transition,raised,rule:pump-temperature-high,,error,"
                + "\"pump-1 temperature high, \"\"very\"\"\",\r\n"
                + "2026-12-01T11:59:30Z,4,component:pump-1,pump-temperature-high,action,ack,olga,\"checking, then\nreplacing the bearing\",,,\r\n");
        assertThat(vm.export().messageProperty().get()).isEqualTo("Exported 2 rows to " + file);
        assertThat(vm.export().runningProperty().get()).isFalse();
        assertThat(Files.list(dir)).containsExactly(file); // no .part left behind
    }

    @Test
    void theAlarmsExportFollowsEveryPage(@TempDir Path dir) throws Exception {
        PagedAlarms alarms = new PagedAlarms();
        AlarmJournalViewModel vm = new AlarmJournalViewModel(new FakeJournal(), alarms, new ImmediateExecutor(), CLOCK);
        vm.tenantProperty().set("demo");
        Path file = dir.resolve("alarms.csv");
        vm.exportAlarms(file, "state = active");
        assertThat(alarms.cursors).containsExactly(null, "2");
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("id,severity,state,owner,rule,message,raised_at");
        assertThat(lines.get(1)).startsWith("1,error,active,component:pump-1,pump-temperature-high,\"a, b\",2026-12-01T11:58:20Z");
        assertThat(lines.get(3)).startsWith("3,error,active,component:pump-3,pump-temperature-high,\"say \"\"hi\"\"\",");
    }

    @Test
    void aCancelledExportWritesNothing(@TempDir Path dir) throws Exception {
        PagedAlarms alarms = new PagedAlarms() {
            @Override
            public Page<Alarm> alarms(String tenant, String filter, int limit, String after) {
                Page<Alarm> p = super.alarms(tenant, filter, limit, after);
                vmRef[0].export().cancel(); // Cancel pressed while the first page loads
                return p;
            }
        };
        AlarmJournalViewModel vm = new AlarmJournalViewModel(new FakeJournal(), alarms, new ImmediateExecutor(), CLOCK);
        vmRef[0] = vm;
        vm.tenantProperty().set("demo");
        Path file = dir.resolve("alarms.csv");
        vm.exportAlarms(file, null);
        assertThat(alarms.cursors).containsExactly((String) null);
        assertThat(vm.export().messageProperty().get()).isEqualTo("Export cancelled; nothing written.");
        assertThat(Files.list(dir)).isEmpty();
    }

    static final AlarmJournalViewModel[] vmRef = new AlarmJournalViewModel[1];

    @Test
    void csvQuotesOnlyWhatNeedsItAndDisarmsFormulas() throws Exception {
        StringWriter w = new StringWriter();
        CsvWriter.write(w, List.of("a", "b"), List.of(java.util.Arrays.asList("x", null), List.of("1,2", "=SUM(A1)"), List.of("q\"", "cr\r")));
        // a formula is written as text (a leading apostrophe): opening the export must not run it
        assertThat(w.toString()).isEqualTo("a,b\r\nx,\r\n\"1,2\",'=SUM(A1)\r\n\"q\"\"\",\"cr\r\"\r\n");
    }
}
