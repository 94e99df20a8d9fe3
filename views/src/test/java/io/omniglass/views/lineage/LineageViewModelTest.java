package io.omniglass.views.lineage;

import io.omniglass.views.Fakes;
import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LineageService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static io.omniglass.views.lineage.LineageFixtures.edge;
import static io.omniglass.views.lineage.LineageFixtures.node;
import static org.assertj.core.api.Assertions.assertThat;

class LineageViewModelTest {

    @TempDir
    Path tmp;

    /** A service answering the root from {@code root} and each expansion from {@code more}, recording the calls. */
    static final class Service implements LineageService {
        final List<String> asked = new ArrayList<>();
        LineageGraph root;
        Function<String, LineageGraph> more = ref -> new LineageGraph(List.of(), List.of());

        Service(LineageGraph root) {
            this.root = root;
        }

        @Override
        public LineageGraph ofDatapoint(String tenant, String kind, long seriesId, Instant ts, int depth) {
            asked.add("datapoint " + seriesId + " depth " + depth);
            return root;
        }

        @Override
        public LineageGraph ofAlarm(String tenant, Alarm alarm, int depth) {
            asked.add("alarm " + alarm.id() + " depth " + depth);
            return root;
        }

        @Override
        public LineageGraph ofRef(String tenant, String ref, int depth) {
            asked.add("ref " + ref + " depth " + depth);
            return more.apply(ref);
        }
    }

    private static LineageViewModel open(Service s) {
        LineageViewModel vm = new LineageViewModel(s, new ImmediateExecutor());
        vm.openAlarm("demo", Fakes.alarm(1, "critical", null));
        return vm;
    }

