package io.omniglass.app;

import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.views.common.FxBackgroundExecutor;
import io.omniglass.views.common.Theme;
import io.omniglass.views.plant.PlantEntry;
import io.omniglass.views.plant.PlantView;
import io.omniglass.views.plant.PlantViewModel;
import io.omniglass.views.services.PlantService;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.control.TreeItem;
import javafx.scene.control.TreeView;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The plant screen against a real core with the demo plant, driven as an operator would: type a name,
 * the tree opens to it and the detail shows its values; export them to CSV; a token scoped to one
 * system sees only that system's part of the plant. Headless through Monocle.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlantConsoleTest {

    private static final String TENANT = "demo";
    private static final Duration PATIENCE = Duration.ofSeconds(40);

    @TempDir
    static Path tmp;

    private static RealCore core;
    private static Stage stage;
    private static FxBackgroundExecutor executor;
    private static PlantViewModel vm;
    private static Path exportTo;
    private static final FxRobot robot = new FxRobot();
    private static final FxQueries fx = new FxQueries(robot, PATIENCE);

    @BeforeAll
    static void start() throws Exception {
        core = new RealCore(TENANT);
        core.publishMetric(TENANT, "pump-3", "temperature", 61.25);
        core.publishMetric(TENANT, "pump-3", "flow", 118.5);
        core.publishMetric(TENANT, "pump-4", "flow", 40.0);
        await().atMost(PATIENCE).until(() -> core.admin.currentValues(TENANT, "owner = \"component:pump-3\"", 100, null).items().size() == 2
                && core.admin.currentValues(TENANT, "owner = \"component:pump-4\"", 100, null).items().size() == 1);
        stage = FxToolkit.registerPrimaryStage();
        executor = new FxBackgroundExecutor(2);
        vm = show(core.admin);
    }

    /** The plant screen of {@code client}'s token, alone on the stage. */
    private static PlantViewModel show(OmniglassClient client) throws Exception {
        PlantService plant = new HttpConsoleServices(client).bundle(null).plant();
        PlantViewModel model = new PlantViewModel(plant, executor, Clock.systemUTC());
        FxToolkit.setupFixture(() -> {
            Scene scene = new Scene(new PlantView(model, owner -> exportTo), 1400, 900);
            Theme.LIGHT.applyTo(scene);
            stage.setScene(scene);
            stage.show();
            model.tenantProperty().set(TENANT);
        });
        return model;
    }

    @AfterAll
    static void stop() throws Exception {
        FxToolkit.cleanupStages();
        if (executor != null) {
            executor.close();
        }
        if (core != null) {
            core.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static TreeView<PlantEntry> tree() {
        return (TreeView<PlantEntry>) fx.lookup("#plant-tree");
    }

    private static List<String> rootIds() {
        return fx.onFx(() -> tree().getRoot().getChildren().stream().map(i -> i.getValue().id()).toList());
    }

    @Test
    @Order(1)
    void typingANameOpensTheTreeToItAndShowsItsValues() {
        fx.eventually(() -> assertThat(rootIds()).containsExactly("location:plant-north"));
        robot.clickOn("#plant-search").write("pump-3");
        fx.eventually(() -> assertThat(fx.onFx(() -> vm.hits().stream().map(h -> h.id()).toList())).contains("component:pump-3"));
        robot.clickOn("#plant-search").type(KeyCode.ENTER);

        fx.eventually(() -> {
            TreeItem<PlantEntry> selected = fx.onFx(() -> tree().getSelectionModel().getSelectedItem());
            assertThat(selected.getValue().id()).isEqualTo("component:pump-3");
            // the levels above it were opened on the way: plant-north, then the cooling loop
            assertThat(selected.getParent().getValue().id()).isEqualTo("system:cooling-loop");
            assertThat(fx.onFx(() -> selected.getParent().isExpanded() && selected.getParent().getParent().isExpanded())).isTrue();
        });
        fx.eventually(() -> assertThat(fx.onFx(() -> ((Label) fx.lookup("#plant-detail-title")).getText())).contains("pump-3"));
        TableView<PlantViewModel.DetailValue> values = fx.lookup("#plant-values");
        fx.eventually(() -> assertThat(fx.onFx(() -> values.getItems().stream()
                .map(d -> d.value().key() + "=" + d.value().value()).toList()))
                .containsExactlyInAnyOrder("flow=118.5", "temperature=61.25"));
        // the last hour of each metric came from the aggregates (one minute bucket: one point)
        assertThat(fx.onFx(() -> values.getItems().stream().allMatch(d -> d.spark().size() == 1))).isTrue();
    }

    @Test
    @Order(2)
    void theCsvExportWritesTheCurrentValuesAsTheCoreHasThem() throws Exception {
        exportTo = tmp.resolve("pump-3.csv");
        robot.clickOn("#plant-export-selected");
        fx.eventually(() -> assertThat(fx.onFx(() -> ((Label) fx.lookup("#plant-export-status")).getText())).isEqualTo("2 rows written to pump-3.csv"));
        assertThat(Files.readAllLines(exportTo, StandardCharsets.UTF_8)).containsExactlyInAnyOrder(
                String.join(",", PlantViewModel.CSV_HEADER),
                row("component:pump-3", "flow"), row("component:pump-3", "temperature"));

        exportTo = tmp.resolve("all.csv");
        robot.clickOn("#plant-export-all");
        fx.eventually(() -> assertThat(fx.onFx(() -> ((Label) fx.lookup("#plant-export-status")).getText())).endsWith("rows written to all.csv"));
        List<String> lines = Files.readAllLines(exportTo, StandardCharsets.UTF_8);
        Set<String> expected = new HashSet<>();
        String after = null;
        do {
            var page = core.admin.currentValues(TENANT, null, 1000, after);
            page.items().forEach(v -> expected.add(v.owner() + "," + v.key() + "," + v.seriesId()));
            after = page.next();
        } while (after != null);
        Set<String> written = new HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            written.add(f[0] + "," + f[1] + "," + f[8]);
        }
        assertThat(lines).hasSize(expected.size() + 1);
        assertThat(written).isEqualTo(expected);
    }

    /** The row the export must hold for one signal: the core's own current value, field by field. */
    private static String row(String owner, String key) {
        var v = core.admin.currentValues(TENANT, "owner = \"" + owner + "\" and key = " + key, 10, null).items().get(0);
        String value = new java.math.BigDecimal(Double.toString(v.value())).stripTrailingZeros().toPlainString();
        return String.join(",", v.owner(), v.key(), v.instance(), v.provenance(), v.kind(), value, v.unit(),
                v.ts().toInstant().toString(), Long.toString(v.seriesId()));
    }

    @Test
    @Order(3)
    void aTokenScopedToOneSystemSeesOnlyItsPartOfThePlant() throws Exception {
        String token = core.admin.createToken(new CreateTokenRequest("viewer", TENANT, "system:raw-water", "plant-e2e-raw")).token();
        PlantViewModel scoped = show(core.core.client(token));
        fx.eventually(() -> assertThat(rootIds()).containsExactly("system:raw-water"));
        List<String> under = new ArrayList<>();
        robot.interact(() -> scoped.expand(scoped.roots().get(0)));
        fx.eventually(() -> {
            under.clear();
            under.addAll(fx.onFx(() -> tree().getRoot().getChildren().get(0).getChildren().stream().map(i -> i.getValue().id()).toList()));
            assertThat(under).contains("component:pump-4", "component:pump-5", "component:tank-2");
        });
        assertThat(under).noneMatch(id -> id.equals("component:pump-3") || id.startsWith("location:"));

        robot.clickOn("#plant-search").write("pump");
        fx.eventually(() -> assertThat(fx.onFx(() -> scoped.hits().stream().map(h -> h.id()).toList()))
                .containsExactlyInAnyOrder("component:pump-4", "component:pump-5"));
    }
}
