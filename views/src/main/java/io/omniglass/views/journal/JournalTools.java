package io.omniglass.views.journal;

import io.omniglass.views.alarms.AlarmsView;
import io.omniglass.views.alarms.AlarmsViewModel;
import io.omniglass.views.services.Alarm;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.stage.FileChooser;
import javafx.stage.Stage;

import java.io.File;

/**
 * The alarms screen's way into the journal and the CSV export: "Journal…" opens the journal of
 * the focused alarm (or of all alarms) in its own window; "Export CSV…" writes every alarm that
 * matches the screen's filter.
 */
public final class JournalTools {

    private JournalTools() {
    }

    public static void install(AlarmsView view, AlarmsViewModel alarms, AlarmJournalViewModel journal) {
        Button open = new Button("Journal…  (Ctrl+J)");
        open.setId("alarms-journal");
        open.setOnAction(e -> open(view, journal));
        Button export = new Button("Export CSV…");
        export.setId("alarms-export");
        export.disableProperty().bind(journal.export().runningProperty());
        export.setOnAction(e -> {
            FileChooser chooser = new FileChooser();
            chooser.setTitle("Export the alarms");
            chooser.setInitialFileName("alarms.csv");
            chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV", "*.csv"));
            File f = chooser.showSaveDialog(view.getScene() == null ? null : view.getScene().getWindow());
            if (f != null) {
                journal.exportAlarms(f.toPath(), alarms.effectiveFilter());
            }
        });
        view.actionBar().getChildren().addAll(open, export, AlarmJournalView.exportProgress(journal.export()));
        view.addEventHandler(javafx.scene.input.KeyEvent.KEY_PRESSED, e -> {
            if (e.isShortcutDown() && e.getCode() == javafx.scene.input.KeyCode.J) {
                open(view, journal);
                e.consume();
            }
        });
        javafx.scene.control.Label message = io.omniglass.views.common.Labels.message(journal.export().messageProperty(), "outcome-label");
        message.setId("alarms-export-message");
        view.actionBar().getChildren().add(message);
    }

    /** Opens the journal window for the alarm selected on the screen (all alarms when none is). */
    public static void open(AlarmsView view, AlarmJournalViewModel journal) {
        Alarm a = view.table().getSelectionModel().getSelectedItem();
        journal.showAlarm(a == null ? null : a.id());
        Stage stage = new Stage();
        stage.setTitle(a == null ? "Alarm journal" : "Alarm journal · #" + a.id() + " " + a.owner() + " · " + a.rule());
        Scene scene = new Scene(new AlarmJournalView(journal), 1100, 560);
        if (view.getScene() != null) {
            scene.getStylesheets().setAll(view.getScene().getStylesheets());
            stage.initOwner(view.getScene().getWindow());
        }
        stage.setScene(scene);
        stage.show();
    }
}
