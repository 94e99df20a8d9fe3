package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/** Lenient reading of API JSON: a field may arrive under one of a few names, and be absent. */
final class Json {

    private Json() {
    }

    static JsonNode field(JsonNode n, String... names) {
        if (n == null) {
            return null;
        }
        for (String name : names) {
            JsonNode v = n.get(name);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    static String text(JsonNode n, String... names) {
        JsonNode v = field(n, names);
        if (v == null) {
            return null;
        }
        return v.isValueNode() ? v.asText() : v.toString();
    }

    static String textOr(JsonNode n, String fallback, String... names) {
        String s = text(n, names);
        return s == null ? fallback : s;
    }

    static Long longValue(JsonNode n, String... names) {
        JsonNode v = field(n, names);
        if (v == null) {
            return null;
        }
        if (v.isNumber()) {
            return v.asLong();
        }
        try {
            return Long.parseLong(v.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Double doubleValue(JsonNode n, String... names) {
        JsonNode v = field(n, names);
        if (v == null) {
            return null;
        }
        if (v.isNumber()) {
            return v.asDouble();
        }
        try {
            return Double.parseDouble(v.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static boolean bool(JsonNode n, String... names) {
        JsonNode v = field(n, names);
        return v != null && (v.asBoolean() || "true".equalsIgnoreCase(v.asText()));
    }

    static Instant instant(JsonNode n, String... names) {
        String s = text(n, names);
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /** The list in a response: the body itself when it is an array, else the first array field known. */
    static List<JsonNode> items(JsonNode body, String... names) {
        JsonNode arr = body;
        if (body != null && !body.isArray()) {
            arr = field(body, names);
            if (arr == null) {
                arr = field(body, "items", "data", "results");
            }
        }
        List<JsonNode> out = new ArrayList<>();
        if (arr != null && arr.isArray()) {
            arr.forEach(out::add);
        }
        return out;
    }

    static String nextCursor(JsonNode body) {
        return body == null || body.isArray() ? null : text(body, "next", "next_after", "next_cursor", "after");
    }
}
