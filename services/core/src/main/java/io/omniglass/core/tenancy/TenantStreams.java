package io.omniglass.core.tenancy;

import io.omniglass.api.lane.LaneSubjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.api.StreamInfo;
import io.nats.client.Message;
import io.nats.client.support.JsonParseException;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Duration;

/**
 * A tenant's JetStream streams: the data lane, the CDC feed, the dead letters. Subjects live under
 * the tenant's namespace {@code og.<tenant>.>}.
 */
public final class TenantStreams {

    /** Publish deduplication window of the data and CDC streams (Nats-Msg-Id). */
    public static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(10);

    private TenantStreams() {
    }

    public static String dataStream(String slug) {
        return "OG_" + slug.toUpperCase() + "_DATA";
    }

    public static String cdcStream(String slug) {
        return "OG_" + slug.toUpperCase() + "_CDC";
    }

    public static String dlqStream(String slug) {
        return "OG_" + slug.toUpperCase() + "_DLQ";
    }

    public static String dataSubject(String slug, String kind) {
        return LaneSubjects.datapoints(slug, kind);
    }

    public static String dataSubjects(String slug) {
        return LaneSubjects.allDatapoints(slug);
    }

    public static String cdcSubject(String slug, String table) {
        return LaneSubjects.changes(slug, table);
    }

    public static String dlqSubject(String slug) {
        return LaneSubjects.deadLetters(slug);
    }

    /** Creates the tenant's streams, or brings them to this configuration ({@code replicas} included). */
    public static void ensure(Connection nats, String slug, int replicas) throws IOException, JetStreamApiException {
        JetStreamManagement jsm = nats.jetStreamManagement();
        upsert(jsm, StreamConfiguration.builder()
                .name(dataStream(slug))
                .subjects(dataSubjects(slug))
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                // a backlog waits here while the sink catches up; publishers never wait on Postgres
                .maxAge(Duration.ofDays(7))
                .discardPolicy(DiscardPolicy.Old)
                .duplicateWindow(DUPLICATE_WINDOW)
                .replicas(replicas)
                .build());
        upsert(jsm, StreamConfiguration.builder()
                .name(cdcStream(slug))
                .subjects("og." + slug + ".cdc.>")
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .maxAge(Duration.ofDays(7))
                .duplicateWindow(DUPLICATE_WINDOW)
                .replicas(replicas)
                .build());
        allowAtomicPublish(nats, cdcStream(slug));
        upsert(jsm, StreamConfiguration.builder()
                .name(dlqStream(slug))
                .subjects("og." + slug + ".dlq.>")
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .maxAge(Duration.ofDays(30))
                .replicas(replicas)
                .build());
    }

    /**
     * Lets the CDC publisher store a drain window as one atomic batch (nats-server 2.12+), set with
     * JetStream's own API because this jnats does not model {@code allow_atomic}: the stream's
     * configuration as the server holds it, with the flag on. A configuration written later through
     * jnats drops the flag again; the publisher then publishes change by change until the next ensure.
     */
    public static void allowAtomicPublish(Connection nats, String stream) throws IOException {
        if (nats.getServerInfo() == null || !nats.getServerInfo().isSameOrNewerThanVersion("2.12.0")) {
            return;
        }
        try {
            JsonValue info = apiRequest(nats, "$JS.API.STREAM.INFO." + stream, null);
            JsonValue config = info.map.get("config");
            JsonValue allow = config.map.get("allow_atomic");
            if (allow != null && Boolean.TRUE.equals(allow.bool)) {
                return;
            }
            Map<String, JsonValue> updated = new LinkedHashMap<>(config.map);
            updated.put("allow_atomic", JsonValue.TRUE);
            apiRequest(nats, "$JS.API.STREAM.UPDATE." + stream, new JsonValue(updated).toJson());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while allowing atomic publish on " + stream, e);
        }
    }

    private static JsonValue apiRequest(Connection nats, String subject, String body) throws IOException, InterruptedException {
        Message reply = nats.request(subject, body == null ? null : body.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
        if (reply == null) {
            throw new IOException("no answer to " + subject);
        }
        JsonValue json;
        try {
            json = JsonParser.parse(new String(reply.getData(), StandardCharsets.UTF_8));
        } catch (JsonParseException e) {
            throw new IOException(subject + " answered with no JSON: " + e.getMessage(), e);
        }
        if (json.map == null || json.map.containsKey("error") || !json.map.containsKey("config")) {
            throw new IOException(subject + " refused: " + json.toJson());
        }
        return json;
    }

    private static void upsert(JetStreamManagement jsm, StreamConfiguration sc) throws IOException, JetStreamApiException {
        StreamInfo existing;
        try {
            existing = jsm.getStreamInfo(sc.getName());
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == 10059) { // stream not found
                jsm.addStream(sc);
                return;
            }
            throw e;
        }
        if (!existing.getConfiguration().getSubjects().equals(sc.getSubjects())
                || !existing.getConfiguration().getDuplicateWindow().equals(sc.getDuplicateWindow())) {
            jsm.updateStream(sc);
        } else {
            io.omniglass.core.runtime.StreamReplicas.reconcile(jsm, existing, sc.getReplicas());
        }
    }

    public static void delete(Connection nats, String slug) {
        try {
            JetStreamManagement jsm = nats.jetStreamManagement();
            for (String s : new String[]{dataStream(slug), cdcStream(slug), dlqStream(slug)}) {
                try {
                    jsm.deleteStream(s);
                } catch (JetStreamApiException ignored) {
                    // not there
                }
            }
        } catch (IOException ignored) {
            // best effort clean-up of a failed provisioning
        }
    }
}
