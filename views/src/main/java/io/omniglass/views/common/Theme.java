package io.omniglass.views.common;

import javafx.scene.Scene;

import java.util.Objects;

/** Light and dark: two stylesheets over a shared base, swapped on the scene. */
public enum Theme {
    LIGHT("light.css"), DARK("dark.css");

    private final String sheet;

    Theme(String sheet) {
        this.sheet = sheet;
    }

    public String url() {
        return Objects.requireNonNull(Theme.class.getResource("/io/omniglass/views/" + sheet)).toExternalForm();
    }

    public static String baseUrl() {
        return Objects.requireNonNull(Theme.class.getResource("/io/omniglass/views/base.css")).toExternalForm();
    }

    public void applyTo(Scene scene) {
        scene.getStylesheets().setAll(baseUrl(), url());
    }

    public Theme other() {
        return this == LIGHT ? DARK : LIGHT;
    }
}
