package io.omniglass.app;

import io.omniglass.views.connect.ConnectViewModel;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.shell.ShellViewModel;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.util.Duration;

import java.util.function.Supplier;

/**
 * {@code --check}: the installer smoke test. Succeeds (exit 0) once the main window is up,
 * connected, and the tenant list (and the given tenant's current values) loaded; fails (exit 1)
 * with the connect form's message, or after 90 seconds.
 */
final class SmokeCheck {

    private SmokeCheck() {
    }

    static void watch(ConnectViewModel connect, Supplier<ShellViewModel> shell, String tenant) {
        long deadline = System.nanoTime() + 90_000_000_000L;
        Timeline poll = new Timeline();
        poll.getKeyFrames().add(new KeyFrame(Duration.millis(250), e -> {
            ShellViewModel s = shell.get();
            String error = connect.errorProperty().get();
            if (s == null && error != null && !connect.busy().isBusy()) {
                finish(poll, 1, "omniglass console: not connected: " + error);
            } else if (s != null && s.connectionProperty().get() == ConnectionState.CONNECTED
                    && !s.tenants().busy().isBusy() && s.tenants().totalCount() > 0
                    && (tenant == null || (!s.values().busy().isBusy() && s.values().errorProperty().get() == null))) {
                finish(poll, 0, "omniglass console: connected (" + s.connectionDetailProperty().get() + "); "
                        + s.tenants().totalCount() + " tenant(s) visible"
                        + (tenant == null ? "" : "; " + s.values().rows().size() + " current values of " + tenant));
            } else if (System.nanoTime() > deadline) {
                finish(poll, 1, "omniglass console: no connection within 90 s"
                        + (error == null ? "" : ": " + error));
            }
        }));
        poll.setCycleCount(Timeline.INDEFINITE);
        poll.play();
    }

    private static void finish(Timeline poll, int code, String message) {
        poll.stop();
        (code == 0 ? System.out : System.err).println(message);
        Platform.exit();
        System.exit(code);
    }
}
