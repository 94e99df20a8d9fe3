package io.omniglass.api.lane;

/** The NATS header names of the data lane, its dead letters and the change feed (CONTRACT.md). */
public final class LaneHeaders {

    /** Publish deduplication by JetStream. */
    public static final String MSG_ID = "Nats-Msg-Id";
    /** Lands in {@code correlation_id} of every datapoint of the message. */
    public static final String CORRELATION_ID = "Og-Correlation-Id";
    /** Lands in {@code caused_by_event_id} of every datapoint of the message; an event id. */
    public static final String CAUSED_BY_EVENT_ID = "Og-Caused-By-Event-Id";
    /** On a dead letter: {@code "<reason code>: <detail>"}. */
    public static final String ERROR = "Og-Error";
    /** On a dead letter: the datapoint's position in its original message (-1: the whole message). */
    public static final String ERROR_INDEX = "Og-Error-Index";

    private LaneHeaders() {
    }
}
