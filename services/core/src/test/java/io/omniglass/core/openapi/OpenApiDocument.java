package io.omniglass.core.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialects;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The core's openapi.json as a test reads it: its operations, which one a concrete request path
 * is, and whether a response (status, media type, body) is what that operation documents.
 * Bodies are checked strictly: an object schema that lists its properties admits no others, so
 * a field the server adds or renames without the document is a failure, not a pass.
 */
final class OpenApiDocument {

    static final String RESOURCE = "/io/omniglass/core/http/openapi.json";
    private static final String BASE = "https://omniglass.invalid/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch");

    record Operation(String method, String path, String id, JsonNode node) {
        /** The statuses this operation documents, as strings ("200", "404", ...). */
        List<String> statuses() {
            List<String> out = new ArrayList<>();
            node.path("responses").fieldNames().forEachRemaining(out::add);
            return out;
        }

        @Override
        public String toString() {
            return method.toUpperCase(Locale.ROOT) + " " + path + " (" + id + ")";
        }
    }

    private final JsonNode doc;
    private final List<Operation> operations = new ArrayList<>();
    private final List<Map.Entry<Pattern, Operation>> matchers = new ArrayList<>();
    private final SchemaRegistry registry;

    private OpenApiDocument(JsonNode doc) {
        this.doc = doc;
        doc.path("paths").fields().forEachRemaining(p -> {
            for (String m : METHODS) {
                JsonNode op = p.getValue().get(m);
                if (op != null) {
                    operations.add(new Operation(m, p.getKey(), op.path("operationId").asText(null), op));
                }
            }
        });
        // the most literal template wins: "/alarms/{id}:ack" before "/alarms/{id}" for "/alarms/7:ack"
        operations.stream()
                .sorted(Comparator.comparingInt((Operation o) -> literalLength(o.path())).reversed())
                .forEach(o -> matchers.add(Map.entry(template(o.path()), o)));
        ObjectNode strict = doc.deepCopy();
        closeObjects(strict);
        String text = strict.toString();
        registry = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30(), b -> b
                .schemas(Map.of(BASE, text))
                .schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));
    }

    static OpenApiDocument load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path");
            }
            return new OpenApiDocument(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode root() {
        return doc;
    }

    List<Operation> operations() {
        return operations;
    }

    /** The documented operation a request is: {@code path} is concrete, without the query. */
    Optional<Operation> find(String method, String path) {
        String m = method.toLowerCase(Locale.ROOT);
        return matchers.stream()
                .filter(e -> e.getValue().method().equals(m) && e.getKey().matcher(path).matches())
                .map(Map.Entry::getValue)
                .findFirst();
    }

    /** What is wrong with a response to {@code op}; empty when it is as documented. */
    List<String> problems(Operation op, int status, String contentType, String body) {
        List<String> out = new ArrayList<>();
        String pointer = "/paths/" + escape(op.path()) + "/" + op.method() + "/responses/" + status;
        JsonNode response = doc.at(pointer);
        if (response.isMissingNode()) {
            out.add(op + " does not document status " + status + " (body: " + abbreviate(body) + ")");
            return out;
        }
        if (response.has("$ref")) {
            pointer = response.get("$ref").asText().substring(1);
            response = doc.at(pointer);
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (body != null && !body.isEmpty()) {
                out.add(op + " " + status + " documents no body but the server sent " + abbreviate(body));
            }
            return out;
        }
        String media = contentType == null ? "" : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
        if (!content.has(media)) {
            out.add(op + " " + status + " documents " + names(content) + ", the server sent '" + media + "'");
            return out;
        }
        if (!media.equals("application/json")) {
            return out;
        }
        JsonNode value;
        try {
            value = JSON.readTree(body);
        } catch (IOException e) {
            out.add(op + " " + status + " sent a body that is not JSON: " + abbreviate(body));
            return out;
        }
        for (Error e : schema(pointer + "/content/application~1json/schema").validate(value)) {
            out.add(op + " " + status + ": " + e.getInstanceLocation() + " " + e.getMessage());
        }
        return out;
    }

    /** Validates a value (an example, say) against the schema at a JSON pointer of the document. */
    List<String> problems(String schemaPointer, JsonNode value) {
        return schema(schemaPointer).validate(value).stream()
                .map(e -> schemaPointer + ": " + e.getInstanceLocation() + " " + e.getMessage())
                .toList();
    }

    private Schema schema(String pointer) {
        return registry.getSchema(SchemaLocation.of(BASE + "#" + pointer));
    }

    static String escape(String pathKey) {
        return pathKey.replace("~", "~0").replace("/", "~1");
    }

    private static Pattern template(String path) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        while (i < path.length()) {
            int open = path.indexOf('{', i);
            if (open < 0) {
                re.append(Pattern.quote(path.substring(i)));
                break;
            }
            re.append(Pattern.quote(path.substring(i, open))).append("[^/]+?");
            i = path.indexOf('}', open) + 1;
        }
        return Pattern.compile(re.toString());
    }

    private static int literalLength(String path) {
        return path.replaceAll("\\{[^}]*}", "").length();
    }

    /** additionalProperties: false on every object schema that lists properties and says nothing else. */
    private static void closeObjects(JsonNode node) {
        if (node.isObject()) {
            ObjectNode o = (ObjectNode) node;
            if (o.has("properties") && o.get("properties").isObject() && !o.has("additionalProperties")
                    && (!o.has("type") || o.get("type").asText().equals("object"))) {
                o.put("additionalProperties", false);
            }
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            closeObjects(it.next());
        }
    }

    private static String names(JsonNode content) {
        List<String> n = new ArrayList<>();
        content.fieldNames().forEachRemaining(n::add);
        return n.toString();
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "(none)";
        }
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
