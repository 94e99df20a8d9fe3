package io.omniglass.core.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.impl.Headers;
import io.omniglass.schema.tenant.enums.Provenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns one data-lane message (a datapoint object or an array of them) into candidates, checking
 * everything that needs no database: JSON shape, owner syntax, the lineage rule, the timestamp.
 */
final class MessageDecoder {

    static final String CORRELATION_HEADER = "Og-Correlation-Id";
    static final String CAUSED_BY_HEADER = "Og-Caused-By-Event-Id";

    private static final ObjectMapper JSON = new ObjectMapper();

    private MessageDecoder() {
    }

    /**
     * Decodes {@code body}; each datapoint becomes a candidate or a rejection. Returns the number of
     * datapoints the message held (0 when the message itself is unreadable).
     */
    static int decode(int message, String subject, Headers headers, byte[] body,
                      Consumer<Candidate> accepted, Consumer<Rejection> rejected) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            rejected.accept(new Rejection(DlqReason.BAD_JSON, "unreadable JSON: " + e.getOriginalMessage(), -1, body));
            return 0;
        } catch (IOException e) {
            rejected.accept(new Rejection(DlqReason.BAD_JSON, "unreadable JSON: " + e.getMessage(), -1, body));
            return 0;
        }
        if (root == null || !(root.isObject() || root.isArray())) {
            rejected.accept(new Rejection(DlqReason.BAD_JSON, "a message is one datapoint object or an array of them", -1, body));
            return 0;
        }
        String subjectKind = subject.substring(subject.lastIndexOf('.') + 1);
        String correlationId = header(headers, CORRELATION_HEADER);
        String causedByText = header(headers, CAUSED_BY_HEADER);
        Long causedBy = null;
        String causedByError = correlationId == null ? null : LaneText.fieldProblem(CORRELATION_HEADER, correlationId);
        if (causedByError == null && causedByText != null) {
            try {
                causedBy = Long.parseLong(causedByText.trim());
            } catch (NumberFormatException e) {
                causedByError = CAUSED_BY_HEADER + " '" + causedByText + "' is not an event id";
            }
        }
        List<JsonNode> items = root.isArray() ? iterable(root) : List.of(root);
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            int index = root.isArray() ? i : 0;
            if (causedByError != null) {
                rejected.accept(new Rejection(DlqReason.LINEAGE, causedByError, index, bytes(item)));
                continue;
            }
            try {
                accepted.accept(candidate(message, index, item, subjectKind, correlationId, causedBy));
            } catch (Invalid e) {
                rejected.accept(new Rejection(e.reason, e.getMessage(), index, bytes(item)));
            }
        }
        return items.size();
    }

    private static Candidate candidate(int message, int index, JsonNode item, String subjectKind,
                                       String correlationId, Long causedBy) {
        if (!item.isObject()) {
            throw new Invalid(DlqReason.BAD_JSON, "a datapoint is a JSON object");
        }
        String ownerText = text(item, "owner", DlqReason.UNKNOWN_OWNER, true);
        OwnerRef owner = OwnerRef.parse(ownerText);
        if (owner == null) {
            throw new Invalid(DlqReason.UNKNOWN_OWNER, "owner '" + ownerText
                    + "' is not component:NAME, system:NAME, location:NAME, node:NAME or global");
        }
        String key = text(item, "key", DlqReason.UNKNOWN_KEY, true);
        String keyProblem = LaneText.keyProblem(key);
        if (keyProblem != null) {
            throw new Invalid(DlqReason.UNKNOWN_KEY, keyProblem);
        }
        String instance = storable("instance", orEmpty(text(item, "instance", DlqReason.BAD_JSON, false)));
        String source = storable("source", orEmpty(text(item, "source", DlqReason.BAD_JSON, false)));

        String tsText = text(item, "ts", DlqReason.BAD_TS, true);
        OffsetDateTime ts;
        try {
            ts = OffsetDateTime.parse(tsText);
        } catch (DateTimeParseException e) {
            throw new Invalid(DlqReason.BAD_TS, "ts '" + tsText + "' is not ISO-8601 with an offset (e.g. 2026-11-21T07:00:00Z)");
        }

        String provText = text(item, "provenance", DlqReason.LINEAGE, false);
        Provenance provenance;
        if (provText == null) {
            provenance = Provenance.observed;
        } else {
            provenance = switch (provText) {
                case "observed" -> Provenance.observed;
                case "calculated" -> Provenance.calculated;
                case "intended" -> Provenance.intended;
                default -> throw new Invalid(DlqReason.LINEAGE, "provenance '" + provText + "' is not observed, calculated or intended");
            };
        }
        String sourceRule = text(item, "source_rule", DlqReason.LINEAGE, false);
        if (sourceRule != null) {
            storable("source_rule", sourceRule);
        }
        JsonNode versionNode = item.get("source_rule_version");
        JsonNode eventNode = item.get("event_id");
        boolean hasEvent = eventNode != null && !eventNode.isNull();
        int version = 1;
        Long eventId = null;
        if (provenance == Provenance.intended) {
            if (sourceRule != null) {
                throw new Invalid(DlqReason.LINEAGE, "an intended datapoint names its command event_id, not a source_rule");
            }
            if (!hasEvent) {
                throw new Invalid(DlqReason.LINEAGE, "an intended datapoint needs event_id (the command)");
            }
            if (!eventNode.canConvertToLong() || !eventNode.isIntegralNumber()) {
                throw new Invalid(DlqReason.LINEAGE, "event_id must be an integer event id");
            }
            eventId = eventNode.asLong();
        } else {
            if (sourceRule == null || sourceRule.isBlank()) {
                throw new Invalid(DlqReason.LINEAGE, "an " + provenance.getLiteral() + " datapoint needs source_rule");
            }
            if (hasEvent) {
                throw new Invalid(DlqReason.LINEAGE, "only an intended datapoint carries event_id");
            }
            if (versionNode != null && !versionNode.isNull()) {
                if (!versionNode.isIntegralNumber() || versionNode.asLong() < 1 || versionNode.asLong() > Integer.MAX_VALUE) {
                    throw new Invalid(DlqReason.LINEAGE, "source_rule_version must be a positive integer");
                }
                version = versionNode.asInt();
            }
        }
        JsonNode value = item.get("value");
        if (value == null || value.isNull()) {
            throw new Invalid(DlqReason.WRONG_VALUE_TYPE, "value is missing");
        }
        return new Candidate(message, index, item, subjectKind, owner, key, instance, provenance, source,
                sourceRule, version, eventId, ts, value, correlationId, causedBy);
    }

    private static String text(JsonNode item, String field, DlqReason reason, boolean required) {
        JsonNode n = item.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new Invalid(reason, field + " is missing");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new Invalid(reason, field + " must be a string");
        }
        return n.textValue();
    }

    /** The field itself when the database can hold it; otherwise the datapoint is refused here, alone. */
    private static String storable(String field, String value) {
        String problem = LaneText.fieldProblem(field, value);
        if (problem != null) {
            throw new Invalid(DlqReason.BAD_FIELD, problem);
        }
        return value;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String header(Headers headers, String name) {
        return headers == null ? null : headers.getFirst(name);
    }

    private static List<JsonNode> iterable(JsonNode array) {
        java.util.ArrayList<JsonNode> l = new java.util.ArrayList<>(array.size());
        array.forEach(l::add);
        return l;
    }

    /** The datapoint at {@code index} of a message body (the body itself when it is one object). */
    static byte[] item(byte[] body, int index) {
        try {
            JsonNode root = JSON.readTree(body);
            return root.isArray() && index >= 0 && index < root.size() ? bytes(root.get(index)) : body;
        } catch (IOException e) {
            return body;
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            return node.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    private static final class Invalid extends RuntimeException {
        final DlqReason reason;

        Invalid(DlqReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
