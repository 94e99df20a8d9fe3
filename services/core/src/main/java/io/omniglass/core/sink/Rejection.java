package io.omniglass.core.sink;

/** A datapoint (or a whole message, index -1) the sink will not store, and why. */
record Rejection(DlqReason reason, String detail, int index, byte[] body) {

    String header() {
        return reason.code() + ": " + detail;
    }
}
