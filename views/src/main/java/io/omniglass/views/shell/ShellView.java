package io.omniglass.views.shell;

import io.omniglass.views.alarms.AlarmsView;
import io.omniglass.views.heatmap.HeatmapView;
import io.omniglass.views.lineage.LineageView;
import io.omniglass.views.storage.StorageView;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.tenants.TenantsView;
import io.omniglass.views.values.CurrentValuesView;
import io.omniglass.views.values.SeriesHistoryView;
import io.omniglass.views.values.SeriesHistoryViewModel;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.scene.shape.Circle;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/** The main window: navigation on the left, the screen in the middle, the connection state always visible. */
public final class ShellView extends BorderPane {

    private final ShellViewModel vm;
    private final Map<Page, Node> screens = new EnumMap<>(Page.class);
    private final Map<Page, ToggleButton> navButtons = new EnumMap<>(Page.class);
    private final StackPane content = new StackPane();

    public ShellView(ShellViewModel vm) {
        this.vm = vm;
        getStyleClass().add("shell");
        screens.put(Page.TENANTS, new TenantsView(vm.tenants(), t -> vm.openTenant(t.slug())));
        screens.put(Page.FLEET, new io.omniglass.views.fleet.FleetHealthView(vm.fleet(), vm::openTenant));
        screens.put(Page.VALUES, new CurrentValuesView(vm.values(), vm.clock(), this::openHistory, vm::openLineage));
        screens.put(Page.ALARMS, new AlarmsView(vm.alarms(), vm::openLineage));
        screens.put(Page.HEATMAP, new HeatmapView(vm.heatmap()));
        screens.put(Page.LINEAGE, new LineageView(vm.lineage()));
        screens.put(Page.STORAGE, new StorageView(vm.storage()));
        screens.put(Page.DEAD_LETTERS, new io.omniglass.views.deadletters.DeadLettersView(vm.deadLetters()));
        io.omniglass.views.journal.JournalTools.install((AlarmsView) screens.get(Page.ALARMS), vm.alarms(), vm.journal());
        screens.put(Page.PLANT, new io.omniglass.views.plant.PlantView(vm.plant()));
        screens.put(Page.RULES, new io.omniglass.views.rules.RulesView(vm.rules()));

        Label brand = new Label("Omniglass");
        brand.getStyleClass().add("brand");
        Label tenant = new Label();
        tenant.setId("shell-tenant");
        tenant.getStyleClass().add("tenant-badge");
        tenant.textProperty().bind(vm.tenantProperty().map(t -> "tenant: " + t).orElse("no tenant open"));
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Circle dot = new Circle(6);
        dot.getStyleClass().add("connection-dot");
        Label state = new Label();
        state.setId("connection-state");
        state.textProperty().bind(vm.connectionProperty().map(s -> s.name().toLowerCase(Locale.ROOT)));
        Label detail = new Label();
        detail.getStyleClass().add("muted");
        detail.textProperty().bind(vm.connectionDetailProperty());
        vm.connectionProperty().addListener((o, a, s) -> paintState(dot, s));
        paintState(dot, vm.connectionProperty().get());
        Button theme = new Button();
        theme.setId("theme-toggle");
        theme.textProperty().bind(vm.themeProperty().map(t -> t == io.omniglass.views.common.Theme.LIGHT ? "Dark theme" : "Light theme"));
        theme.setOnAction(e -> vm.toggleTheme());
        HBox top = new HBox(12, brand, tenant, spacer, dot, state, detail, theme);
        top.setAlignment(Pos.CENTER_LEFT);
        top.getStyleClass().add("top-bar");
        top.setPadding(new Insets(6, 12, 6, 12));

        VBox nav = new VBox(2);
        nav.getStyleClass().add("nav");
        nav.setPadding(new Insets(8));
        ToggleGroup group = new ToggleGroup();
        int i = 1;
        for (Page p : Page.values()) {
            ToggleButton b = new ToggleButton(p.title());
            b.setId("nav-" + p.name().toLowerCase(Locale.ROOT));
            b.setMaxWidth(Double.MAX_VALUE);
            b.setToggleGroup(group);
            b.setOnAction(e -> vm.pageProperty().set(p));
            b.setTooltip(new javafx.scene.control.Tooltip("Ctrl+" + i));
            navButtons.put(p, b);
            nav.getChildren().add(b);
            i++;
        }
        nav.setPrefWidth(170);

        vm.pageProperty().addListener((o, a, p) -> show(p));
        show(vm.pageProperty().get());
        setTop(top);
        setLeft(nav);
        setCenter(content);

        sceneProperty().addListener((o, a, scene) -> {
            if (scene != null) {
                installShortcuts(scene);
                vm.themeProperty().get().applyTo(scene);
                vm.themeProperty().addListener((oo, x, t) -> t.applyTo(scene));
            }
        });
    }

    private void installShortcuts(Scene scene) {
        int i = 0;
        KeyCode[] digits = {KeyCode.DIGIT1, KeyCode.DIGIT2, KeyCode.DIGIT3, KeyCode.DIGIT4, KeyCode.DIGIT5, KeyCode.DIGIT6,
                KeyCode.DIGIT7, KeyCode.DIGIT8, KeyCode.DIGIT9};
        for (Page p : Page.values()) {
            if (i == digits.length) {
                break; // more pages than digits: the rest by the navigation only
            }
            scene.getAccelerators().put(new KeyCodeCombination(digits[i++], KeyCombination.SHORTCUT_DOWN),
                    () -> vm.pageProperty().set(p));
        }
    }

    private static void paintState(Circle dot, ConnectionState s) {
        for (ConnectionState c : ConnectionState.values()) {
            dot.pseudoClassStateChanged(PseudoClass.getPseudoClass(c.name().toLowerCase(Locale.ROOT)), c == s);
        }
    }

    private void show(Page p) {
        content.getChildren().setAll(screens.get(p));
        navButtons.get(p).setSelected(true);
    }

    private void openHistory(CurrentValue value) {
        SeriesHistoryViewModel hvm = vm.history(value);
        Stage stage = new Stage();
        stage.setTitle("History · " + hvm.title());
        Scene scene = new Scene(new SeriesHistoryView(hvm), 1100, 600);
        vm.themeProperty().get().applyTo(scene);
        stage.setScene(scene);
        Window owner = getScene() == null ? null : getScene().getWindow();
        if (owner != null) {
            stage.initOwner(owner);
        }
        stage.show();
        hvm.load();
    }

    public Node screen(Page p) {
        return screens.get(p);
    }
}
