package io.omniglass.views.common;

import javafx.beans.value.ObservableStringValue;
import javafx.scene.control.Label;

/** Small label helpers. */
public final class Labels {

    private Labels() {
    }

    /** A label bound to a message; hidden (and taking no space) while the message is empty. */
    public static Label message(ObservableStringValue text, String styleClass) {
        Label l = new Label();
        l.textProperty().bind(text);
        l.getStyleClass().add(styleClass);
        l.setWrapText(true);
        l.visibleProperty().bind(l.textProperty().isNotEmpty());
        l.managedProperty().bind(l.visibleProperty());
        return l;
    }
}
