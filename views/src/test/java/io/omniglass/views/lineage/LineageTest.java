package io.omniglass.views.lineage;

import io.omniglass.views.common.ImmediateExecutor;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LineageService;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LineageTest {

    static LineageGraph.Node node(String id, String kind, String ref) {
        return new LineageGraph.Node(id, kind, id, Map.of("id", id), ref);
    }

    /** datapoint dp1 -> rule r1 -> event e1 -> alarm a1; e1 -> command c1 */
    static LineageGraph chain() {
        return new LineageGraph(
                List.of(node("alarm:1", "alarm", null), node("dp1", "datapoint", "metric/7/2026-11-21T07:00:00Z"),
                        node("r1", "rule", null), node("e1", "event", null), node("c1", "command", null)),
                List.of(new LineageGraph.Edge("dp1", "r1", "evaluated by"), new LineageGraph.Edge("r1", "e1", "raised"),
                        new LineageGraph.Edge("e1", "alarm:1", "transitions"), new LineageGraph.Edge("e1", "c1", "caused")));
    }

    @Test
    void theLayeredLayoutPutsCausesLeftOfEffects() {
        LineageLayout.Result r = LineageLayout.layout(chain(), n -> new double[]{120, 40});
        assertThat(r.nodes()).hasSize(5);
        assertThat(r.nodes().get("dp1").x()).isLessThan(r.nodes().get("r1").x());
        assertThat(r.nodes().get("r1").x()).isLessThan(r.nodes().get("e1").x());
        assertThat(r.nodes().get("e1").x()).isLessThan(r.nodes().get("c1").x());
        assertThat(r.nodes().get("c1").y()).isNotEqualTo(r.nodes().get("alarm:1").y());
        assertThat(r.edges()).hasSize(4).allSatisfy((e, pts) -> assertThat(pts).hasSizeGreaterThanOrEqualTo(2));
        assertThat(r.width()).isGreaterThan(4 * 120);
    }

    @Test
    void selectingANodeHighlightsItsPathToTheRootAndExpandingMergesNewNodes() {
        List<String> asked = new ArrayList<>();
        LineageService service = new LineageService() {
            @Override
            public LineageGraph ofDatapoint(String tenant, String kind, long seriesId, Instant ts, int depth) {
                throw new AssertionError();
            }

            @Override
            public LineageGraph ofAlarm(String tenant, Alarm alarm, int depth) {
                asked.add("alarm " + alarm.id() + " depth " + depth);
                return chain();
            }

            @Override
            public LineageGraph ofRef(String tenant, String ref, int depth) {
                asked.add("ref " + ref);
                return new LineageGraph(List.of(node("dp1", "datapoint", null), node("cr1", "calc_rule", null)),
                        List.of(new LineageGraph.Edge("cr1", "dp1", "calculated")));
            }
        };
        LineageViewModel vm = new LineageViewModel(service, new ImmediateExecutor());
        Alarm alarm = io.omniglass.views.Fakes.alarm(1, "critical", null);
        vm.openAlarm("demo", alarm);
        assertThat(vm.rootId()).isEqualTo("alarm:1");

        vm.selectedProperty().set(vm.graphProperty().get().nodes().get(1)); // dp1
        assertThat(vm.highlightedProperty().get()).contains("dp1", "r1", "e1", "alarm:1", "dp1->r1", "e1->alarm:1")
                .doesNotContain("c1");

        vm.expand(vm.graphProperty().get().nodes().get(1));
        vm.expand(vm.graphProperty().get().nodes().get(1)); // a second expand of the same node asks nothing
        assertThat(asked).containsExactly("alarm 1 depth 3", "ref metric/7/2026-11-21T07:00:00Z");
        assertThat(vm.graphProperty().get().nodes()).extracting(LineageGraph.Node::id).contains("cr1").hasSize(6);
        assertThat(vm.graphProperty().get().edges()).hasSize(5);

        vm.depthProperty().set(5);
        assertThat(asked).last().isEqualTo("alarm 1 depth 5");
    }
}
