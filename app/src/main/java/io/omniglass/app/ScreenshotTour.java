package io.omniglass.app;

import io.omniglass.views.alarms.AlarmsView;
import io.omniglass.views.common.Theme;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.Heatmap;
import io.omniglass.views.shell.Page;
import io.omniglass.views.shell.ShellView;
import io.omniglass.views.shell.ShellViewModel;
import io.omniglass.views.values.CurrentValuesView;
import javafx.animation.PauseTransition;
import javafx.application.Platform;
import javafx.stage.Stage;
import javafx.stage.Window;
import javafx.util.Duration;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Deque;

/**
 * {@code --tour DIR}: visits each screen of a live console and captures the whole display with
 * ImageMagick's {@code import -window root} (run it under Xvfb), for the documentation.
 */
final class ScreenshotTour {

    private final ShellViewModel shell;
    private final ShellView view;
    private final Stage stage;
    private final Path dir;
    private final Deque<Runnable> steps = new ArrayDeque<>();

    ScreenshotTour(ShellViewModel shell, ShellView view, Stage stage, Path dir) {
        this.shell = shell;
        this.view = view;
        this.stage = stage;
        this.dir = dir;
    }

    void start() {
        stage.setX(0);
        stage.setY(0);
        stage.setWidth(1600);
        stage.setHeight(1000);
        step(() -> shell.themeProperty().set(Theme.LIGHT), null);
        step(() -> { }, null); // let a busy machine catch up with the first paint
        step(() -> {
            shell.pageProperty().set(Page.VALUES);
            shell.values().apply();
        }, null);
        step(() -> { }, "current-values");
        step(() -> {
            CurrentValuesView v = (CurrentValuesView) view.screen(Page.VALUES);
            v.table().getItems().stream().filter(c -> c.numeric() != null && c.key().equals("discharge_pressure"))
                    .findFirst().or(() -> v.table().getItems().stream().filter(c -> c.numeric() != null).findFirst())
                    .ifPresent(c -> openHistory(v, c));
        }, null);
        step(() -> { }, "history");
        step(this::closeOtherWindows, null);
        step(() -> {
            shell.pageProperty().set(Page.ALARMS);
            shell.alarms().refresh();
        }, null);
        step(() -> {
            AlarmsView a = (AlarmsView) view.screen(Page.ALARMS);
            // an acknowledged alarm, so the audit trail has something to show
            a.table().getItems().stream().filter(Alarm::acked).findFirst()
                    .or(() -> a.table().getItems().stream().findFirst())
                    .ifPresent(x -> {
                        a.table().getSelectionModel().select(x);
                        a.table().requestFocus();
                    });
        }, "alarms");
        // latest raises first: the first whose closest past occurrence is its own rule recurring
        steps.add(() -> {
            AlarmsView a = (AlarmsView) view.screen(Page.ALARMS);
            List<Alarm> candidates = new ArrayList<>(a.table().getItems().stream().filter(x -> x.raisedAt() != null).toList());
            candidates.sort(java.util.Comparator.comparing(Alarm::raisedAt).reversed());
            pickRecurring(a, candidates, 0);
        });
        step(() -> shell.alarms().modeProperty().set(io.omniglass.views.alarms.AlarmsViewModel.Mode.SNOOZED), null);
        step(() -> { }, "alarms-snoozed");
        step(() -> shell.alarms().modeProperty().set(io.omniglass.views.alarms.AlarmsViewModel.Mode.ALL), null);
        step(() -> {
            AlarmsView a = (AlarmsView) view.screen(Page.ALARMS);
            Alarm first = a.table().getItems().stream().filter(Alarm::isActive).findFirst()
                    .orElse(a.table().getItems().isEmpty() ? null : a.table().getItems().get(0));
            if (first != null) {
                shell.openLineage(first);
            }
        }, null);
        step(() -> {
            var g = shell.lineage().graphProperty().get();
            if (g.nodes().size() > 1) {
                shell.lineage().selectedProperty().set(g.nodes().get(g.nodes().size() - 1));
            }
        }, "lineage");
        step(() -> {
            shell.pageProperty().set(Page.HEATMAP);
            shell.heatmap().refresh();
        }, null);
        step(() -> {
            Heatmap h = shell.heatmap().heatmapProperty().get();
            if (h != null) {
                for (int c = h.hours().size() - 1; c >= 0; c--) {
                    if (h.hasData(h.percentiles().size() - 1, c)) {
                        shell.heatmap().select(h.percentiles().size() - 1, c);
                        break;
                    }
                }
            }
        }, "heatmap");
        step(() -> {
            shell.pageProperty().set(Page.STORAGE);
            shell.storage().refresh();
        }, "storage");
        step(() -> {
            shell.pageProperty().set(Page.PLANT);
            shell.plant().queryProperty().set("pump-3");
            shell.plant().search();
        }, null);
        step(() -> {
            if (!shell.plant().hits().isEmpty()) {
                shell.plant().reveal(shell.plant().hits().get(0)); // the tree opened down to it, its detail beside
            }
        }, null);
        step(() -> { }, "plant-light"); // a busy machine takes a few seconds for the levels and the detail
        // last of the light ones: by now the ingest rates have a baseline and a second sample
        step(() -> shell.pageProperty().set(Page.TENANTS), "tenants");
        step(() -> {
            shell.themeProperty().set(Theme.DARK);
            shell.pageProperty().set(Page.ALARMS);
        }, "alarms-dark");
        step(() -> shell.pageProperty().set(Page.VALUES), "current-values-dark");
        step(() -> shell.pageProperty().set(Page.PLANT), null);
        step(() -> { }, "plant-dark");
        step(() -> shell.themeProperty().set(Theme.LIGHT), null);
        step(() -> {
            Platform.exit();
            System.exit(0);
        }, null);
        next();
    }

