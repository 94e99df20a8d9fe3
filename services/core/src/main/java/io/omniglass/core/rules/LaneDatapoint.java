package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Message;
import io.nats.client.impl.Headers;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.sink.LaneText;

import java.io.IOException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * One datapoint as the data lane carries it (CONTRACT.md), read for evaluation. The sink is the
 * judge of what is storable; the rules skip what they cannot read, and what the sink refuses
 * without looking anything up (text the database cannot hold; see {@link LaneWindow} for time).
 */
public record LaneDatapoint(String kind, String owner, String key, String instance, Instant ts,
                            Double number, String text, String provenance, String source,
                            String correlationId, Long causedByEventId) {

    public static final String CORRELATION_HEADER = "Og-Correlation-Id";
    public static final String CAUSED_BY_HEADER = "Og-Caused-By-Event-Id";

    /** The datapoints of one message on {@code og.<t>.dp.<kind>}; unreadable ones are left out. */
    public static List<LaneDatapoint> read(Message msg) {
        String subject = msg.getSubject();
        String kind = subject.substring(subject.lastIndexOf('.') + 1);
        Headers h = msg.getHeaders();
        String correlation = h == null ? null : h.getFirst(CORRELATION_HEADER);
        Long causedBy = null;
        if (h != null && h.getFirst(CAUSED_BY_HEADER) != null) {
            try {
                causedBy = Long.parseLong(h.getFirst(CAUSED_BY_HEADER).trim());
            } catch (NumberFormatException ignored) {
                // the sink dead-letters it; the rules evaluate the values regardless
            }
        }
        return read(msg.getData(), kind, correlation, causedBy);
    }

    public static List<LaneDatapoint> read(byte[] body, String kind, String correlationId, Long causedBy) {
        List<LaneDatapoint> out = new ArrayList<>();
        JsonNode root;
        try {
            root = OmniglassClient.JSON.readTree(body);
        } catch (IOException e) {
            return out;
        }
        if (root == null) {
            return out;
        }
        if (root.isArray()) {
            root.forEach(n -> one(n, kind, correlationId, causedBy, out));
        } else {
            one(root, kind, correlationId, causedBy, out);
        }
        return out;
    }

    private static void one(JsonNode n, String kind, String correlationId, Long causedBy, List<LaneDatapoint> out) {
        if (!n.isObject() || !n.path("owner").isTextual() || !n.path("key").isTextual() || !n.path("ts").isTextual()) {
            return;
        }
        if (LaneText.keyProblem(n.get("key").asText()) != null
                || LaneText.fieldProblem("instance", n.path("instance").asText("")) != null
                || LaneText.fieldProblem("source", n.path("source").asText("")) != null
                || LaneText.fieldProblem("source_rule", n.path("source_rule").asText("")) != null) {
            return; // the sink dead-letters it: nothing to evaluate
        }
        Instant ts;
        try {
            // as the sink reads it: any offset, and always representable as an OffsetDateTime again
            ts = OffsetDateTime.parse(n.get("ts").asText()).toInstant();
        } catch (DateTimeParseException e) {
            return;
        }
        JsonNode v = n.path("value");
        Double number = null;
        String text = null;
        switch (kind) {
            case "metric" -> {
                if (!v.isNumber()) {
                    return;
                }
                number = v.asDouble();
            }
            case "state" -> {
                if (!v.isTextual()) {
                    return;
                }
                text = v.asText();
            }
            case "log" -> {
                if (!v.isObject()) {
                    return;
                }
                text = v.path("message").asText("");
            }
            default -> {
                return;
            }
        }
        out.add(new LaneDatapoint(kind, n.get("owner").asText(), n.get("key").asText(),
                n.path("instance").asText(""), ts, number, text,
                n.path("provenance").asText("observed"), n.path("source").asText(""), correlationId, causedBy));
    }
}
