package io.omniglass.views.common;

import javafx.animation.PauseTransition;
import javafx.beans.value.ObservableBooleanValue;
import javafx.scene.Node;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.layout.StackPane;
import javafx.util.Duration;

/** Wraps content with a spinner that appears only when a call has been running for half a second. */
public final class ProgressOverlay extends StackPane {

    public static final Duration THRESHOLD = Duration.millis(500);

    public ProgressOverlay(Node content, ObservableBooleanValue busy) {
        ProgressIndicator spinner = new ProgressIndicator();
        spinner.setMaxSize(56, 56);
        spinner.setVisible(false);
        spinner.setMouseTransparent(true);
        spinner.getStyleClass().add("busy-spinner");
        PauseTransition delay = new PauseTransition(THRESHOLD);
        delay.setOnFinished(e -> spinner.setVisible(busy.get()));
        busy.addListener((o, was, now) -> {
            if (now) {
                delay.playFromStart();
            } else {
                delay.stop();
                spinner.setVisible(false);
            }
        });
        getChildren().addAll(content, spinner);
    }
}
