package io.omniglass.core.sink;

import io.omniglass.api.lane.DlqReason;
/** A datapoint (or a whole message, index -1) the sink will not store, and why. */
record Rejection(DlqReason reason, String detail, int index, byte[] body) {

    private static final int MAX_HEADER = 1000;

    /**
     * The {@code Og-Error} value: one line (a header cannot hold CR/LF, and database messages
     * come with a DETAIL line), bounded in length.
     */
    String header() {
        String oneLine = (reason.code() + ": " + detail).replaceAll("[\\p{Cntrl}]+", " ").trim();
        return oneLine.length() <= MAX_HEADER ? oneLine : oneLine.substring(0, MAX_HEADER - 3) + "...";
    }
}
