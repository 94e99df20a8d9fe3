package io.omniglass.core.runtime;

import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.support.JsonParseException;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one writer of the configuration of a stream that exists: every write starts from the
 * configuration as nats-server holds it and changes only the fields asked for, through JetStream's
 * own API. A jnats {@code updateStream} sends jnats' model of the configuration instead, and this
 * jnats does not model every field: {@code allow_atomic} (the CDC feed's atomic batches) was
 * silently turned off by every replica reconcile or subject change made that way.
 */
public final class StreamConfigs {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private StreamConfigs() {
    }

    /** JetStream's error code for a stream that does not exist. */
    private static final int STREAM_NOT_FOUND = 10059;

    /** The stream's configuration as the server holds it, every field included. */
    public static Map<String, JsonValue> read(Connection nats, String stream) throws IOException {
        Map<String, JsonValue> config = readIfExists(nats, stream);
        if (config == null) {
            throw new IOException("stream " + stream + " not found");
        }
        return config;
    }

    /** The same, or null when there is no such stream. */
    public static Map<String, JsonValue> readIfExists(Connection nats, String stream) throws IOException {
        JsonValue json = call(nats, "$JS.API.STREAM.INFO." + stream, null);
        JsonValue error = json.map == null ? null : json.map.get("error");
        if (error != null && error.map != null && error.map.get("err_code") != null
                && error.map.get("err_code").number != null && error.map.get("err_code").number.intValue() == STREAM_NOT_FOUND) {
            return null;
        }
        JsonValue config = checked("$JS.API.STREAM.INFO." + stream, json).map.get("config");
        if (config.map == null) {
            throw new IOException("stream info of " + stream + " has no configuration");
        }
        return config.map;
    }

    /** Creates a stream from {@code config} (jnats' model as JSON, plus any field it does not model). */
    public static void create(Connection nats, String stream, Map<String, JsonValue> config) throws IOException {
        request(nats, "$JS.API.STREAM.CREATE." + stream, new JsonValue(config).toJson());
    }

    /**
     * Writes {@code changes} over the stream's configuration as the server holds it, when any of
     * them differs from it; true when it wrote.
     */
    public static boolean update(Connection nats, String stream, Map<String, JsonValue> changes) throws IOException {
        Map<String, JsonValue> current = read(nats, stream);
        Map<String, JsonValue> updated = new LinkedHashMap<>(current);
        updated.putAll(changes);
        if (sameJson(current, updated)) {
            return false;
        }
        request(nats, "$JS.API.STREAM.UPDATE." + stream, new JsonValue(updated).toJson());
        return true;
    }

    /** Whether the server has atomic batch publish ({@code allow_atomic}): nats-server 2.12 and newer. */
    public static boolean atomicPublishAvailable(Connection nats) {
        return nats.getServerInfo() != null && nats.getServerInfo().isSameOrNewerThanVersion("2.12.0");
    }

    /** Whether {@code config} (as the server holds it) has the boolean {@code field} on. */
    public static boolean isOn(Map<String, JsonValue> config, String field) {
        JsonValue v = config.get(field);
        return v != null && Boolean.TRUE.equals(v.bool);
    }

    private static boolean sameJson(Map<String, JsonValue> a, Map<String, JsonValue> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<String, JsonValue> e : a.entrySet()) {
            // JSON text, not JsonValue.equals: a number parsed back may be held as another Java type
            if (!e.getValue().toJson().equals(b.get(e.getKey()).toJson())) {
                return false;
            }
        }
        return true;
    }

    private static JsonValue request(Connection nats, String subject, String body) throws IOException {
        return checked(subject, call(nats, subject, body));
    }

    private static JsonValue checked(String subject, JsonValue json) throws IOException {
        if (json.map == null || json.map.containsKey("error") || !json.map.containsKey("config")) {
            throw new IOException(subject + " refused: " + json.toJson());
        }
        return json;
    }

    private static JsonValue call(Connection nats, String subject, String body) throws IOException {
        Message reply;
        try {
            reply = nats.request(subject, body == null ? null : body.getBytes(StandardCharsets.UTF_8), TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + subject, e);
        }
        if (reply == null) {
            throw new IOException("no answer to " + subject);
        }
        JsonValue json;
        try {
            json = JsonParser.parse(new String(reply.getData(), StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new IOException(subject + " answered with no JSON: " + e.getMessage(), e);
        }
        return json;
    }
}
