package io.omniglass.api.lane;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.omniglass.api.WireJson;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A data-lane message read token by token into the fields {@link LaneCodec} checks, without a
 * JSON tree a datapoint. What it reads is what the tree reader reads: a repeated field's last
 * value, numbers as the same nodes ({@code int}, {@code long}, big integer, double), null as
 * absent, every other field read and dropped (so bytes the tree reader would refuse are refused
 * here as well), nothing after the message's first value.
 */
final class StreamedItems {

    /** A string field that held something else. */
    static final Object NOT_TEXT = new Object();

    private static final ObjectMapper JSON = WireJson.mapper();
    private static final JsonNodeFactory NODES = JSON.getNodeFactory();

    /** One datapoint object's fields; a string field is null, a String or {@link #NOT_TEXT}. */
    static final class Fields {
        Object owner;
        Object key;
        Object instance;
        Object source;
        Object ts;
        Object provenance;
        Object sourceRule;
        JsonNode sourceRuleVersion;
        JsonNode eventId;
        JsonNode value;
        private LaneItem raw;

        LaneItem raw() {
            return raw;
        }
    }

    private StreamedItems() {
    }

    /**
     * The message's items, each a {@link Fields} (an object) or a {@link LaneItem} (anything else
     * in an array); null when the body is not an object or an array, or does not read as JSON.
     */
    static List<Object> read(byte[] body) {
        try (JsonParser p = JSON.getFactory().createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                List<Object> one = new ArrayList<>(1);
                one.add(object(p, body));
                return one;
            }
            if (t != JsonToken.START_ARRAY) {
                return null;
            }
            List<Object> items = new ArrayList<>();
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    return null;
                }
                items.add(t == JsonToken.START_OBJECT ? object(p, body) : new LaneItem(node(p, t)));
            }
            return items;
        } catch (IOException | RuntimeException e) {
            // unreadable: the tree reader says why, in the words it always has
            return null;
        }
    }

    /** The items of a message the tree reader read (a root object or array). */
    static List<Object> of(JsonNode root) {
        List<Object> items = new ArrayList<>(root.isArray() ? root.size() : 1);
        if (root.isArray()) {
            root.forEach(item -> items.add(item.isObject() ? fields(item) : new LaneItem(item)));
        } else {
            items.add(fields(root));
        }
        return items;
    }

    private static Fields object(JsonParser p, byte[] body) throws IOException {
        int from = (int) p.currentTokenLocation().getByteOffset();
        Fields f = new Fields();
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "owner" -> f.owner = text(p, t);
                case "key" -> f.key = text(p, t);
                case "instance" -> f.instance = text(p, t);
                case "source" -> f.source = text(p, t);
                case "ts" -> f.ts = text(p, t);
                case "provenance" -> f.provenance = text(p, t);
                case "source_rule" -> f.sourceRule = text(p, t);
                case "source_rule_version" -> f.sourceRuleVersion = node(p, t);
                case "event_id" -> f.eventId = node(p, t);
                case "value" -> f.value = node(p, t);
                default -> node(p, t); // read, not skipped: the tree reader would refuse what it cannot decode
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("not an object's end");
        }
        int to = (int) p.currentLocation().getByteOffset();
        if (from < 0 || to <= from) {
            throw new IOException("no byte offsets");
        }
        f.raw = new LaneItem(body, from, to - from);
        return f;
    }

    private static Fields fields(JsonNode item) {
        Fields f = new Fields();
        f.owner = text(item.get("owner"));
        f.key = text(item.get("key"));
        f.instance = text(item.get("instance"));
        f.source = text(item.get("source"));
        f.ts = text(item.get("ts"));
        f.provenance = text(item.get("provenance"));
        f.sourceRule = text(item.get("source_rule"));
        f.sourceRuleVersion = item.get("source_rule_version");
        f.eventId = item.get("event_id");
        f.value = item.get("value");
        f.raw = new LaneItem(item);
        return f;
    }

    private static Object text(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        node(p, t);
        return NOT_TEXT;
    }

    private static Object text(JsonNode n) {
        return n == null || n.isNull() ? null : n.isTextual() ? n.textValue() : NOT_TEXT;
    }

    /** The value at {@code t} as the tree reader makes it (its JsonNodeDeserializer, Jackson 2.18). */
    private static JsonNode node(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> NODES.textNode(p.getText());
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(p.getDoubleValue());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> NODES.numberNode(p.getIntValue());
                case LONG -> NODES.numberNode(p.getLongValue());
                default -> NODES.numberNode(p.getBigIntegerValue());
            };
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            case START_OBJECT, START_ARRAY -> JSON.readTree(p);
            default -> throw new IOException("unexpected " + t);
        };
    }
}
