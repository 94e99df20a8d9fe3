package io.omniglass.app;

import io.omniglass.core.tenancy.Tenant;
import io.omniglass.views.rules.BacktestViewModel;
import io.omniglass.views.services.Backtest;
import io.omniglass.views.services.EventRule;
import javafx.scene.Node;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.stage.Stage;
import org.jfree.chart.fx.ChartViewer;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.Layer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The rules screen against a real core: a live rule fires on datapoints of the lane; the same
 * rule written in the console as a draft is refused at its field while wrong, then backtested:
 * the raise count, the chart's markers and the raise times are the live rule's; then it is saved.
 */
class RulesBacktestConsoleTest {

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
        Stage stage = FxToolkit.registerPrimaryStage();
        app = (ConsoleApp) FxToolkit.setupApplication(() -> new ConsoleApp(settings, new LaunchOptions(core.url(), core.tokenFile, null)));
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

    @Test
    void writeARuleBacktestItSeeItsRaisesAndMarkersAndSaveIt() throws Exception {
        // the live rule, and datapoints crossing its threshold three times
        core.post("/api/v1/tenants/" + TENANT + "/event-rules", Map.of("name", "pump-4-power-live", "selector", "component:pump-4",
                "key", "power", "condition", Map.of("type", "high", "threshold", 40, "deadband", 5), "severity", "warning"));
        for (double v : new double[] {10, 50, 38, 30, 47, 20, 55}) {
            core.publishMetric(TENANT, "pump-4", "power", v);
            Thread.sleep(20);
        }
        DataSource db = tenantDb();
        await().atMost(PATIENCE).until(() -> liveRaises(db).size() == 3);
        List<Instant> live = liveRaises(db);

        fx.eventually(() -> assertThat(fx.text("#connection-state")).isEqualTo("connected"));
        robot.interact(() -> app.shell().openTenant(TENANT));
        robot.clickOn("#nav-rules");
        fx.eventually(() -> assertThat(this.<EventRule>table("#rules-table").getItems())
                .extracting(r -> r.draft().name()).contains("pump-4-power-live"));

        robot.clickOn("#rule-new");
        robot.clickOn("#rule-name").write("pump-4-power-draft");
        robot.interact(() -> {
            field("#rule-selector").setText("component:p*u*m*p*-*4*x*y*z*");
            field("#rule-key").setText("power");
            field("#rule-limit").setText("forty");
            field("#rule-deadband").setText("5");
        });
        robot.clickOn("#backtest-run");
        fx.eventually(() -> assertThat(fx.text("#rule-limit-error")).isEqualTo("threshold must be a number"));

        robot.interact(() -> field("#rule-limit").setText("40"));
        robot.clickOn("#backtest-run");
        // the core's own message, at the field it is about
        fx.eventually(() -> assertThat(fx.text("#rule-selector-error")).isEqualTo("selector has more than 8 '*'"));

        robot.interact(() -> {
            field("#rule-selector").setText("component:pump-4");
            ((ChoiceBox<Duration>) fx.lookup("#backtest-span")).setValue(Duration.ofHours(1));
        });
        robot.clickOn("#backtest-run");
        fx.eventually(() -> assertThat(fx.text("#backtest-status")).startsWith("Would have raised 3 times on 1 of 1 owner"));
        assertThat(fx.onFx(() -> fx.lookup("#rule-selector-error").isVisible())).isFalse();

        BacktestViewModel bt = app.shell().rules().backtest();
        List<Instant> backtested = fx.onFx(() -> bt.intervals().stream().map(Backtest.Interval::raisedAt).toList());
        assertThat(backtested).as("the backtest raises when the live rule raised").isEqualTo(live);
        assertThat(fx.onFx(() -> this.<Backtest.Owner>table("#backtest-owners").getItems()))
                .extracting(Backtest.Owner::owner, Backtest.Owner::raises).containsExactly(org.assertj.core.groups.Tuple.tuple("component:pump-4", 3));
        // on the chart: three shaded active intervals, a line at each raise and at each of the two clears
        fx.eventually(() -> {
            XYPlot plot = ((ChartViewer) fx.lookup("#backtest-chart")).getChart().getXYPlot();
            assertThat(size(plot.getDomainMarkers(Layer.BACKGROUND))).isEqualTo(3);
            assertThat(size(plot.getDomainMarkers(Layer.FOREGROUND))).isEqualTo(5);
            assertThat(plot.getDataset(0).getItemCount(0)).as("the series' points over the span").isEqualTo(7);
        });
        // the chart follows the theme: dark behind its plot and axes in the dark theme, light again after
        robot.clickOn("#theme-toggle");
        fx.eventually(() -> {
            org.jfree.chart.JFreeChart chart = ((ChartViewer) fx.lookup("#backtest-chart")).getChart();
            assertThat(brightness(chart.getBackgroundPaint())).as("chart background in the dark theme").isLessThan(0.25);
            assertThat(brightness(chart.getXYPlot().getBackgroundPaint())).as("plot background in the dark theme").isLessThan(0.25);
            assertThat(brightness(chart.getXYPlot().getRangeAxis().getTickLabelPaint())).as("tick labels in the dark theme").isGreaterThan(0.5);
        });
        robot.clickOn("#theme-toggle");
        fx.eventually(() -> assertThat(brightness(((ChartViewer) fx.lookup("#backtest-chart")).getChart().getBackgroundPaint()))
                .as("chart background in the light theme").isGreaterThan(0.9));

        robot.clickOn("#rule-save");
        fx.eventually(() -> assertThat(fx.text("#rule-saved")).isEqualTo("Saved 'pump-4-power-draft' as version 1."));
        fx.eventually(() -> assertThat(this.<EventRule>table("#rules-table").getItems())
                .extracting(r -> r.draft().name()).contains("pump-4-power-draft"));
        assertThat(core.get("/api/v1/tenants/" + TENANT + "/event-rules").findValuesAsText("name")).contains("pump-4-power-draft");
    }

    private static DataSource tenantDb() {
        var ctx = core.core.core().context();
        Tenant t = ctx.tenant(TENANT).orElseThrow();
        return ctx.tenantDataSource(t);
    }

    private static List<Instant> liveRaises(DataSource db) throws Exception {
        List<Instant> out = new ArrayList<>();
        try (var c = db.getConnection(); var st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT e.trigger_ts FROM event e JOIN event_rule r ON r.id = e.event_rule_id"
                        + " WHERE r.name = 'pump-4-power-live' AND e.name = 'alarm.raised' ORDER BY e.trigger_ts")) {
            while (rs.next()) {
                out.add(rs.getObject(1, OffsetDateTime.class).toInstant());
            }
        }
        return out;
    }

    private static int size(Collection<?> c) {
        return c == null ? 0 : c.size();
    }

    private static TextField field(String query) {
        return (TextField) fx.lookup(query);
    }

    @SuppressWarnings("unchecked")
    private <T> TableView<T> table(String id) {
        return (TableView<T>) fx.lookup(id);
    }

    private static double brightness(java.awt.Paint paint) {
        java.awt.Color c = (java.awt.Color) paint;
        return (0.2126 * c.getRed() + 0.7152 * c.getGreen() + 0.0722 * c.getBlue()) / 255.0;
    }
}
