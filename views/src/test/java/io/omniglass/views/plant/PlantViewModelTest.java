package io.omniglass.views.plant;

import io.omniglass.views.common.CsvWriter;
import io.omniglass.views.common.BackgroundExecutor;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.Page;
import io.omniglass.views.services.PlantLevel;
import io.omniglass.views.services.PlantNode;
import io.omniglass.views.services.PlantService;
import io.omniglass.views.services.PlantVariable;
import io.omniglass.views.services.SeriesBuckets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The plant screen's logic without a toolkit: lazy levels, pages, search and reveal, detail, CSV export. */
class PlantViewModelTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final int BIG = PlantViewModel.PAGE * 2 + 3;

    /** site > sys > c-0000 .. c-1002 (a level of three pages) and site > lonely (a component with two signals). */
    static final class FakePlant implements PlantService {
        final Map<String, List<PlantNode>> levels = new LinkedHashMap<>();
        final List<String> asked = new ArrayList<>();
        final List<CurrentValue> values = new ArrayList<>();
        Runnable onValuesPage = () -> { };
        int valuePages;

        FakePlant() {
            levels.put(null, List.of(node("location", "site", 2, List.of())));
            levels.put("location:site", List.of(node("system", "sys", BIG, List.of("location:site")),
                    node("component", "lonely", 2, List.of("location:site"))));
            List<PlantNode> big = new ArrayList<>();
            for (int i = 0; i < BIG; i++) {
                big.add(node("component", String.format("c-%04d", i), 0, List.of("location:site", "system:sys")));
            }
            levels.put("system:sys", big);
            levels.put("component:lonely", List.of(
                    new PlantNode("signal", "series:1", "temp", "", 0, 1, 1L, "component:lonely", "degC", List.of("location:site", "component:lonely")),
                    new PlantNode("signal", "series:2", "state", "", 0, 0, 2L, "component:lonely", "", List.of("location:site", "component:lonely"))));
        }

        static PlantNode node(String kind, String name, long children, List<String> path) {
            return new PlantNode(kind, kind + ":" + name, name, name.toUpperCase(), children, 0, null, null, null, path);
        }

        @Override
        public PlantLevel children(String tenant, String parentId, int limit, String after) {
            asked.add(parentId + (after == null ? "" : " after " + after));
            List<PlantNode> all = levels.getOrDefault(parentId, List.of());
            int from = 0;
            if (after != null) {
                from = all.stream().map(PlantNode::id).toList().indexOf(after) + 1;
            }
            int to = Math.min(all.size(), from + limit);
            return new PlantLevel(all.subList(from, to), to < all.size() ? all.get(to - 1).id() : null, false);
        }

        @Override
        public PlantLevel search(String tenant, String query, int limit) {
            List<PlantNode> hits = levels.values().stream().flatMap(List::stream)
                    .filter(n -> !n.isSignal() && n.name().contains(query)).limit(limit + 1).toList();
            return new PlantLevel(hits.subList(0, Math.min(limit, hits.size())), null, hits.size() > limit);
        }

        @Override
        public Page<CurrentValue> ownerValues(String tenant, String owner, int limit, String after) {
            List<CurrentValue> of = values.stream().filter(v -> owner == null || v.owner().equals(owner)).toList();
            int from = after == null ? 0 : Integer.parseInt(after);
            int to = Math.min(of.size(), from + limit);
            valuePages++;
            onValuesPage.run();
            return new Page<>(of.subList(from, to), to < of.size() ? Integer.toString(to) : null);
        }

        @Override
        public Map<Long, SeriesBuckets> sparklines(String tenant, String owner, Instant from, Instant to, String bucket) {
            assertThat(bucket).isEqualTo("1m");
            assertThat(java.time.Duration.between(from, to)).isEqualTo(java.time.Duration.ofHours(1));
            return Map.of(1L, new SeriesBuckets(List.of(
                    new SeriesBuckets.Bucket(from, 3, 1, 3, 2.0),
                    new SeriesBuckets.Bucket(from.plusSeconds(60), 0, 0, 0, 0), // an empty minute is left out
                    new SeriesBuckets.Bucket(from.plusSeconds(120), 2, 4, 6, 5.0)), null));
        }

        @Override
        public List<Alarm> activeAlarms(String tenant, String owner) {
            return List.of(new Alarm(7, owner, "temp-high", "active", "error", "too hot", NOW, null, false, null, null, null,
                    null, null, null, null, null, null));
        }

        @Override
        public List<PlantVariable> variables(String tenant, String owner) {
            return List.of(new PlantVariable("modbus_address", "config", "17", false));
        }
    }

    /** Holds submitted work until the test runs it, to interleave answers. */
    static final class QueuedExecutor implements BackgroundExecutor {
        final Deque<Runnable> queue = new ArrayDeque<>();

        @Override
        public <T> void submit(Callable<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
            queue.add(() -> new ImmediateExecutor().submit(work, onSuccess, onFailure));
        }

        @Override
        public void onUiThread(Runnable action) {
            action.run();
        }

        void runLast() {
            queue.pollLast().run();
        }

        void runAll() {
            while (!queue.isEmpty()) {
                queue.poll().run();
            }
        }
    }

    final FakePlant plant = new FakePlant();
    final PlantViewModel vm = new PlantViewModel(plant, new ImmediateExecutor(), Clock.fixed(NOW, ZoneOffset.UTC));

    static CurrentValue value(String owner, String key, Double numeric, String text, long series) {
        return new CurrentValue(series, owner, key, "", "observed", numeric != null ? "metric" : "state",
                numeric != null ? numeric.toString() : text, numeric, numeric != null ? "degC" : "", NOW);
    }

    @Test
    void aLevelIsAskedForOnlyWhenFirstOpened() {
        vm.tenantProperty().set("demo");
        assertThat(vm.roots()).extracting(PlantEntry::id).containsExactly("location:site");
        assertThat(plant.asked).containsExactly("null");
        PlantEntry site = vm.roots().get(0);
        assertThat(site.hasChildren()).isTrue();
        assertThat(site.isLoaded()).isFalse();

        vm.expand(site);
        vm.expand(site);
        assertThat(site.children()).extracting(PlantEntry::id).containsExactly("system:sys", "component:lonely");
        assertThat(plant.asked).containsExactly("null", "location:site");
        assertThat(site.expandedProperty().get()).isTrue();

        vm.tenantProperty().set("other"); // another tenant starts from its roots again
        assertThat(plant.asked).containsExactly("null", "location:site", "null");
        assertThat(vm.roots().get(0).isLoaded()).isFalse();
    }

    @Test
    void aLongLevelComesInPagesOnDemand() {
        vm.tenantProperty().set("demo");
        PlantEntry site = vm.roots().get(0);
        vm.expand(site);
        PlantEntry sys = site.children().get(0);
        vm.expand(sys);
        assertThat(sys.children()).hasSize(PlantViewModel.PAGE);
        assertThat(sys.nextProperty().get()).isEqualTo("component:c-0499");
        vm.loadMore(sys);
        vm.loadMore(sys);
        assertThat(sys.children()).hasSize(BIG);
        assertThat(sys.children()).extracting(PlantEntry::id).doesNotHaveDuplicates();
        assertThat(sys.nextProperty().get()).isNull();
        vm.loadMore(sys); // nothing left: no call
        assertThat(plant.asked).hasSize(5);
    }

    @Test
    void aSearchHitOpensTheTreeDownToItAndSelectsIt() {
        vm.tenantProperty().set("demo");
        vm.queryProperty().set("c-1001");
        vm.search();
        assertThat(vm.hits()).extracting(PlantNode::id).containsExactly("component:c-1001");

        vm.reveal(vm.hits().get(0));
        assertThat(vm.hits()).isEmpty();
        PlantEntry site = vm.roots().get(0);
        PlantEntry sys = site.children().get(0);
        assertThat(site.expandedProperty().get()).isTrue();
        assertThat(sys.expandedProperty().get()).isTrue();
        // c-1001 is on the third page of its level: the pages before it were loaded on the way
        assertThat(sys.children()).hasSize(BIG);
        assertThat(vm.selectedProperty().get().id()).isEqualTo("component:c-1001");
        assertThat(vm.detailPathProperty().get()).isEqualTo("location:site › system:sys");
    }

    @Test
    void anOlderSearchAnswerDoesNotReplaceANewerOne() {
        QueuedExecutor queued = new QueuedExecutor();
        PlantViewModel slow = new PlantViewModel(plant, queued, Clock.fixed(NOW, ZoneOffset.UTC));
        slow.tenantProperty().set("demo");
        queued.runAll();
        slow.queryProperty().set("c-");
        slow.search();
        slow.queryProperty().set("lonely");
        slow.search();
        queued.runLast(); // the newer answer first
        queued.runAll(); // then the older one arrives
        assertThat(slow.hits()).extracting(PlantNode::id).containsExactly("component:lonely");
    }

    @Test
    void theTreeOpeningALevelAndARevealPassingThroughItShareOneRequest() {
        QueuedExecutor queued = new QueuedExecutor();
        PlantViewModel slow = new PlantViewModel(plant, queued, Clock.fixed(NOW, ZoneOffset.UTC));
        slow.tenantProperty().set("demo");
        queued.runAll();
        PlantEntry site = slow.roots().get(0);
        slow.expand(site); // the tree item opened ...
        slow.reveal(FakePlant.node("component", "lonely", 2, List.of("location:site"))); // ... while a reveal passes
        slow.expand(site);
        queued.runAll();
        assertThat(plant.asked).containsExactly("null", "location:site");
        PlantEntry lonely = site.children().get(1);
        assertThat(slow.selectedProperty().get()).isSameAs(lonely);
    }

    @Test
    void theDetailShowsValuesWithTheLastHourAlarmsAndVariables() {
        plant.values.add(value("component:lonely", "temp", 21.5, null, 1));
        plant.values.add(value("component:lonely", "state", null, "running", 2));
        plant.values.add(value("component:other", "temp", 9.0, null, 3));
        vm.tenantProperty().set("demo");
        vm.queryProperty().set("lonely");
        vm.search();
        vm.reveal(vm.hits().get(0));
        assertThat(vm.detailTitleProperty().get()).isEqualTo("LONELY  (component:lonely)");
        assertThat(vm.values()).extracting(d -> d.value().key()).containsExactly("temp", "state");
        assertThat(vm.values().get(0).spark()).containsExactly(2.0, 5.0);
        assertThat(vm.values().get(1).spark()).isEmpty();
        assertThat(vm.alarms()).extracting(Alarm::rule).containsExactly("temp-high");
        assertThat(vm.variables()).extracting(PlantVariable::name).containsExactly("modbus_address");

        // a signal shows its owner's detail
        PlantEntry lonely = vm.selectedProperty().get();
        vm.expand(lonely);
        vm.selectedProperty().set(lonely.children().get(0));
        assertThat(vm.detailTitleProperty().get()).isEqualTo("component:lonely · temp");
        assertThat(vm.values()).hasSize(2);
        vm.selectedProperty().set(null);
        assertThat(vm.values()).isEmpty();
    }

    @Test
    void theExportWritesEveryPageAsRfc4180Csv(@TempDir Path dir) throws IOException {
        for (int i = 0; i < PlantViewModel.EXPORT_PAGE + 5; i++) {
            plant.values.add(value("component:c-" + i, "temp", 0.1 * i, null, i));
        }
        plant.values.add(value("component:lonely", "note", null, "said \"hi\", then\nleft", 99_999));
        vm.tenantProperty().set("demo");
        Path file = dir.resolve("values.csv");
        vm.export(file, true);

        assertThat(vm.exportingProperty().get()).isFalse();
        assertThat(vm.exportedRowsProperty().get()).isEqualTo(PlantViewModel.EXPORT_PAGE + 6);
        assertThat(vm.exportStatusProperty().get()).isEqualTo("1,006 rows written to values.csv");
        assertThat(plant.valuePages).isEqualTo(2);
        String csv = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(csv).startsWith("owner,key,instance,provenance,kind,value,unit,ts,series_id\r\n");
        assertThat(csv).contains("\r\ncomponent:c-3,temp,,observed,metric,0.30000000000000004,degC,2026-12-01T12:00:00Z,3\r\n");
        assertThat(csv).endsWith("\r\ncomponent:lonely,note,,observed,state,\"said \"\"hi\"\", then\nleft\",,2026-12-01T12:00:00Z,99999\r\n");
        assertThat(csv.split("\r\n")).hasSize(1 + PlantViewModel.EXPORT_PAGE + 6);
        assertThat(dir.resolve("values.csv.part")).doesNotExist();
    }

    @Test
    void theExportOfTheSelectedEntityHasOnlyItsValues(@TempDir Path dir) throws IOException {
        plant.values.add(value("component:lonely", "temp", 21.5, null, 1));
        plant.values.add(value("component:other", "temp", 9.0, null, 3));
        vm.tenantProperty().set("demo");
        vm.queryProperty().set("lonely");
        vm.search();
        vm.reveal(vm.hits().get(0));
        vm.export(dir.resolve("one.csv"), false);
        assertThat(Files.readAllLines(dir.resolve("one.csv"))).containsExactly(
                "owner,key,instance,provenance,kind,value,unit,ts,series_id",
                "component:lonely,temp,,observed,metric,21.5,degC,2026-12-01T12:00:00Z,1");
    }

    @Test
    void aCancelledExportLeavesNoFile(@TempDir Path dir) {
        for (int i = 0; i < 3 * PlantViewModel.EXPORT_PAGE; i++) {
            plant.values.add(value("component:c-" + i, "temp", (double) i, null, i));
        }
        vm.tenantProperty().set("demo");
        plant.onValuesPage = vm::cancelExport; // the user presses Cancel while the first page is read
        Path file = dir.resolve("values.csv");
        vm.export(file, true);
        assertThat(plant.valuePages).isEqualTo(1);
        assertThat(vm.exportingProperty().get()).isFalse();
        assertThat(vm.exportStatusProperty().get()).isEqualTo("export cancelled; no file written");
        assertThat(file).doesNotExist();
        assertThat(dir.resolve("values.csv.part")).doesNotExist();
    }

    @Test
    void aFailedExportSaysWhyAndLeavesNoFile(@TempDir Path dir) {
        vm.tenantProperty().set("demo");
        plant.onValuesPage = () -> {
            throw new IllegalStateException("the core went away");
        };
        Path file = dir.resolve("values.csv");
        vm.export(file, true);
        assertThat(vm.exportStatusProperty().get()).startsWith("export failed").contains("the core went away");
        assertThat(file).doesNotExist();
        assertThat(dir.resolve("values.csv.part")).doesNotExist();
    }

    @Test
    void csvFieldsAreQuotedOnlyWhenTheyMustBe() {
        assertThat(CsvWriter.field("plain")).isEqualTo("plain");
        assertThat(CsvWriter.field(null)).isEmpty();
        assertThat(CsvWriter.field("a,b")).isEqualTo("\"a,b\"");
        assertThat(CsvWriter.field("say \"x\"")).isEqualTo("\"say \"\"x\"\"\"");
        assertThat(CsvWriter.field("two\nlines")).isEqualTo("\"two\nlines\"");
        assertThat(CsvWriter.field("cr\rhere")).isEqualTo("\"cr\rhere\"");
        assertThat(CsvWriter.field(" spaced ")).isEqualTo(" spaced ");
        assertThat(PlantViewModel.plain(1e21)).isEqualTo("1000000000000000000000");
        assertThat(PlantViewModel.plain(4.20)).isEqualTo("4.2");
    }

    @Test
    void aSparklineSpansItsBoxLowestAtTheBottom() {
        assertThat(Sparkline.coordinates(List.of(1.0, 3.0, 2.0), 102, 22))
                .containsExactly(1.0, 21.0, 51.0, 1.0, 101.0, 11.0);
        assertThat(Sparkline.coordinates(List.of(5.0, 5.0), 102, 22)).containsExactly(1.0, 11.0, 101.0, 11.0);
        assertThat(Sparkline.coordinates(List.of(), 102, 22)).isEmpty();
    }
}