    /** Selects candidates in turn until one's similar pane leads with its own rule; then captures "similar". */
    private void pickRecurring(AlarmsView a, List<Alarm> candidates, int i) {
        if (candidates.isEmpty()) {
            capture("similar");
            next();
            return;
        }
        Alarm x = candidates.get(i);
        a.table().getSelectionModel().clearSelection();
        a.table().getSelectionModel().select(x);
        a.table().scrollTo(x);
        PauseTransition settle = new PauseTransition(Duration.seconds(4));
        settle.setOnFinished(e -> {
            var found = shell.alarms().similar().occurrences();
            if (!found.isEmpty() && found.get(0).rule().equals(x.rule()) || i == candidates.size() - 1) {
                capture("similar");
                next();
            } else {
                pickRecurring(a, candidates, i + 1);
            }
        });
        settle.play();
    }

    private void openHistory(CurrentValuesView v, CurrentValue c) {
        v.table().getSelectionModel().select(c);
        // the same path as a double-click, through the view's row handler
        v.table().requestFocus();
        javafx.event.Event.fireEvent(v.table(), new javafx.scene.input.KeyEvent(javafx.scene.input.KeyEvent.KEY_PRESSED,
                "", "", javafx.scene.input.KeyCode.ENTER, false, false, false, false));
    }

    private void closeOtherWindows() {
        for (Window w : Window.getWindows().toArray(new Window[0])) {
            if (w != stage && w instanceof Stage s) {
                s.close();
            }
        }
    }

    private void step(Runnable action, String shot) {
        steps.add(() -> {
            action.run();
            if (shot != null) {
                PauseTransition settle = new PauseTransition(Duration.seconds(4));
                settle.setOnFinished(e -> {
                    capture(shot);
                    next();
                });
                settle.play();
            } else {
                PauseTransition p = new PauseTransition(Duration.seconds(3));
                p.setOnFinished(e -> next());
                p.play();
            }
        });
    }

    private void next() {
        Runnable r = steps.poll();
        if (r != null) {
            r.run();
        }
    }

    private void capture(String name) {
        try {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder("import", "-window", "root", dir.resolve(name + ".png").toString())
                    .redirectErrorStream(true).start();
            p.waitFor();
            System.out.println("captured " + dir.resolve(name + ".png"));
        } catch (IOException e) {
            System.err.println("cannot capture " + name + ": " + e.getMessage() + " (is ImageMagick installed?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
