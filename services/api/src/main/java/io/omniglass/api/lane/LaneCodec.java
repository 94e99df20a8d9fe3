package io.omniglass.api.lane;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.api.WireJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The data-lane message (a datapoint object or an array of them) both ways. The decoder checks
 * everything that needs no database (JSON shape, owner syntax, text the database cannot hold,
 * the lineage rule, the timestamp) and says why a datapoint is refused; the sink stores what it
 * accepts and the rules evaluate the same, so neither sees what the other would not.
 */
public final class LaneCodec {

    private static final ObjectMapper JSON = WireJson.mapper();

    /** A datapoint that is well-formed on its own; whether its owner, key and events exist is the sink's part. */
    public record Decoded(int index, LaneItem raw, String kind, LaneOwner owner, LaneDatapoint datapoint,
                          String correlationId, Long causedByEventId) {
    }

    /** A datapoint (or a whole message, index -1) refused at decode time, and why. */
    public record Refused(DlqReason reason, String detail, int index, byte[] body) {
    }

    private LaneCodec() {
    }

    /** The body of one message holding {@code datapoints} (always an array). */
    public static byte[] encode(Collection<LaneDatapoint> datapoints) {
        ArrayNode array = JSON.createArrayNode();
        datapoints.forEach(dp -> array.add(tree(dp)));
        return bytes(array);
    }

    /** The body of one message holding one datapoint object. */
    public static byte[] encode(LaneDatapoint datapoint) {
        return bytes(tree(datapoint));
    }

    private static ObjectNode tree(LaneDatapoint dp) {
        ObjectNode n = JSON.createObjectNode();
        n.put("owner", dp.owner());
        n.put("key", dp.key());
        if (dp.instance() != null && !dp.instance().isEmpty()) {
            n.put("instance", dp.instance());
        }
        n.put("ts", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(dp.ts()));
        n.set("value", dp.value());
        n.put("provenance", dp.provenance());
        if (dp.source() != null) {
            n.put("source", dp.source());
        }
        if (dp.sourceRule() != null) {
            n.put("source_rule", dp.sourceRule());
            n.put("source_rule_version", dp.sourceRuleVersion());
        }
        if (dp.eventId() != null) {
            n.put("event_id", dp.eventId());
        }
        return n;
    }

