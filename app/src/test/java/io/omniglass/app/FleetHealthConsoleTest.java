package io.omniglass.app;

import io.omniglass.views.fleet.FleetColumn;
import io.omniglass.views.fleet.FleetRow;
import io.omniglass.views.services.FleetSnapshot.DeploymentPart;
import javafx.css.PseudoClass;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fleet health board against a real core with many tenants (embedded Postgres, nats-server,
 * every module), headless through Monocle: every tenant on the board, the deployment's core, NATS
 * server and Postgres server up, a dead letter turning its cell amber and the row into "only
 * impaired", filter and sort, the selection kept across the live refreshes, Enter opening the tenant.
 */
class FleetHealthConsoleTest {

    private static final String DEMO = "demo";
    /** Besides the demo tenant: provisioning takes seconds each, so a dozen keeps the test near a minute. */
    private static final int MORE_TENANTS = 12;
    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static final PseudoClass WARN = PseudoClass.getPseudoClass("health-warn");

    @TempDir
    static Path tmp;

    private static RealCore core;
    private static ConsoleApp app;
    private static final FxRobot robot = new FxRobot();
    private static final FxQueries fx = new FxQueries(robot, PATIENCE);

    @BeforeAll
    static void start() throws Exception {
        core = new RealCore(DEMO);
        ExecutorService provisioning = Executors.newFixedThreadPool(3);
        List<Future<?>> made = new ArrayList<>();
        for (int i = 0; i < MORE_TENANTS; i++) {
            String slug = String.format("fleet_%02d", i);
            made.add(provisioning.submit(() -> core.core.createTenant(slug)));
        }
        for (Future<?> f : made) {
            f.get();
        }
        provisioning.shutdown();
        ConsoleSettings settings = new ConsoleSettings(tmp.resolve("config"), Map.of("OMNIGLASS_DATA_DIR", tmp.resolve("none").toString()));
        Stage stage = FxToolkit.registerPrimaryStage();
        app = (ConsoleApp) FxToolkit.setupApplication(() ->
                new ConsoleApp(settings, new LaunchOptions(core.url(), core.tokenFile, null)));
        FxToolkit.showStage();
        robot.interact(() -> {
            stage.setWidth(1500);
            stage.setHeight(900);
        });
        fx.eventually(() -> assertThat(fx.text("#connection-state")).isEqualTo("connected"));
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
    void theBoardShowsTheFleetAndTheDeploymentAndFollowsADeadLetter() {
        robot.clickOn("#nav-fleet");
        TableView<FleetRow> board = fx.table("#fleet-table");
        fx.eventually(() -> assertThat(fx.onFx(() -> board.getItems().size())).isEqualTo(MORE_TENANTS + 1));
        TableView<DeploymentPart> deployment = fx.table("#deployment-table");
        fx.eventually(() -> assertThat(fx.onFx(() -> List.copyOf(deployment.getItems()))).extracting(DeploymentPart::kind, DeploymentPart::state)
                .contains(org.assertj.core.groups.Tuple.tuple("core", "up"), org.assertj.core.groups.Tuple.tuple("nats", "connected"),
                        org.assertj.core.groups.Tuple.tuple("postgres", "up")));

        // one good datapoint and one for a pump the plant does not have: the sink dead-letters it
        core.publishMetric(DEMO, "pump-1", "discharge_pressure", 4.2);
        core.publishMetric(DEMO, "pump-404", "discharge_pressure", 4.2);
        fx.eventually(() -> assertThat(fx.onFx(() -> row(board, DEMO).health().deadLetters24h())).isEqualTo(1));
        assertThat(fx.onFx(() -> row(board, DEMO).health().newestAgeSeconds())).isNotNull().isLessThan(60.0);
        fx.eventually(() -> assertThat(fx.onFx(() -> cell(board, DEMO, FleetColumn.DEAD_LETTERS)))
                .satisfies(c -> {
                    assertThat(c.getText()).isEqualTo("1");
                    assertThat(c.getPseudoClassStates()).contains(WARN);
                }));

        robot.clickOn("#fleet-only-impaired");
        fx.eventually(() -> assertThat(fx.onFx(() -> slugs(board))).containsExactly(DEMO));
        robot.clickOn("#fleet-only-impaired");
        fx.eventually(() -> assertThat(fx.onFx(() -> board.getItems().size())).isEqualTo(MORE_TENANTS + 1));

        robot.clickOn("#fleet-filter").write("fleet_0");
        fx.eventually(() -> assertThat(fx.onFx(() -> slugs(board))).hasSize(10).allMatch(s -> s.startsWith("fleet_0")));
        robot.interact(() -> ((javafx.scene.control.TextField) fx.lookup("#fleet-filter")).clear());

        // a header click sorts by that column; two clicks: descending
        Node tenantHeader = fx.onFx(() -> board.lookup("#fleet-col-tenant"));
        robot.clickOn(tenantHeader).clickOn(tenantHeader);
        fx.eventually(() -> assertThat(fx.onFx(() -> slugs(board).get(0))).isEqualTo("fleet_11"));

        // the selection survives the live refreshes (every few seconds while the board is shown)
        robot.interact(() -> board.getSelectionModel().select(row(board, "fleet_07")));
        Instant before = fx.onFx(() -> app.shell().fleet().generatedAtProperty().get());
        fx.eventually(() -> assertThat(fx.onFx(() -> app.shell().fleet().generatedAtProperty().get())).isAfter(before));
        assertThat(fx.onFx(() -> board.getSelectionModel().getSelectedItem().slug())).isEqualTo("fleet_07");
        assertThat(fx.onFx(() -> slugs(board).get(0))).as("and so does the order").isEqualTo("fleet_11");

        robot.interact(() -> {
            board.getSelectionModel().select(row(board, DEMO));
            board.requestFocus();
        });
        robot.type(KeyCode.ENTER);
        fx.eventually(() -> assertThat(fx.text("#shell-tenant")).isEqualTo("tenant: " + DEMO));
    }

    private static FleetRow row(TableView<FleetRow> t, String slug) {
        return t.getItems().stream().filter(r -> r.slug().equals(slug)).findFirst().orElseThrow();
    }

    private static List<String> slugs(TableView<FleetRow> t) {
        return t.getItems().stream().map(FleetRow::slug).toList();
    }

    /** The cell on screen of one tenant's column (the table shows every row at this window size). */
    @SuppressWarnings("unchecked")
    private static TableCell<FleetRow, ?> cell(TableView<FleetRow> t, String slug, FleetColumn column) {
        String id = "fleet-col-" + column.name().toLowerCase(java.util.Locale.ROOT);
        return t.lookupAll(".table-cell").stream()
                .map(n -> (TableCell<FleetRow, ?>) n)
                .filter(c -> c.getTableColumn() != null && id.equals(c.getTableColumn().getId()))
                .filter(c -> c.getTableRow() != null && c.getTableRow().getItem() != null
                        && c.getTableRow().getItem().slug().equals(slug))
                .findFirst().orElseThrow();
    }

}