    private static LineageGraph.Node find(LineageViewModel vm, String id) {
        return vm.graphProperty().get().nodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void selectingANodeLightsUpItsUpstreamAndDownstreamButNotItsSiblings() {
        LineageViewModel vm = open(new Service(LineageFixtures.chain()));
        assertThat(vm.rootId()).isEqualTo("alarm:1");

        vm.selectedProperty().set(find(vm, "c1"));
        assertThat(vm.highlightedProperty().get())
                .containsExactlyInAnyOrder("c1", "e1", "r1", "dp1", "e1->c1", "r1->e1", "dp1->r1");

        vm.selectedProperty().set(find(vm, "r1"));
        assertThat(vm.highlightedProperty().get()).contains("dp1", "r1", "e1", "alarm:1", "c1", "e1->alarm:1", "e1->c1");

        vm.selectedProperty().set(null);
        assertThat(vm.highlightedProperty().get()).isEmpty();
    }

    @Test
    void aRecordsDefinitionIsUpstreamOfItSoAnAlarmDoesNotLightUpItsRulesOtherEvents() {
        LineageViewModel vm = open(new Service(LineageFixtures.demo()));
        String dp = "datapoint:metric:12:2026-11-21T08:00:00.500Z";
        vm.selectedProperty().set(find(vm, "alarm:3"));
        assertThat(vm.highlightedProperty().get())
                .contains("event:5", "event_rule_version:1:1", dp, "series:12", "source_rule:4", "action:2",
                        "alarm:3->event_rule_version:1:1", "event:5->alarm:3")
                .as("event:7 was triggered by the raise event too, but is neither cause nor effect of the alarm")
                .doesNotContain("event:7", "event:6", "event:5->event:7");
    }

    @Test
    void aBranchHidesBehindItsNodeAndComesBackWhereItWas() {
        LineageViewModel vm = open(new Service(LineageFixtures.chain()));
        LineageLayout.Box dp1 = vm.layoutProperty().get().nodes().get("dp1");
        assertThat(vm.branchSize(find(vm, "e1"))).isEqualTo(3);
        assertThat(vm.branchSize(find(vm, "alarm:1"))).isZero();

        vm.hideBranch(find(vm, "e1"));
        assertThat(vm.visibleProperty().get()).containsExactlyInAnyOrder("alarm:1", "e1");
        assertThat(vm.collapsedProperty().get()).containsOnlyKeys("e1");
        assertThat(vm.collapsedProperty().get().get("e1")).containsExactlyInAnyOrder("dp1", "r1", "c1");
        assertThat(vm.visibleGraph().edges()).containsExactly(edge("e1", "alarm:1", "transitions"));
        assertThat(vm.statusProperty().get()).isEqualTo("3 hidden behind e1");

        // hiding inside what is shown, then showing the first branch again keeps the second hidden
        vm.unhide("e1");
        vm.hideBranch(find(vm, "r1"));
        assertThat(vm.visibleProperty().get()).containsExactlyInAnyOrder("alarm:1", "e1", "c1", "r1");
        vm.unhideAll();
        assertThat(vm.visibleProperty().get()).hasSize(5);
        assertThat(vm.collapsedProperty().get()).isEmpty();
        assertThat(vm.layoutProperty().get().nodes().get("dp1")).isEqualTo(dp1);

        // the root's branch is everything: refused, nothing hidden
        vm.hideBranch(find(vm, "alarm:1"));
        assertThat(vm.visibleProperty().get()).hasSize(5);
        // a leaf has nothing behind it
        vm.hideBranch(find(vm, "c1"));
        assertThat(vm.collapsedProperty().get()).isEmpty();
        assertThat(vm.statusProperty().get()).startsWith("nothing hangs off");
    }

    @Test
    void hidingTheSelectedNodesBranchDropsTheSelectionWhenItIsHidden() {
        LineageViewModel vm = open(new Service(LineageFixtures.chain()));
        vm.selectedProperty().set(find(vm, "dp1"));
        vm.hideBranch(find(vm, "e1"));
        assertThat(vm.selectedProperty().get()).isNull();
        assertThat(vm.highlightedProperty().get()).isEmpty();
    }

    @Test
    void eachNodeCountsItsLinksLoadedOfAllAndExpandingLoadsTheRestKeepingPlaces() {
        Service s = new Service(LineageFixtures.chain());
        // dp1 has 1 link in the answer (r1) and 9 left out: 1 of 10
        List<LineageGraph.Node> more = new ArrayList<>();
        List<LineageGraph.Edge> moreEdges = new ArrayList<>();
        more.add(node("dp1", "datapoint", "datapoint:metric:7:2026-11-21T07:00:00Z", 0));
        more.add(node("r1", "rule", null, 0));
        moreEdges.add(edge("dp1", "r1", "evaluated by"));
        for (int i = 0; i < 9; i++) {
            more.add(node("x" + i, "event", "event:" + (50 + i), 2));
            moreEdges.add(edge("dp1", "x" + i, "triggered"));
        }
        s.more = ref -> new LineageGraph(more, moreEdges);
        LineageViewModel vm = open(s);
        assertThat(vm.links("dp1")).isEqualTo(new LineageViewModel.Links(1, 10));
        assertThat(vm.links("dp1").toString()).isEqualTo("1 of 10");
        assertThat(vm.links("e1").complete()).isTrue();
        assertThat(vm.canExpand(find(vm, "dp1"))).isTrue();
        assertThat(vm.canExpand(find(vm, "e1"))).as("nothing more to load").isFalse();
        assertThat(vm.canExpand(find(vm, "r1"))).as("no ref: the core cannot walk from it").isFalse();
        LineageLayout.Result before = vm.layoutProperty().get();
        vm.selectedProperty().set(find(vm, "dp1"));

        vm.expand(find(vm, "dp1"));
        vm.expand(find(vm, "dp1")); // a second expand of the same node asks nothing

        assertThat(s.asked).containsExactly("alarm 1 depth 3", "ref datapoint:metric:7:2026-11-21T07:00:00Z depth 1");
        assertThat(vm.links("dp1")).isEqualTo(new LineageViewModel.Links(10, 10));
        assertThat(vm.links("x0")).isEqualTo(new LineageViewModel.Links(1, 3));
        assertThat(vm.graphProperty().get().nodes()).hasSize(14);
        assertThat(vm.visibleProperty().get()).hasSize(14);
        assertThat(vm.layoutProperty().get().nodes()).hasSize(14);
        LineageLayoutTest.assertKeptPlaces(before, vm.layoutProperty().get());
        assertThat(LineageLayoutTest.edgesThroughNodes(vm.layoutProperty().get(), vm.graphProperty().get())).isEmpty();
        assertThat(vm.statusProperty().get()).isEqualTo("9 more from dp1");
        assertThat(vm.highlightedProperty().get()).as("the selection's downstream now runs through the newcomers")
                .contains("x0", "x8", "dp1->x0");

        vm.depthProperty().set(5);
        assertThat(s.asked).last().isEqualTo("alarm 1 depth 5");
        assertThat(vm.graphProperty().get().nodes()).as("a reload starts over").hasSize(5);
    }

    @Test
    void tidyLaysTheShownGraphOutAfreshAndUnhidingPlacesWhatTheTidyDropped() {
        LineageViewModel vm = open(new Service(LineageFixtures.demo()));
        vm.hideBranch(find(vm, "event:6"));
        int hidden = vm.collapsedProperty().get().get("event:6").size();
        assertThat(hidden).isGreaterThan(0);
        int fresh = vm.freshLayoutsProperty().get();
        vm.tidy();
        assertThat(vm.freshLayoutsProperty().get()).isEqualTo(fresh + 1);
        assertThat(vm.layoutProperty().get().nodes()).hasSize(vm.visibleProperty().get().size());
        LineageLayout.Result tidied = vm.layoutProperty().get();
        vm.unhideAll();
        assertThat(vm.layoutProperty().get().nodes()).hasSize(vm.graphProperty().get().nodes().size());
        LineageLayoutTest.assertKeptPlaces(tidied, vm.layoutProperty().get());
        assertThat(LineageLayoutTest.edgesThroughNodes(vm.layoutProperty().get(), vm.graphProperty().get())).isEmpty();
    }

    @Test
    void theCsvExportWritesEveryNodeAndEdgeInTwoFiles() throws Exception {
        LineageViewModel vm = open(new Service(LineageFixtures.chain()));
        vm.hideBranch(find(vm, "e1"));
        vm.exportCsv(tmp.resolve("lineage-alarm-1.csv"));

        List<String> nodes = Files.readAllLines(tmp.resolve("lineage-alarm-1-nodes.csv"));
        List<String> edges = Files.readAllLines(tmp.resolve("lineage-alarm-1-edges.csv"));
        assertThat(nodes).hasSize(6).first().isEqualTo("id,kind,label,shown,links_loaded,links_total,attributes");
        assertThat(nodes).contains("dp1,datapoint,dp1,false,1,10,id=dp1", "alarm:1,alarm,alarm:1,true,1,1,id=alarm:1");
        assertThat(edges).hasSize(5).first().isEqualTo("from,to,label,from_kind,to_kind,shown");
        assertThat(edges).contains("e1,alarm:1,transitions,event,alarm,true", "dp1,r1,evaluated by,datapoint,rule,false");
        assertThat(vm.statusProperty().get()).isEqualTo("exported 5 nodes to lineage-alarm-1-nodes.csv and 4 edges to lineage-alarm-1-edges.csv");
        assertThat(vm.exportProgressProperty().get()).isEqualTo(1.0);
        assertThat(vm.exportingProperty().get()).isFalse();
    }

    @Test
    void aCancelledExportStopsAndLeavesNoFiles() {
        LineageViewModel vm = open(new Service(LineageFixtures.generated(400, 3)));
        List<Double> progress = new ArrayList<>();
        vm.exportProgressProperty().addListener((o, a, b) -> {
            progress.add(b.doubleValue());
            if (b.doubleValue() > 0 && b.doubleValue() < 1) {
                vm.cancelExport(); // the operator presses Cancel at the first progress report
            }
        });
        vm.exportCsv(tmp.resolve("big.csv"));
        assertThat(progress).isNotEmpty().allMatch(p -> p < 1.0);
        assertThat(vm.statusProperty().get()).isEqualTo("export cancelled: nothing written");
        assertThat(tmp.resolve("big-nodes.csv")).doesNotExist();
        assertThat(tmp.resolve("big-edges.csv")).doesNotExist();
        assertThat(vm.exportingProperty().get()).isFalse();
    }

    @Test
    void csvCellsAreQuotedAndFormulasDefused() {
        assertThat(LineageCsv.cell("pump-3 temperature = 88.2")).isEqualTo("pump-3 temperature = 88.2");
        assertThat(LineageCsv.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(LineageCsv.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(LineageCsv.cell("line\nbreak")).isEqualTo("\"line\nbreak\"");
        assertThat(LineageCsv.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
        assertThat(LineageCsv.cell("-3.5")).isEqualTo("-3.5");
        assertThat(LineageCsv.cell("-cmd")).isEqualTo("'-cmd");
        assertThat(LineageCsv.files(Path.of("/x/lineage.csv")))
                .isEqualTo(new LineageCsv.Targets(Path.of("/x/lineage-nodes.csv"), Path.of("/x/lineage-edges.csv")));
        assertThat(LineageCsv.files(Path.of("/x/g-nodes.csv")).edges()).isEqualTo(Path.of("/x/g-edges.csv"));
    }

    @Test
    void aFailedExpandCanBeTriedAgain() {
        Service s = new Service(LineageFixtures.chain());
        s.more = ref -> {
            throw io.omniglass.views.Fakes.badRequest("no such datapoint");
        };
        LineageViewModel vm = open(s);
        vm.expand(find(vm, "dp1"));
        assertThat(vm.errorProperty().get()).contains("no such datapoint");
        assertThat(vm.canExpand(find(vm, "dp1"))).isTrue();
        assertThat(Map.copyOf(vm.collapsedProperty().get())).isEmpty();
    }
}