    /**
     * Decodes {@code body} published on {@code subject} with the given header values (null when
     * absent); each datapoint is accepted or refused, in order. Returns the number of datapoints
     * the message held (0 when the message itself is unreadable).
     *
     * <p>The fields are read straight off the bytes, not from a tree a datapoint (the trees were a
     * fifth of the decode's CPU once compiled, and it costs a third as much before the JIT has
     * compiled it, a short replay's case). Nothing is handed on before the whole message has been
     * read: a message that does not read as an object or an array of them is handed to the tree
     * reader, whose refusal (reason and text) it has always been.
     */
    public static int decode(String subject, String correlationHeader, String causedByHeader, byte[] body,
                             Consumer<Decoded> accepted, Consumer<Refused> refused) {
        List<Object> items = body == null ? null : StreamedItems.read(body);
        if (items == null) {
            items = treeItems(body, refused);
            if (items == null) {
                return 0;
            }
        }
        String kind = LaneSubjects.kind(subject);
        Long causedBy = null;
        String headerError = correlationHeader == null ? null
                : LaneText.fieldProblem(LaneHeaders.CORRELATION_ID, correlationHeader);
        if (headerError == null && causedByHeader != null) {
            try {
                causedBy = Long.parseLong(causedByHeader.trim());
            } catch (NumberFormatException e) {
                headerError = LaneHeaders.CAUSED_BY_EVENT_ID + " '" + causedByHeader + "' is not an event id";
            }
        }
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (headerError != null) {
                refused.accept(new Refused(DlqReason.LINEAGE, headerError, i, raw(item).bytes()));
                continue;
            }
            if (!(item instanceof StreamedItems.Fields fields)) {
                refused.accept(new Refused(DlqReason.BAD_JSON, "a datapoint is a JSON object", i, raw(item).bytes()));
                continue;
            }
            try {
                accepted.accept(datapoint(i, fields, kind, correlationHeader, causedBy));
            } catch (Invalid e) {
                refused.accept(new Refused(e.reason, e.getMessage(), i, fields.raw().bytes()));
            }
        }
        return items.size();
    }

    private static LaneItem raw(Object item) {
        return item instanceof StreamedItems.Fields f ? f.raw() : (LaneItem) item;
    }

    /**
     * The items of a message the streamed read did not take, by the tree reader: the refusal of
     * an unreadable message (reason and text) has always been its; null when refused.
     */
    private static List<Object> treeItems(byte[] body, Consumer<Refused> refused) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            refused.accept(new Refused(DlqReason.BAD_JSON, "unreadable JSON: " + e.getOriginalMessage(), -1, body));
            return null;
        } catch (IOException e) {
            refused.accept(new Refused(DlqReason.BAD_JSON, "unreadable JSON: " + e.getMessage(), -1, body));
            return null;
        }
        if (root == null || !(root.isObject() || root.isArray())) {
            refused.accept(new Refused(DlqReason.BAD_JSON, "a message is one datapoint object or an array of them", -1, body));
            return null;
        }
        return StreamedItems.of(root);
    }

    private static Decoded datapoint(int index, StreamedItems.Fields item, String kind, String correlationId, Long causedBy) {
        String ownerText = text(item.owner, "owner", DlqReason.UNKNOWN_OWNER, true);
        LaneOwner owner = LaneOwner.parse(ownerText);
        if (owner == null) {
            throw new Invalid(DlqReason.UNKNOWN_OWNER, "owner '" + ownerText
                    + "' is not component:NAME, system:NAME, location:NAME, node:NAME or global");
        }
        String key = text(item.key, "key", DlqReason.UNKNOWN_KEY, true);
        String keyProblem = LaneText.keyProblem(key);
        if (keyProblem != null) {
            throw new Invalid(DlqReason.UNKNOWN_KEY, keyProblem);
        }
        String instance = storable("instance", orEmpty(text(item.instance, "instance", DlqReason.BAD_JSON, false)));
        String source = storable("source", orEmpty(text(item.source, "source", DlqReason.BAD_JSON, false)));

        String tsText = text(item.ts, "ts", DlqReason.BAD_TS, true);
        OffsetDateTime ts;
        try {
            ts = LaneTimestamp.parse(tsText);
        } catch (DateTimeParseException e) {
            throw new Invalid(DlqReason.BAD_TS, "ts '" + tsText + "' is not ISO-8601 with an offset (e.g. 2026-11-21T07:00:00Z)");
        }

        String provenance = text(item.provenance, "provenance", DlqReason.LINEAGE, false);
        if (provenance == null) {
            provenance = LaneDatapoint.OBSERVED;
        } else if (!provenance.equals(LaneDatapoint.OBSERVED) && !provenance.equals(LaneDatapoint.CALCULATED)
                && !provenance.equals(LaneDatapoint.INTENDED)) {
            throw new Invalid(DlqReason.LINEAGE, "provenance '" + provenance + "' is not observed, calculated or intended");
        }
        String sourceRule = text(item.sourceRule, "source_rule", DlqReason.LINEAGE, false);
        if (sourceRule != null) {
            storable("source_rule", sourceRule);
        }
        JsonNode versionNode = item.sourceRuleVersion;
        JsonNode eventNode = item.eventId;
        boolean hasEvent = eventNode != null && !eventNode.isNull();
        int version = 1;
        Long eventId = null;
        if (provenance.equals(LaneDatapoint.INTENDED)) {
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
                throw new Invalid(DlqReason.LINEAGE, "an " + provenance + " datapoint needs source_rule");
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
        JsonNode value = item.value;
        if (value == null || value.isNull()) {
            throw new Invalid(DlqReason.WRONG_VALUE_TYPE, "value is missing");
        }
        LaneDatapoint dp = new LaneDatapoint(ownerText, key, instance, ts, value, provenance, source, sourceRule,
                version, eventId);
        return new Decoded(index, item.raw(), kind, owner, dp, correlationId, causedBy);
    }

    /** A string field as read: null when absent or JSON null, {@link StreamedItems#NOT_TEXT} when not a string. */
    private static String text(Object read, String field, DlqReason reason, boolean required) {
        if (read == null) {
            if (required) {
                throw new Invalid(reason, field + " is missing");
            }
            return null;
        }
        if (read == StreamedItems.NOT_TEXT) {
            throw new Invalid(reason, field + " must be a string");
        }
        return (String) read;
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

    /** The datapoint at {@code index} of a message body (the body itself when it is one object or unreadable). */
    public static byte[] item(byte[] body, int index) {
        try {
            JsonNode root = JSON.readTree(body);
            return root != null && root.isArray() && index >= 0 && index < root.size() ? bytes(root.get(index)) : body;
        } catch (IOException e) {
            return body;
        }
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            return node.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** A datapoint read back from a body written by {@link #encode} (tests and tools). */
    public static List<LaneDatapoint> read(String subject, byte[] body) {
        List<LaneDatapoint> out = new ArrayList<>();
        List<Refused> bad = new ArrayList<>();
        decode(subject, null, null, body, d -> out.add(d.datapoint()), bad::add);
        if (!bad.isEmpty()) {
            throw new UncheckedIOException(new IOException(bad.get(0).reason().code() + ": " + bad.get(0).detail()));
        }
        return out;
    }

    private static final class Invalid extends RuntimeException {
        final DlqReason reason;

        Invalid(DlqReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
