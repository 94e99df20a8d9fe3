package io.omniglass.views.fleet;

/** How a figure looks on the board: its cell's colour. NONE: not known (a dash), never alarming. */
public enum Level {
    OK, WARN, BAD, NONE;

    /** The worse of two (NONE counts as OK). */
    Level worse(Level other) {
        return rank(other) > rank(this) ? other : this;
    }

    private static int rank(Level l) {
        return l == BAD ? 2 : l == WARN ? 1 : 0;
    }

    public String styleClass() {
        return "health-" + name().toLowerCase(java.util.Locale.ROOT);
    }
}
