package io.omniglass.views.deadletters;

import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.DeadLetter;
import io.omniglass.views.services.DeadLetterResult;
import io.omniglass.views.services.DeadLettersService;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLettersViewModelTest {

    /** A dead-letter stream in memory that behaves like the core's: re-drive and discard remove, a second time is not_found. */
    static final class FakeStream implements DeadLettersService {
        final Map<Long, DeadLetter> letters = new LinkedHashMap<>();
        final List<String> filters = new ArrayList<>();
        final List<List<Long>> requests = new ArrayList<>();
        final List<Map<Long, String>> edits = new ArrayList<>();
        Runnable duringRequest = () -> { };

        FakeStream add(long id, String reason, String body) {
            letters.put(id, new DeadLetter(id, Instant.parse("2026-12-01T10:00:00Z").plusSeconds(id), reason, "detail " + id,
                    "og.demo.dp.metric", 0, body, Map.of("Og-Error", List.of(reason + ": detail " + id))));
            return this;
        }

        @Override
        public DeadLetterPage deadLetters(String tenant, String filter, int limit, String after) {
            filters.add(filter);
            if ("colour = red".equals(filter)) {
                throw new IllegalArgumentException("filter at position 0: unknown field 'colour'");
            }
            long from = after == null ? 0 : Long.parseLong(after);
            List<DeadLetter> page = letters.values().stream().filter(d -> d.id() > from).limit(limit).toList();
            boolean more = letters.values().stream().filter(d -> d.id() > from).count() > limit;
            return new DeadLetterPage(page, more ? Long.toString(page.get(page.size() - 1).id()) : null, letters.size());
        }

        @Override
        public List<DeadLetterResult> redrive(String tenant, List<Long> ids, Map<Long, String> e, String reason) {
            edits.add(e);
            return act(ids);
        }

        @Override
        public List<DeadLetterResult> discard(String tenant, List<Long> ids, String reason) {
            return act(ids);
        }

        private List<DeadLetterResult> act(List<Long> ids) {
            requests.add(List.copyOf(ids));
            duringRequest.run();
            List<DeadLetterResult> out = new ArrayList<>();
            for (long id : ids) {
                out.add(letters.remove(id) != null ? new DeadLetterResult(id, "ok", null)
                        : new DeadLetterResult(id, "not_found", "no dead letter " + id));
            }
            return out;
        }
    }

    static DeadLettersViewModel open(FakeStream stream) {
        DeadLettersViewModel vm = new DeadLettersViewModel(stream, new ImmediateExecutor());
        vm.tenantProperty().set("demo");
        return vm;
    }

    @Test
    void theReasonPickerAndTheFilterGoToTheCoreAsOneFilter() {
        FakeStream s = new FakeStream().add(1, "unknown_key", "{\"key\":\"flow\"}").add(2, "bad_json", "{oops");
        DeadLettersViewModel vm = open(s);
        assertThat(vm.items()).extracting(DeadLetter::id).containsExactly(1L, 2L);
        assertThat(vm.totalProperty().get()).isEqualTo(2);
        vm.reasonProperty().set("unknown_key");
        vm.filterProperty().set("body ~ \"*flow*\"");
        vm.refresh();
        assertThat(s.filters).last().isEqualTo("reason = unknown_key and body ~ \"*flow*\"");
        vm.reasonProperty().set(null);
        assertThat(s.filters).last().isEqualTo("body ~ \"*flow*\"");
    }

    @Test
    void aBadFilterIsShownAsAFilterErrorAndTheRowsStay() {
        FakeStream s = new FakeStream().add(1, "unknown_key", "{}");
        DeadLettersViewModel vm = open(s);
        vm.filterProperty().set("colour = red");
        vm.refresh();
        assertThat(vm.errorProperty().get()).contains("colour");
        assertThat(vm.items()).hasSize(1);
    }

    @Test
    void pagesAreLoadedOnDemand() {
        FakeStream s = new FakeStream();
        for (long i = 1; i <= DeadLettersViewModel.PAGE_SIZE + 5; i++) {
            s.add(i, "unknown_key", "{}");
        }
        DeadLettersViewModel vm = open(s);
        assertThat(vm.items()).hasSize(DeadLettersViewModel.PAGE_SIZE);
        assertThat(vm.moreProperty().get()).isTrue();
        vm.loadMore();
        assertThat(vm.items()).hasSize(DeadLettersViewModel.PAGE_SIZE + 5);
        assertThat(vm.moreProperty().get()).isFalse();
    }

    @Test
    void aBulkReDriveGoesInChunksWithAResultPerMessageAndNamesTheFailures() {
        FakeStream s = new FakeStream();
        for (long i = 1; i <= 60; i++) {
            s.add(i, "unknown_key", "{}");
        }
        DeadLettersViewModel vm = open(s);
        vm.selection().setAll(vm.items());
        s.letters.remove(7L); // re-driven meanwhile by someone else
        vm.redriveSelected("key registered");
        assertThat(s.requests).extracting(List::size).containsExactly(25, 25, 10);
        assertThat(vm.results()).hasSize(60);
        assertThat(vm.outcomeProperty().get()).isEqualTo("Re-driven 59 of 60 dead letters; #7 not found: no dead letter 7");
        assertThat(vm.bulkRunningProperty().get()).isFalse();
        assertThat(vm.progressProperty().get()).isEqualTo(1.0);
        assertThat(vm.items()).isEmpty(); // reloaded after the action
    }

    @Test
    void aCancelledBulkStopsBeforeItsNextChunkAndSaysWhatWasNotAttempted() {
        FakeStream s = new FakeStream();
        for (long i = 1; i <= 60; i++) {
            s.add(i, "bad_json", "{");
        }
        DeadLettersViewModel vm = open(s);
        vm.selection().setAll(vm.items());
        s.duringRequest = vm::cancel; // the operator presses Cancel while the first chunk is on its way
        vm.discardSelected("test rig");
        assertThat(s.requests).hasSize(1);
        assertThat(vm.outcomeProperty().get()).isEqualTo("Discarded 25 of 60 dead letters; cancelled, 35 not attempted");
        assertThat(vm.items()).hasSize(35);
    }

    @Test
    void discardNeedsAReasonAndAnEditMustBeJson() {
        FakeStream s = new FakeStream().add(1, "unknown_owner", "{\"owner\":\"component:pump-77\"}");
        DeadLettersViewModel vm = open(s);
        vm.selection().setAll(vm.items());
        vm.discardSelected("  ");
        assertThat(vm.outcomeProperty().get()).isEqualTo("A reason is required to discard dead letters.");
        assertThat(s.requests).isEmpty();

        assertThat(vm.redriveEdited(1, "{\"owner\": \"component:pump-7\",", "typo")).isFalse();
        assertThat(vm.outcomeProperty().get()).startsWith("Not re-driven: the body is not JSON (line 1, column");
        assertThat(s.requests).isEmpty();

        assertThat(vm.redriveEdited(1, "{\"owner\": \"component:pump-7\"}", "typo")).isTrue();
        assertThat(s.edits).containsExactly(Map.of(1L, "{\"owner\": \"component:pump-7\"}"));
        assertThat(vm.outcomeProperty().get()).isEqualTo("Re-driven (edited) 1 of 1 dead letter");
    }

    @Test
    void theDetailShowsThePrettyBodyAndEveryHeader() {
        assertThat(DeadLettersViewModel.pretty("{\"a\":1}")).isEqualTo("{\n  \"a\" : 1\n}");
        assertThat(DeadLettersViewModel.pretty("{oops")).isEqualTo("{oops");
        DeadLetter d = new DeadLetter(3, Instant.EPOCH, "bad_json", "", "og.demo.dp.metric", null, "{",
                Map.of("Og-Error", List.of("bad_json: unreadable")));
        assertThat(DeadLettersViewModel.headersText(d)).isEqualTo("Og-Error: bad_json: unreadable");
        assertThat(new DeadLetter(1, Instant.EPOCH, "r", "", "", 0, "{\n  \"a\": \"" + "x".repeat(50) + "\"\n}", Map.of()).preview(20))
                .isEqualTo("{ \"a\": \"xxxxxxxxxxx…").hasSize(20);
    }
}
