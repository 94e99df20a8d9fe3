package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.views.heatmap.HeatmapView;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.CurrentValue;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console against a real core (embedded Postgres, nats-server, the demo plant), driven like an
 * operator would: connect, open a tenant, watch values change live, ack and snooze alarms from the
 * keyboard, open an alarm's lineage and the heatmap. Headless through Monocle.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleEndToEndTest {

    private static final String TENANT = "demo";
    private static final Duration PATIENCE = Duration.ofSeconds(40);

    @TempDir
    static Path tmp;

    private static RealCore core;
    private static ConsoleApp app;
    private static final FxRobot robot = new FxRobot();
    private static final FxQueries fx = new FxQueries(robot, PATIENCE);

    @BeforeAll
    static void start() throws Exception {
        core = new RealCore(TENANT);
        Path wrongToken = tmp.resolve("wrong.token");
        Files.writeString(wrongToken, "og_not_a_real_token\n");
        ConsoleSettings settings = new ConsoleSettings(tmp.resolve("config"), Map.of("OMNIGLASS_DATA_DIR", tmp.resolve("none").toString()));
        Stage stage = FxToolkit.registerPrimaryStage();
        app = (ConsoleApp) FxToolkit.setupApplication(() ->
                new ConsoleApp(settings, new LaunchOptions(core.url(), wrongToken, null)));
        FxToolkit.showStage();
        assertThat(stage).isNotNull();
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

    /** On the FX thread: walking the scene graph while the FX thread changes it fails at random. */

    @Test
    @Order(1)
    void aRefusedTokenIsExplainedAndTheRightTokenFileConnects() throws Exception {
        fx.eventually(() -> assertThat(fx.text("#connect-error")).contains("token was refused"));

        robot.interact(() -> ((javafx.scene.control.TextField) fx.lookup("#connect-token-file")).clear());
        robot.clickOn("#connect-token-file").write(core.tokenFile.toString());
        assertThat(fx.onFx(() -> ((javafx.scene.control.TextField) fx.lookup("#connect-token-file")).getText()))
                .isEqualTo(core.tokenFile.toString());
        robot.clickOn("#connect-button");

        fx.eventually(() -> assertThat(robot.lookup("#connection-state").tryQuery())
                .as("connected; the form says: %s", robot.lookup("#connect-error").tryQuery().map(n -> ((Label) n).getText()).orElse("-"))
                .isPresent());
        fx.eventually(() -> assertThat(fx.text("#connection-state")).isEqualTo("connected"));
        fx.eventually(() -> assertThat(fx.table("#tenants-table").getItems()).extracting(t -> ((io.omniglass.views.services.TenantSummary) t).slug()).contains(TENANT));
        // remembered for next time, the pasted-or-given token is never written into the settings
        assertThat(Files.readString(tmp.resolve("config/console.properties"))).contains("url=").contains("token_file=")
                .doesNotContain(Files.readString(core.tokenFile).trim());
    }

    @Test
    @Order(2)
    void openingATenantShowsItsCurrentValuesChangingLive() {
        core.publishMetric(TENANT, "pump-1", "discharge_pressure", 4.25);
        robot.clickOn("#tenant-search").write(TENANT).type(KeyCode.ENTER);
        fx.eventually(() -> assertThat(fx.text("#shell-tenant")).isEqualTo("tenant: " + TENANT));

        TableView<CurrentValue> values = fx.table("#values-table");
        fx.eventually(() -> {
            robot.interact(() -> app.shell().values().apply());
            assertThat(fx.onFx(() -> valueOf(values, "component:pump-1", "discharge_pressure"))).isEqualTo("4.25");
        });
        // the tenants page counts signals with the core's own count (GET .../stats): as many as the
        // values page lists
        long listed = fx.onFx(() -> (long) values.getItems().size());
        assertThat(core.get("/api/v1/tenants/" + TENANT + "/stats").path("signals").asLong()).isEqualTo(listed);
        fx.eventually(() -> {
            robot.interact(() -> app.shell().tenants().refreshFigures());
            assertThat(fx.onFx(() -> app.shell().tenants().visibleTenants().stream().filter(t -> t.slug().equals(TENANT))
                    .findFirst().orElseThrow().series())).isEqualTo(listed);
        });

        // from here on nobody reloads: the new value must arrive over the live feed
        for (int i = 0; i < 3; i++) {
            core.publishMetric(TENANT, "pump-1", "discharge_pressure", 5.5 + i);
        }
        fx.eventually(() -> assertThat(fx.onFx(() -> valueOf(values, "component:pump-1", "discharge_pressure"))).isEqualTo("7.5"));
        assertThat(fx.onFx(() -> app.shell().values().liveUpdatesProperty().get())).isPositive();
    }

    private static String valueOf(TableView<CurrentValue> t, String owner, String key) {
        return t.getItems().stream().filter(v -> v.owner().equals(owner) && v.key().equals(key)
                        && v.provenance().equals("observed"))
                .map(CurrentValue::value).findFirst().orElse(null);
    }

    @Test
    @Order(3)
    void aBadFilterIsShownInlineWithItsPosition() {
        robot.interact(() -> ((javafx.scene.control.TextField) fx.lookup("#values-filter")).clear());
        robot.clickOn("#values-filter").write("colour = red").type(KeyCode.ENTER);
        fx.eventually(() -> assertThat(fx.text("#values-filter-error")).containsIgnoringCase("colour"));
        robot.interact(() -> ((javafx.scene.control.TextField) fx.lookup("#values-filter")).clear());
        robot.clickOn("#values-filter").type(KeyCode.ENTER);
        fx.eventually(() -> assertThat(fx.onFx(() -> fx.lookup("#values-filter-error").isVisible())).isFalse());
    }

    @Test
    @Order(4)
    void ackAnAlarmFromTheKeyboardAndSeeItAckedAndAudited() {
        core.post("/api/v1/tenants/" + TENANT + "/event-rules", RealCore.highRule("pressure-high", "discharge_pressure", 8.0));
        for (String pump : List.of("pump-1", "pump-2", "pump-3")) {
            core.publishMetric(TENANT, pump, "discharge_pressure", 9.5);
        }
        robot.press(KeyCode.CONTROL, KeyCode.DIGIT3).release(KeyCode.DIGIT3, KeyCode.CONTROL);
        TableView<Alarm> alarms = fx.table("#alarms-table");
        // the demo plant brings rules of its own: narrow to ours with the filter language
        robot.clickOn("#alarms-filter").write("rule = pressure-high").type(KeyCode.ENTER);
        fx.eventually(() -> {
            robot.interact(() -> app.shell().alarms().refresh());
            assertThat(alarms.getItems()).hasSize(3).allMatch(a -> a.rule().equals("pressure-high"));
        });

        robot.interact(() -> {
            alarms.getSelectionModel().clearSelection();
            alarms.getSelectionModel().select(0);
            alarms.requestFocus();
        });
        long id = fx.onFx(() -> alarms.getSelectionModel().getSelectedItem().id());
        robot.clickOn("#alarms-reason").write("checked on site");
        robot.press(KeyCode.CONTROL, KeyCode.K).release(KeyCode.K, KeyCode.CONTROL);

        fx.eventually(() -> assertThat(fx.text("#alarms-outcome")).isEqualTo("Acknowledged 1 of 1 alarm"));
        fx.eventually(() -> assertThat(alarms.getItems().stream().filter(a -> a.id() == id).findFirst().orElseThrow().acked()).isTrue());
        JsonNode alarm = core.get("/api/v1/tenants/" + TENANT + "/alarms/" + id);
        assertThat(alarm.path("acked").asBoolean()).isTrue();
        assertThat(alarm.toString()).contains("checked on site");
        // the audit trail of the focused alarm shows the ack
        fx.eventually(() -> assertThat(fx.onFx(() -> app.shell().alarms().auditTrail().stream()
                .anyMatch(e -> e.verb().equals("alarm.ack")))).isTrue());
    }

    @Test
    @Order(5)
    void snoozeSeveralWithAReason() {
        TableView<Alarm> alarms = fx.table("#alarms-table");
        robot.interact(() -> {
            alarms.getSelectionModel().clearSelection();
            alarms.getSelectionModel().selectIndices(1, 2);
            alarms.requestFocus();
        });
        List<Long> ids = fx.onFx(() -> alarms.getSelectionModel().getSelectedItems().stream().map(Alarm::id).toList());
        assertThat(ids).hasSize(2);
        robot.press(KeyCode.CONTROL, KeyCode.SHIFT, KeyCode.S).release(KeyCode.S, KeyCode.SHIFT, KeyCode.CONTROL);
        robot.interact(() -> ((javafx.scene.control.TextField) fx.lookup("#snooze-reason")).clear());
        robot.clickOn("#snooze-reason").write("pump maintenance");
        robot.type(KeyCode.ENTER);

        fx.eventually(() -> assertThat(fx.text("#alarms-outcome")).isEqualTo("Snoozed 2 of 2 alarms"));
        for (long id : ids) {
            JsonNode a = core.get("/api/v1/tenants/" + TENANT + "/alarms/" + id);
            assertThat(a.toString()).contains("pump maintenance");
        }
        robot.clickOn("#alarms-mode-snoozed");
        fx.eventually(() -> assertThat(alarms.getItems()).extracting(Alarm::id).containsExactlyInAnyOrderElementsOf(ids));
        robot.clickOn("#alarms-mode-all");
    }

    @Test
    @Order(6)
    void openTheLineageOfAnAlarm() {
        TableView<Alarm> alarms = fx.table("#alarms-table");
        fx.eventually(() -> assertThat(alarms.getItems()).hasSize(3));
        robot.interact(() -> {
            alarms.getSelectionModel().clearSelection();
            alarms.getSelectionModel().select(0);
            alarms.requestFocus();
        });
        robot.press(KeyCode.CONTROL, KeyCode.L).release(KeyCode.L, KeyCode.CONTROL);
        fx.eventually(() -> {
            List<String> kinds = new ArrayList<>();
            robot.lookup(".lineage-node").queryAll().forEach(n -> kinds.add(((Label) n).getText().split("\n")[0]));
            assertThat(kinds).contains("alarm").hasSizeGreaterThanOrEqualTo(3);
        });
        robot.clickOn(robot.lookup(".lineage-node").<Node>queryAll().iterator().next());
        fx.eventually(() -> assertThat(fx.onFx(() -> ((javafx.scene.control.TextArea) fx.lookup("#lineage-details")).getText())).isNotBlank());
    }

    @Test
    @Order(7)
    void openTheHeatmap() {
        robot.press(KeyCode.CONTROL, KeyCode.DIGIT4).release(KeyCode.DIGIT4, KeyCode.CONTROL);
        HeatmapView view = robot.lookup(n -> n instanceof HeatmapView).query();
        fx.eventually(() -> {
            robot.interact(() -> app.shell().heatmap().refresh());
            assertThat(fx.onFx(() -> view.viewer().getChart())).isNotNull();
            assertThat(fx.onFx(() -> app.shell().heatmap().heatmapProperty().get().hours())).hasSize(24);
        });
        assertThat(fx.onFx(() -> app.shell().heatmap().errorProperty().get())).isNull();
    }

    static <T> List<T> list(Iterable<T> it) {
        return StreamSupport.stream(it.spliterator(), false).toList();
    }
}
