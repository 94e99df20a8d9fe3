package io.omniglass.api.lane;

/**
 * Why a datapoint was not stored. The code leads the {@code Og-Error} header of its dead letter
 * ({@code "<code>: <detail>"}), so tools can group on it and people can read the rest.
 */
public enum DlqReason {
    BAD_JSON("bad_json"),
    UNKNOWN_OWNER("unknown_owner"),
    UNKNOWN_KEY("unknown_key"),
    WRONG_VALUE_TYPE("wrong_value_type"),
    LINEAGE("lineage"),
    BAD_TS("bad_ts"),
    /** A text field the database cannot hold: a NUL byte, or too long for the series' unique index. */
    BAD_FIELD("bad_field"),
    TS_OUTSIDE_WINDOW("ts_outside_window"),
    /** Passed validation but the database still refused the row (e.g. an owner deleted meanwhile). */
    REJECTED_BY_DATABASE("rejected_by_database"),
    /** The sink itself failed on the message (a bug, never the data's fault by design); kept, not lost. */
    UNPROCESSABLE("unprocessable");

    private final String code;

    DlqReason(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }
}
