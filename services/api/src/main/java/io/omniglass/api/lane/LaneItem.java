package io.omniglass.api.lane;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.WireJson;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One datapoint of a message as it was sent, for a dead letter. The decoder reads the fields it
 * needs straight off the bytes, so the datapoint's JSON tree is only built here, when a datapoint
 * is refused: a replay of accepted datapoints never builds one.
 */
public final class LaneItem {

    private final byte[] body;
    private final int offset;
    private final int length;
    private JsonNode node;

    LaneItem(byte[] body, int offset, int length) {
        this.body = body;
        this.offset = offset;
        this.length = length;
    }

    LaneItem(JsonNode node) {
        this(null, 0, 0);
        this.node = node;
    }

    /** The datapoint's JSON as the tree decoder read it (its last value where a field repeats). */
    public JsonNode node() {
        if (node == null) {
            try {
                node = WireJson.mapper().readTree(body, offset, length);
            } catch (IOException e) {
                // the decoder read these very bytes without an error
                throw new UncheckedIOException(e);
            }
        }
        return node;
    }

    /** The body of its dead letter: the datapoint written again from {@link #node()}. */
    public byte[] bytes() {
        return LaneCodec.bytes(node());
    }
}
