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
import javafx.animation.AnimationTimer;
import javafx.application.Platform;
import javafx.stage.Stage;
import javafx.stage.Window;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Deque;
import java.util.function.BooleanSupplier;

/**
 * {@code --tour DIR}: visits each screen of a live console and captures the whole display with
 * ImageMagick's {@code import -window root} (run it under Xvfb), for the documentation: every screen
 * in the light theme ({@code NAME-light.png}), then again in the dark one ({@code NAME-dark.png}).
 * A step waits for its screen to be ready (its view-models idle and its data there, see
 * {@link #step(Runnable, String, BooleanSupplier)}) and then for a few painted frames; never for a
 * fixed time, which a loaded machine outruns.
 */
final class ScreenshotTour {

    private final ShellViewModel shell;
    private final ShellView view;
    private final Stage stage;
    private final Path dir;
    private final Deque<Runnable> steps = new ArrayDeque<>();
    private static final java.time.Duration PATIENCE = java.time.Duration.ofSeconds(90);
    private Theme theme = Theme.LIGHT;

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
        for (Theme t : Theme.values()) {
            steps.add(() -> {
                theme = t;
                shell.themeProperty().set(t);
                next();
            });
            visitScreens();
        }
        step(() -> shell.themeProperty().set(Theme.LIGHT), null);
        step(() -> {
            Platform.exit();
            System.exit(0);
        }, null);
        next();
    }

    /** One visit of every screen, in the theme set before; each shot is named NAME-THEME. */
    private void visitScreens() {
        step(() -> { }, null); // let a busy machine catch up with the first paint
        step(() -> {
            shell.pageProperty().set(Page.VALUES);
            shell.values().apply();
        }, null, () -> !shell.values().busy().isBusy() && !((CurrentValuesView) view.screen(Page.VALUES)).table().getItems().isEmpty());
        step(() -> { }, "current-values");
        step(() -> {
            CurrentValuesView v = (CurrentValuesView) view.screen(Page.VALUES);
            v.table().getItems().stream().filter(c -> c.numeric() != null && c.key().equals("discharge_pressure"))
                    .findFirst().or(() -> v.table().getItems().stream().filter(c -> c.numeric() != null).findFirst())
                    .ifPresent(c -> openHistory(v, c));
        }, null);
        step(() -> { }, "history", this::historyDrawn);
        step(this::closeOtherWindows, null);
        step(() -> {
            shell.pageProperty().set(Page.ALARMS);
            shell.alarms().refresh();
        }, null, () -> !shell.alarms().busy().isBusy() && !((AlarmsView) view.screen(Page.ALARMS)).table().getItems().isEmpty());
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
                // two rings, so that the outer nodes say how much more they have ("n of m")
                shell.lineage().depthProperty().set(2);
                shell.openLineage(first);
            }
        }, null, () -> !shell.lineage().busy().isBusy() && !shell.lineage().layoutProperty().get().nodes().isEmpty());
        // one node with links not loaded yet expanded (its newcomers placed below, nothing moved),
        // then the raise event selected: its upstream and downstream lit, the rest dimmed
        step(() -> shell.lineage().graphProperty().get().nodes().stream()
                .filter(n -> !n.kind().equals("alarm") && shell.lineage().canExpand(n)).findFirst()
                .ifPresent(n -> shell.lineage().expand(n)), null,
                () -> !shell.lineage().busy().isBusy());
        // a rule that fired often brings every event of it (up to 25): hide that branch behind the
        // rule version (it shows "n hidden") and tidy what is left, so the picture stays readable
        step(() -> shell.lineage().graphProperty().get().nodes().stream().filter(n -> n.kind().equals("event_rule_version"))
                .filter(n -> shell.lineage().branchSize(n) > 3).findFirst().ifPresent(n -> {
                    shell.lineage().hideBranch(n);
                    shell.lineage().tidy();
                }), null, () -> !shell.lineage().busy().isBusy());
        step(() -> shell.lineage().graphProperty().get().nodes().stream().filter(n -> n.kind().equals("event")).findFirst()
                .or(() -> shell.lineage().graphProperty().get().nodes().stream().findFirst())
                .ifPresent(n -> shell.lineage().selectedProperty().set(n)), "lineage");
        step(() -> {
            shell.pageProperty().set(Page.HEATMAP);
            shell.heatmap().refresh();
        }, null, () -> !shell.heatmap().busy().isBusy() && shell.heatmap().heatmapProperty().get() != null);
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
        }, "storage", () -> !shell.storage().busy().isBusy());
        // a rule written and backtested, its raises on the chart
        step(() -> {
            shell.pageProperty().set(Page.RULES);
            shell.rules().refresh();
        }, null);
        step(this::backtestARule, null);
        step(() -> { }, "rules");
        // dead letters and the alarm journal
        step(() -> {
            shell.pageProperty().set(Page.DEAD_LETTERS);
            shell.deadLetters().refresh();
        }, null);
        step(this::focusFirstDeadLetter, "dead-letters");
        step(this::openJournalOfAnAckedAlarm, null);
        step(() -> { }, "alarm-journal"); // the journal's request on a busy machine
        step(this::closeOtherWindows, null);
        // the plant tree opened down to a search hit, its detail beside
        step(() -> {
            shell.pageProperty().set(Page.PLANT);
            shell.plant().queryProperty().set("pump-3");
            shell.plant().search();
        }, null);
        step(() -> {
            if (!shell.plant().hits().isEmpty()) {
                shell.plant().reveal(shell.plant().hits().get(0)); // the tree opened down to it, its detail beside
                shell.plant().hits().clear();
            }
        }, null);
        step(() -> { }, "plant"); // a busy machine takes a few seconds for the levels and the detail
        // last of each pass: by now the ingest rates have a baseline and a second sample
        step(() -> shell.pageProperty().set(Page.TENANTS), "tenants", () -> !shell.tenants().busy().isBusy());
        step(() -> shell.pageProperty().set(Page.FLEET), "fleet-health");
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
        // the similar pane answers with occurrences or a message (none, no pgvector): wait for either
        whenReady(() -> !shell.alarms().similar().occurrences().isEmpty()
                || !"Looking for similar past alarms…".equals(shell.alarms().similar().messageProperty().get()), () -> {
            var found = shell.alarms().similar().occurrences();
            if (!found.isEmpty() && found.get(0).rule().equals(x.rule()) || i == candidates.size() - 1) {
                capture("similar");
                next();
            } else {
                pickRecurring(a, candidates, i + 1);
            }
        });
    }

    /** The rules screen with a rule of the plant chosen (one that raises, when there is one) and backtested over an hour. */
    @SuppressWarnings("unchecked")
    private void backtestARule() {
        var table = (javafx.scene.control.TableView<io.omniglass.views.services.EventRule>) view.screen(Page.RULES).lookup("#rules-table");
        if (table == null || table.getItems().isEmpty()) {
            return;
        }
        var rule = table.getItems().stream().filter(r -> r.draft().key().equals("temperature")).findFirst()
                .orElse(table.getItems().get(0));
        table.getSelectionModel().select(rule);
        shell.rules().backtest().spanProperty().set(java.time.Duration.ofHours(1));
        shell.rules().runBacktest();
    }

    private void openHistory(CurrentValuesView v, CurrentValue c) {
        v.table().getSelectionModel().select(c);
        // the same path as a double-click, through the view's row handler
        v.table().requestFocus();
        javafx.event.Event.fireEvent(v.table(), new javafx.scene.input.KeyEvent(javafx.scene.input.KeyEvent.KEY_PRESSED,
                "", "", javafx.scene.input.KeyCode.ENTER, false, false, false, false));
    }

    private void focusFirstDeadLetter() {
        var t = ((io.omniglass.views.deadletters.DeadLettersView) view.screen(Page.DEAD_LETTERS)).table();
        if (!t.getItems().isEmpty()) {
            t.getSelectionModel().clearSelection();
            t.getSelectionModel().select(t.getItems().size() - 1);
            t.requestFocus();
        }
    }

    private void openJournalOfAnAckedAlarm() {
        shell.pageProperty().set(Page.ALARMS);
        AlarmsView a = (AlarmsView) view.screen(Page.ALARMS);
        a.table().getItems().stream().filter(Alarm::acked).findFirst()
                .or(() -> a.table().getItems().stream().findFirst())
                .ifPresent(x -> a.table().getSelectionModel().select(x));
        io.omniglass.views.journal.JournalTools.open(a, shell.journal());
        for (Window w : Window.getWindows()) {
            if (w != stage && w instanceof Stage s) {
                // the whole display: Xvfb has no window manager to frame a window over the console
                s.setX(0);
                s.setY(0);
                s.setWidth(1600);
                s.setHeight(1000);
            }
        }
    }

    /** The history window shows its points (its request answered and the chart drawn). */
    private boolean historyDrawn() {
        for (Window w : Window.getWindows()) {
            if (w.getScene() != null && w.getScene().getRoot() instanceof io.omniglass.views.values.SeriesHistoryView h) {
                var data = h.chart().getXYPlot().getDataset();
                return data != null && data.getSeriesCount() > 0 && data.getItemCount(0) > 0;
            }
        }
        return false;
    }

    private void closeOtherWindows() {
        for (Window w : Window.getWindows().toArray(new Window[0])) {
            if (w != stage && w instanceof Stage s) {
                s.close();
            }
        }
    }

    private void step(Runnable action, String shot) {
        step(action, shot, this::idle);
    }

    /**
     * Runs {@code action}, waits until {@code ready} holds (checked once per frame, up to
     * {@link #PATIENCE}: a screen that never gets ready is captured as it is, with a warning) and
     * three more frames are painted, then captures {@code shot} (when not null) and goes on.
     */
    private void step(Runnable action, String shot, BooleanSupplier ready) {
        steps.add(() -> {
            action.run();
            whenReady(ready, () -> {
                if (shot != null) {
                    capture(shot);
                }
                next();
            });
        });
    }

    /** Every screen's view-model idle (no call in flight). */
    private boolean idle() {
        return !shell.tenants().busy().isBusy() && !shell.values().busy().isBusy() && !shell.alarms().busy().isBusy()
                && !shell.heatmap().busy().isBusy() && !shell.lineage().busy().isBusy() && !shell.storage().busy().isBusy();
    }

    private void whenReady(BooleanSupplier ready, Runnable then) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        new AnimationTimer() {
            private int settled;

            @Override
            public void handle(long now) {
                boolean late = now > deadline;
                if (ready.getAsBoolean() || late) {
                    if (late && settled == 0) {
                        System.err.println("tour: not ready after " + PATIENCE.toSeconds() + " s, capturing as it is");
                    }
                    if (++settled >= 3) { // painted with what arrived
                        stop();
                        then.run();
                    }
                } else {
                    settled = 0;
                }
            }
        }.start();
    }

    private void next() {
        Runnable r = steps.poll();
        if (r != null) {
            r.run();
        }
    }

    private void capture(String screen) {
        String name = screen + "-" + theme.name().toLowerCase(java.util.Locale.ROOT);
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
