package io.omniglass.app;

import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.DeadLetter;
import io.omniglass.views.services.JournalEntry;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dead letters screen against a real core with the demo plant: a device sends a key nobody
 * registered, the operator sees it dead-lettered with its reason and body, the key is registered,
 * the operator re-drives it from the screen, and it lands: the current values show it. Then the
 * alarm journal and the alarms CSV export against the same core. Headless through Monocle.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeadLettersConsoleTest {

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
        ConsoleSettings settings = new ConsoleSettings(tmp.resolve("config"), Map.of("OMNIGLASS_DATA_DIR", tmp.resolve("none").toString()));
        FxToolkit.registerPrimaryStage();
        app = (ConsoleApp) FxToolkit.setupApplication(() -> new ConsoleApp(settings, new LaunchOptions(core.url(), core.tokenFile, null)));
        FxToolkit.showStage();
        fx.eventually(() -> assertThat(fx.text("#connection-state")).isEqualTo("connected"));
        robot.interact(() -> app.shell().openTenant(TENANT));
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

    @Test
    @Order(1)
    void aDeadLetterReDrivenAfterItsKeyIsRegisteredLandsInTheCurrentValues() {
        core.publishMetric(TENANT, "pump-1", "coolant_flow", 7.25);
        robot.clickOn("#nav-dead_letters");
        TableView<DeadLetter> table = fx.table("#dead-letters-table");
        fx.eventually(() -> {
            robot.interact(() -> app.shell().deadLetters().refresh());
            assertThat(fx.onFx(() -> table.getItems().stream().filter(d -> d.body().contains("coolant_flow")).count())).isEqualTo(1);
        });
        DeadLetter d = fx.onFx(() -> table.getItems().stream().filter(x -> x.body().contains("coolant_flow")).findFirst().orElseThrow());
        assertThat(d.reason()).isEqualTo("unknown_key");
        assertThat(d.subject()).isEqualTo("og.demo.dp.metric");

        // the detail shows the body and the headers of the focused dead letter
        robot.interact(() -> {
            table.getSelectionModel().clearSelection();
            table.getSelectionModel().select(d);
        });
        fx.eventually(() -> assertThat(fx.onFx(() -> ((javafx.scene.control.TextArea) fx.lookup("#dead-letters-body")).getText()))
                .contains("\"key\" : \"coolant_flow\""));
        assertThat(fx.onFx(() -> ((javafx.scene.control.TextArea) fx.lookup("#dead-letters-headers")).getText())).contains("Og-Error: unknown_key");

        // the fix, then the re-drive from the screen
        core.post("/api/v1/tenants/" + TENANT + "/datapoint-types", Map.of("name", "coolant_flow", "kind", "metric", "unit", "l/min"));
        robot.clickOn("#dead-letters-why").write("coolant_flow registered");
        robot.clickOn("#dead-letters-redrive");
        fx.eventually(() -> assertThat(fx.text("#dead-letters-outcome")).isEqualTo("Re-driven 1 of 1 dead letter"));
        fx.eventually(() -> assertThat(fx.onFx(() -> table.getItems().stream().noneMatch(x -> x.body().contains("coolant_flow")))).isTrue());

        // it lands: the current values screen shows it
        robot.clickOn("#nav-values");
        TableView<CurrentValue> values = fx.table("#values-table");
        fx.eventually(() -> {
            robot.interact(() -> app.shell().values().apply());
            assertThat(fx.onFx(() -> values.getItems().stream()
                    .filter(v -> v.owner().equals("component:pump-1") && v.key().equals("coolant_flow"))
                    .map(CurrentValue::value).findFirst().orElse(null))).isEqualTo("7.25");
        });
        // and the re-drive is in the audit log with the operator's reason
        assertThat(core.get("/api/v1/tenants/" + TENANT + "/audit-log?filter=verb%20%3D%20dead_letter.redrive").path("items").toString())
                .contains("coolant_flow registered");
    }

    @Test
    @Order(2)
    void theJournalOfAnAlarmOpensFromTheAlarmsScreenAndTheAlarmsExportToCsv() throws Exception {
        core.post("/api/v1/tenants/" + TENANT + "/event-rules", RealCore.highRule("e2e-pressure-high", "discharge_pressure", 9.0));
        robot.clickOn("#nav-alarms");
        TableView<io.omniglass.views.services.Alarm> alarms = fx.table("#alarms-table");
        fx.eventually(() -> {
            core.publishMetric(TENANT, "pump-2", "discharge_pressure", 12.5);
            robot.interact(() -> app.shell().alarms().refresh());
            assertThat(fx.onFx(() -> alarms.getItems().stream().anyMatch(a -> a.rule().equals("e2e-pressure-high")))).isTrue();
        });
        robot.interact(() -> {
            alarms.getSelectionModel().clearSelection();
            for (int i = 0; i < alarms.getItems().size(); i++) {
                if (alarms.getItems().get(i).rule().equals("e2e-pressure-high")) {
                    alarms.getSelectionModel().select(i);
                }
            }
        });
        robot.clickOn("#alarms-reason").write("seen on site");
        robot.clickOn("#alarms-ack");
        fx.eventually(() -> assertThat(fx.text("#alarms-outcome")).startsWith("Acknowledged 1 of 1"));
        robot.clickOn("#alarms-journal");
        fx.eventually(() -> assertThat(fx.onFx(() -> app.shell().journal().entries().stream().map(JournalEntry::what).toList()))
                .containsExactly("raised", "ack"));
        TableView<JournalEntry> journal = fx.table("#journal-table");
        assertThat(fx.onFx(() -> journal.getItems().get(1).reason())).isEqualTo("seen on site");
        assertThat(fx.text("#journal-which")).startsWith("Alarm #");

        // the export the "Export CSV…" button starts once a file is chosen (no file dialog headless)
        Path csv = tmp.resolve("alarms.csv");
        robot.interact(() -> app.shell().journal().exportAlarms(csv, "rule = e2e-pressure-high"));
        fx.eventually(() -> assertThat(fx.onFx(() -> app.shell().journal().export().messageProperty().get())).startsWith("Exported 1 rows"));
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines.get(0)).startsWith("id,severity,state,owner,rule,message");
        assertThat(lines.get(1)).contains(",critical,active,component:pump-2,e2e-pressure-high,").contains(",seen on site,");
    }

}
