package io.omniglass.views.deadletters;

import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import java.util.Optional;

/** Edits a dead letter's body before its re-drive; the re-drive is offered only while the text is JSON. */
final class BodyEditorDialog extends Dialog<String> {

    BodyEditorDialog(long id, String reason, String detail, String body) {
        setTitle("Edit and re-drive #" + id);
        setHeaderText(reason + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        TextArea editor = new TextArea(DeadLettersViewModel.pretty(body));
        editor.setId("dead-letters-editor");
        editor.setPrefColumnCount(70);
        editor.setPrefRowCount(16);
        editor.getStyleClass().add("mono");
        Label check = new Label();
        check.setId("dead-letters-editor-check");
        check.setWrapText(true);
        VBox box = new VBox(8, editor, check);
        VBox.setVgrow(editor, Priority.ALWAYS);
        getDialogPane().setContent(box);
        ButtonType redrive = new ButtonType("Re-drive", ButtonBar.ButtonData.OK_DONE);
        getDialogPane().getButtonTypes().addAll(redrive, ButtonType.CANCEL);
        Runnable validate = () -> {
            Optional<String> bad = DeadLettersViewModel.jsonError(editor.getText());
            check.setText(bad.map(b -> "Not JSON: " + b).orElse("Valid JSON"));
            check.getStyleClass().setAll("label", bad.isPresent() ? "error-label" : "outcome-label");
            getDialogPane().lookupButton(redrive).setDisable(bad.isPresent());
        };
        editor.textProperty().addListener((o, a, b) -> validate.run());
        validate.run();
        setResultConverter(b -> b == redrive ? editor.getText() : null);
        setResizable(true);
    }
}
