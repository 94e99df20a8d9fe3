package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One datapoint of the data lane as the rules evaluate it: a number for a metric, a text for a
 * state or a log's message. Decoded by the lane's one decoder ({@link LaneCodec}), so the rules
 * skip exactly what the sink refuses without a lookup (see {@link LaneWindow} for time).
 */
public record Reading(String kind, String owner, String key, String instance, Instant ts,
                      Double number, String text, String provenance, String source,
                      String correlationId, Long causedByEventId) {

    /** The datapoints of one message on {@code og.<t>.dp.<kind>}; refused or unreadable ones are left out. */
    public static List<Reading> read(Message msg) {
        Headers h = msg.getHeaders();
        return read(msg.getSubject(), h == null ? null : h.getFirst(LaneHeaders.CORRELATION_ID),
                h == null ? null : h.getFirst(LaneHeaders.CAUSED_BY_EVENT_ID), msg.getData());
    }

    public static List<Reading> read(String subject, String correlationHeader, String causedByHeader, byte[] body) {
        List<Reading> out = new ArrayList<>();
        LaneCodec.decode(subject, correlationHeader, causedByHeader, body, d -> {
            Reading r = of(d);
            if (r != null) {
                out.add(r);
            }
        }, refused -> {
            // the sink dead-letters it with its reason: nothing to evaluate
        });
        return out;
    }

    private static Reading of(LaneCodec.Decoded d) {
        LaneDatapoint dp = d.datapoint();
        JsonNode v = dp.value();
        Double number = null;
        String text = null;
        switch (d.kind()) {
            case "metric" -> {
                if (!v.isNumber()) {
                    return null;
                }
                number = v.asDouble();
            }
            case "state" -> {
                if (!v.isTextual()) {
                    return null;
                }
                text = v.asText();
            }
            case "log" -> {
                if (!v.isObject()) {
                    return null;
                }
                text = v.path("message").asText("");
            }
            default -> {
                return null;
            }
        }
        return new Reading(d.kind(), dp.owner(), dp.key(), dp.instance(), dp.ts().toInstant(), number, text,
                dp.provenance(), dp.source(), d.correlationId(), d.causedByEventId());
    }
}
