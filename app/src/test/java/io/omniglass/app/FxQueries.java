package io.omniglass.app;

import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** The console TestFX tests' lookups and waits: on the FX thread, and until an assertion holds. */
final class FxQueries {

    private final FxRobot robot;
    private final Duration patience;

    FxQueries(FxRobot robot, Duration patience) {
        this.robot = robot;
        this.patience = patience;
    }

    <T extends Node> T lookup(String query) {
        if (Platform.isFxApplicationThread()) {
            return robot.lookup(query).query();
        }
        return onFx(() -> robot.lookup(query).query());
    }

    /** Retries {@code assertion} (after the FX events so far) until it holds, for the test's patience. */
    void eventually(Runnable assertion) {
        await().atMost(patience).pollInterval(Duration.ofMillis(200)).ignoreExceptions().untilAsserted(() -> {
            WaitForAsyncUtils.waitForFxEvents();
            assertion.run();
        });
    }

    <T> T onFx(Callable<T> c) {
        try {
            return WaitForAsyncUtils.asyncFx(c).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String text(String query) {
        return onFx(() -> ((Label) lookup(query)).getText());
    }

    @SuppressWarnings("unchecked")
    <T> TableView<T> table(String id) {
        return (TableView<T>) lookup(id);
    }
}
