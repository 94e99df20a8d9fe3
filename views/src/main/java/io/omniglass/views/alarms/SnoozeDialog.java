package io.omniglass.views.alarms;

import javafx.geometry.Insets;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.DatePicker;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/** Snooze: a preset (1 h selected, Enter confirms) or a custom end time, and a reason. */
public final class SnoozeDialog extends Dialog<SnoozeDialog.Choice> {

    public record Choice(Instant until, String reason) {
    }

    public SnoozeDialog(Clock clock, String reason, int count) {
        setTitle("Snooze");
        setHeaderText("Snooze " + count + (count == 1 ? " alarm" : " alarms"));
        ToggleGroup group = new ToggleGroup();
        VBox presets = new VBox(4);
        for (Duration d : AlarmsViewModel.SNOOZE_PRESETS) {
            RadioButton b = new RadioButton(AlarmsViewModel.presetLabel(d));
            b.setUserData(d);
            b.setToggleGroup(group);
            b.setSelected(d.equals(Duration.ofHours(1)));
            presets.getChildren().add(b);
        }
        RadioButton custom = new RadioButton("until");
        custom.setToggleGroup(group);
        DatePicker date = new DatePicker(LocalDate.now(clock.withZone(ZoneId.systemDefault())));
        TextField time = new TextField(LocalTime.now(clock.withZone(ZoneId.systemDefault())).plusHours(2).withSecond(0).withNano(0).toString());
        time.setPrefColumnCount(6);
        date.setOnAction(e -> custom.setSelected(true));
        time.setOnKeyTyped(e -> custom.setSelected(true));
        presets.getChildren().add(new HBox(6, custom, date, time));
        TextField reasonField = new TextField(reason == null ? "" : reason);
        reasonField.setId("snooze-reason");
        reasonField.setPromptText("why (kept in the audit log)");
        Label error = new Label();
        error.getStyleClass().add("error-label");
        GridPane grid = new GridPane();
        grid.setHgap(8);
        grid.setVgap(8);
        grid.setPadding(new Insets(12));
        grid.addRow(0, new Label("For"), presets);
        grid.addRow(1, new Label("Reason"), reasonField);
        grid.add(error, 1, 2);
        getDialogPane().setContent(grid);
        ButtonType ok = new ButtonType("Snooze", ButtonBar.ButtonData.OK_DONE);
        getDialogPane().getButtonTypes().addAll(ok, ButtonType.CANCEL);
        getDialogPane().lookupButton(ok).addEventFilter(javafx.event.ActionEvent.ACTION, e -> {
            if (custom.isSelected() && customInstant(date, time) == null) {
                error.setText("Time as HH:mm, in the future");
                e.consume();
            }
        });
        setResultConverter(bt -> {
            if (bt != ok) {
                return null;
            }
            Instant until = custom.isSelected()
                    ? customInstant(date, time)
                    : clock.instant().plus((Duration) group.getSelectedToggle().getUserData());
            return new Choice(until, reasonField.getText());
        });
    }

    private static Instant customInstant(DatePicker date, TextField time) {
        try {
            LocalTime t = LocalTime.parse(time.getText().trim());
            Instant i = date.getValue().atTime(t).atZone(ZoneId.systemDefault()).toInstant();
            return i.isAfter(Instant.now()) ? i : null;
        } catch (DateTimeParseException | NullPointerException e) {
            return null;
        }
    }
}
