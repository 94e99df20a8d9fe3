package io.omniglass.api.lane;

/** The NATS subjects of a tenant: {@code og.<tenant>.dp.<kind>}, its dead letters and its change feed. */
public final class LaneSubjects {

    private LaneSubjects() {
    }

    /** Where datapoints of {@code kind} ({@code metric}, {@code state}, {@code log}) are published. */
    public static String datapoints(String tenant, String kind) {
        return "og." + tenant + ".dp." + kind;
    }

    /** Every datapoint subject of the tenant. */
    public static String allDatapoints(String tenant) {
        return "og." + tenant + ".dp.>";
    }

    /** The datapoint kind a data-lane subject names: its last token. */
    public static String kind(String subject) {
        return subject.substring(subject.lastIndexOf('.') + 1);
    }

    public static String deadLetters(String tenant) {
        return "og." + tenant + ".dlq.dp";
    }

    public static String changes(String tenant, String table) {
        return "og." + tenant + ".cdc." + table;
    }

    public static String allChanges(String tenant) {
        return "og." + tenant + ".cdc.>";
    }
}
