package io.omniglass.views.shell;

/** The console's screens, in navigation order (Ctrl+1 .. Ctrl+9 for the first nine). */
public enum Page {
    TENANTS("Tenants"), VALUES("Current values"), ALARMS("Alarms"), HEATMAP("Latency heatmap"), LINEAGE("Lineage"), STORAGE("Storage"),
    FLEET("Fleet health"), PLANT("Plant"), RULES("Rules"), DEAD_LETTERS("Dead letters");

    private final String title;

    Page(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }
}
