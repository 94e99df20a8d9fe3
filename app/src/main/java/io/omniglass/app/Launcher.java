package io.omniglass.app;

import javafx.application.Application;

import java.util.List;

/**
 * The jar's main class. JavaFX refuses to start an Application subclass as the main class from
 * the classpath, so this plain class checks the options and launches {@link ConsoleApp}.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) {
        try {
            LaunchOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        }
        if (System.getenv("DISPLAY") == null && System.getenv("WAYLAND_DISPLAY") == null
                && System.getProperty("glass.platform") == null && System.getProperty("os.name").startsWith("Linux")) {
            System.err.println("omniglass console: no display (DISPLAY is not set); run it on a desktop or under xvfb-run");
            System.exit(3);
        }
        Application.launch(ConsoleApp.class, args);
    }
}
