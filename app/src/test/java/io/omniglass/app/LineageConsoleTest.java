package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.views.lineage.LineageLayout;
import io.omniglass.views.lineage.LineageView;
import io.omniglass.views.lineage.LineageViewModel;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.shell.Page;
import javafx.geometry.Bounds;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The lineage screen against a real core with the demo plant, headless through Monocle: an alarm's
 * lineage fits the viewport, expanding a node keeps every node where it was, a branch hides and comes
 * back, and the CSV export writes the nodes and edges the core answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LineageConsoleTest {

    private static final String TENANT = "demo";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    static Path tmp;

    private static RealCore core;
    private static ConsoleApp app;
    private static final FxRobot robot = new FxRobot();
    private static final FxQueries fx = new FxQueries(robot, PATIENCE);
    private static long alarmId;

    @BeforeAll
    static void start() throws Exception {
        core = new RealCore(TENANT);
        core.post("/api/v1/tenants/" + TENANT + "/event-rules", RealCore.highRule("lineage-pressure", "discharge_pressure", 8.0));
        core.publishMetric(TENANT, "pump-2", "discharge_pressure", 9.5);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> {
            for (JsonNode a : core.get("/api/v1/tenants/" + TENANT + "/alarms?filter=rule%20%3D%20lineage-pressure").path("items")) {
                alarmId = a.path("id").asLong();
                return true;
            }
            return false;
        });
        ConsoleSettings settings = new ConsoleSettings(tmp.resolve("config"), Map.of("OMNIGLASS_DATA_DIR", tmp.resolve("none").toString()));
        FxToolkit.registerPrimaryStage();
        app = (ConsoleApp) FxToolkit.setupApplication(() ->
                new ConsoleApp(settings, new LaunchOptions(core.url(), core.tokenFile, null, TENANT, false, null)));
        FxToolkit.showStage();
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            FxToolkit.cleanupApplication(app);
            FxToolkit.cleanupStages();
        }
        if (core != null) {
            core.close();
        }
    }

    private static LineageViewModel vm() {
        return app.shell().lineage();
    }

    private static LineageView view() {
        return fx.onFx(() -> robot.lookup((Node n) -> n instanceof LineageView).query());
    }

    /** Every drawn node's box in the viewport's coordinates. */
    private static Map<String, Bounds> drawn() {
        LineageView v = view();
        return fx.onFx(() -> {
            Map<String, Bounds> out = new HashMap<>();
            for (String id : vm().visibleProperty().get()) {
                Bounds b = v.nodeBoundsInViewport(id);
                if (b != null) {
                    out.put(id, b);
                }
            }
            return out;
        });
    }

    private static void assertAllInsideViewport() {
        LineageView v = view();
        double w = fx.onFx(() -> v.canvas().getWidth());
        double h = fx.onFx(() -> v.canvas().getHeight());
        Map<String, Bounds> boxes = drawn();
        assertThat(boxes.keySet()).containsExactlyInAnyOrderElementsOf(fx.onFx(() -> vm().visibleProperty().get()));
        assertThat(boxes).allSatisfy((id, b) -> {
            assertThat(b.getMinX()).as("%s left edge in a %sx%s viewport", id, w, h).isGreaterThanOrEqualTo(0);
            assertThat(b.getMinY()).as("%s top edge", id).isGreaterThanOrEqualTo(0);
            assertThat(b.getMaxX()).as("%s right edge", id).isLessThanOrEqualTo(w);
            assertThat(b.getMaxY()).as("%s bottom edge", id).isLessThanOrEqualTo(h);
        });
    }

    @Test
    @Order(1)
    void theLineageOfADemoAlarmFitsTheViewport() {
        fx.eventually(() -> assertThat(((Label) robot.lookup("#connection-state").query()).getText()).isEqualTo("connected"));
        robot.press(KeyCode.CONTROL, KeyCode.DIGIT3).release(KeyCode.DIGIT3, KeyCode.CONTROL);
        TableView<Alarm> alarms = robot.lookup("#alarms-table").query();
        fx.eventually(() -> {
            robot.interact(() -> app.shell().alarms().refresh());
            assertThat(alarms.getItems()).extracting(Alarm::id).contains(alarmId);
        });
        robot.interact(() -> {
            alarms.getSelectionModel().clearSelection();
            alarms.getItems().stream().filter(a -> a.id() == alarmId).findFirst().ifPresent(a -> alarms.getSelectionModel().select(a));
            alarms.requestFocus();
        });
        robot.press(KeyCode.CONTROL, KeyCode.L).release(KeyCode.L, KeyCode.CONTROL);
        fx.eventually(() -> {
            assertThat(fx.onFx(() -> app.shell().pageProperty().get())).isEqualTo(Page.LINEAGE);
            assertThat(fx.onFx(() -> vm().graphProperty().get().nodes())).extracting(LineageGraph.Node::id).contains("alarm:" + alarmId);
            assertThat(fx.onFx(() -> vm().layoutProperty().get().nodes())).hasSizeGreaterThanOrEqualTo(4);
        });
        // the graph the console draws is the one the core answers for this alarm
        JsonNode answer = core.get("/api/v1/tenants/" + TENANT + "/lineage/alarm/" + alarmId + "?depth=3");
        Set<String> ids = new HashSet<>();
        answer.path("nodes").forEach(n -> ids.add(n.path("id").asText()));
        assertThat(fx.onFx(() -> vm().graphProperty().get().nodes())).extracting(LineageGraph.Node::id).containsExactlyInAnyOrderElementsOf(ids);
        fx.eventually(LineageConsoleTest::assertAllInsideViewport);

        // zoom in twice, pan away: then Fit brings every node back into view
        robot.clickOn("#lineage-zoom-in").clickOn("#lineage-zoom-in");
        robot.drag("#lineage-canvas").dropBy(500, 300);
        robot.clickOn("#lineage-fit");
        fx.eventually(LineageConsoleTest::assertAllInsideViewport);

        // and from the keyboard: + zooms in (cutting the graph off), 0 fits again
        LineageView v = view();
        double fitted = fx.onFx(v::zoom);
        robot.interact(() -> v.canvas().requestFocus());
        robot.type(KeyCode.EQUALS, 3);
        fx.eventually(() -> assertThat(fx.onFx(v::zoom)).isGreaterThan(fitted * 1.9));
        robot.type(KeyCode.DIGIT0);
        fx.eventually(() -> assertThat(fx.onFx(v::zoom)).isEqualTo(fitted));
        fx.eventually(LineageConsoleTest::assertAllInsideViewport);
    }

    @Test
    @Order(2)
    void expandingANodeKeepsEveryNodeWhereItWas() {
        // one ring only, so that the raise event has links not loaded yet
        robot.interact(() -> vm().depthProperty().set(1));
        fx.eventually(() -> assertThat(fx.onFx(() -> vm().graphProperty().get().nodes().stream().anyMatch(n -> vm().canExpand(n)))).isTrue());
        LineageGraph.Node target = fx.onFx(() -> vm().graphProperty().get().nodes().stream()
                .filter(n -> n.kind().equals("event") && vm().canExpand(n)).findFirst()
                .orElseGet(() -> vm().graphProperty().get().nodes().stream().filter(n -> vm().canExpand(n)).findFirst().orElseThrow()));
        LineageViewModel.Links before = fx.onFx(() -> vm().links(target.id()));
        assertThat(before.loaded()).isLessThan(before.total());
        String badge = "#lineage-count-" + target.id().replaceAll("[^A-Za-z0-9_-]", "_");
        fx.eventually(() -> assertThat(((Label) robot.lookup(badge).query()).getText()).isEqualTo(before + " +"));
        Map<String, LineageLayout.Box> placed = fx.onFx(() -> Map.copyOf(vm().layoutProperty().get().nodes()));
        int nodesBefore = placed.size();

        robot.clickOn(badge);

        fx.eventually(() -> assertThat(fx.onFx(() -> vm().layoutProperty().get().nodes().size())).isGreaterThan(nodesBefore));
        Map<String, LineageLayout.Box> after = fx.onFx(() -> vm().layoutProperty().get().nodes());
        placed.forEach((id, b) -> {
            LineageLayout.Box a = after.get(id);
            assertThat(Math.abs(a.x() - b.x()) + Math.abs(a.y() - b.y())).as("%s moved from %s to %s", id, b, a).isLessThan(1e-6);
        });
        // as drawn: each label sits at its kept box, and nothing is cut off
        placed.forEach((id, b) -> {
            Label l = fx.onFx(() -> robot.lookup("#lineage-node-" + id.replaceAll("[^A-Za-z0-9_-]", "_")).query());
            assertThat(fx.onFx(() -> new double[]{l.getLayoutX(), l.getLayoutY()})).containsExactly(b.x(), b.y());
        });
        assertThat(fx.onFx(() -> vm().links(target.id()).loaded())).isGreaterThan(before.loaded());
        fx.eventually(LineageConsoleTest::assertAllInsideViewport);
    }

    @Test
    @Order(3)
    void aBranchHidesAndComesBackAndTheSelectionLightsUpItsPaths() {
        String root = fx.onFx(() -> vm().rootId());
        // the raise event: the datapoint its expansion loaded hangs off the alarm only through it
        LineageGraph.Node pick = fx.onFx(() -> vm().graphProperty().get().nodes().stream().filter(n -> !n.id().equals(root))
                .filter(n -> n.kind().equals("event")).findFirst().orElseThrow());
        robot.clickOn("#lineage-node-" + pick.id().replaceAll("[^A-Za-z0-9_-]", "_"));
        fx.eventually(() -> assertThat(fx.onFx(() -> vm().selectedProperty().get().id())).isEqualTo(pick.id()));
        fx.eventually(() -> assertThat(robot.lookup(".lineage-node").queryAll().stream()
                .filter(n -> n.getPseudoClassStates().stream().anyMatch(p -> p.getPseudoClassName().equals("on-path")))).isNotEmpty());
        int shown = fx.onFx(() -> vm().visibleProperty().get().size());
        robot.clickOn("#lineage-hide");
        fx.eventually(() -> assertThat(fx.onFx(() -> vm().visibleProperty().get().size())).isLessThan(shown));
        int hidden = fx.onFx(() -> vm().collapsedProperty().get().get(pick.id()).size());
        fx.eventually(() -> assertThat(robot.lookup(".lineage-node").queryAll()).hasSize(shown - hidden));
        String unhide = "#lineage-unhide-" + pick.id().replaceAll("[^A-Za-z0-9_-]", "_");
        assertThat(((Label) robot.lookup(unhide).query()).getText()).isEqualTo(hidden + " hidden");
        robot.clickOn(unhide);
        fx.eventually(() -> assertThat(robot.lookup(".lineage-node").queryAll()).hasSize(shown));
    }

    @Test
    @Order(4)
    void theCsvExportWritesTheNodesAndEdgesOfTheGraph() throws Exception {
        Path chosen = tmp.resolve("lineage-alarm-" + alarmId + ".csv");
        robot.interact(() -> vm().exportCsv(chosen));
        fx.eventually(() -> assertThat(fx.onFx(() -> vm().statusProperty().get())).startsWith("exported"));
        LineageGraph g = fx.onFx(() -> vm().graphProperty().get());
        List<String> nodes = Files.readAllLines(tmp.resolve("lineage-alarm-" + alarmId + "-nodes.csv"));
        List<String> edges = Files.readAllLines(tmp.resolve("lineage-alarm-" + alarmId + "-edges.csv"));
        assertThat(nodes).hasSize(g.nodes().size() + 1);
        assertThat(edges).hasSize(g.edges().size() + 1);
        assertThat(nodes.get(0)).isEqualTo("id,kind,label,shown,links_loaded,links_total,attributes");
        assertThat(nodes).anyMatch(l -> l.startsWith("alarm:" + alarmId + ",alarm,"));
        for (LineageGraph.Edge e : g.edges()) {
            assertThat(edges).anyMatch(l -> l.startsWith(e.from() + "," + e.to() + "," + e.label() + ","));
        }
        // and every node the core answers for the alarm is in the file
        JsonNode answer = core.get("/api/v1/tenants/" + TENANT + "/lineage/alarm/" + alarmId + "?depth=1");
        answer.path("nodes").forEach(n -> assertThat(nodes).anyMatch(l -> l.startsWith(n.path("id").asText() + ",")));
    }
}
