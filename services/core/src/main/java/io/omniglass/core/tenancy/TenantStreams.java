package io.omniglass.core.tenancy;

import io.omniglass.api.lane.LaneSubjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import io.nats.client.support.JsonParseException;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;
import io.omniglass.core.runtime.StreamConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;

/**
 * A tenant's JetStream streams: the data lane, the CDC feed, the dead letters. Subjects live under
 * the tenant's namespace {@code og.<tenant>.>}.
 */
public final class TenantStreams {

    private static final Logger log = LoggerFactory.getLogger(TenantStreams.class);

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
    public static void ensure(Connection nats, String slug, int replicas) throws IOException {
        upsert(nats, StreamConfiguration.builder()
                .name(dataStream(slug))
                .subjects(dataSubjects(slug))
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                // a backlog waits here while the sink catches up; publishers never wait on Postgres
                .maxAge(Duration.ofDays(7))
                .discardPolicy(DiscardPolicy.Old)
                .duplicateWindow(DUPLICATE_WINDOW)
                .replicas(replicas)
                .build(), Map.of());
        upsert(nats, StreamConfiguration.builder()
                .name(cdcStream(slug))
                .subjects("og." + slug + ".cdc.>")
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .maxAge(Duration.ofDays(7))
                .duplicateWindow(DUPLICATE_WINDOW)
                .replicas(replicas)
                .build(), atomicPublish(nats));
        upsert(nats, StreamConfiguration.builder()
                .name(dlqStream(slug))
                .subjects("og." + slug + ".dlq.>")
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .maxAge(Duration.ofDays(30))
                .replicas(replicas)
                .build(), Map.of());
    }

    /**
     * Lets the CDC publisher store a drain window as one atomic batch (nats-server 2.12+): the
     * stream's {@code allow_atomic}, which this jnats does not model; kept on every later write
     * because every write goes through {@link StreamConfigs}.
     */
    public static void allowAtomicPublish(Connection nats, String stream) throws IOException {
        StreamConfigs.update(nats, stream, atomicPublish(nats));
    }

    private static Map<String, JsonValue> atomicPublish(Connection nats) {
        return StreamConfigs.atomicPublishAvailable(nats) ? Map.of("allow_atomic", JsonValue.TRUE) : Map.of();
    }

    /** The fields of an existing stream that ensure brings to the configuration: the others are left as they are. */
    private static final List<String> ENSURED = List.of("subjects", "duplicate_window", "num_replicas");

    private static void upsert(Connection nats, StreamConfiguration sc, Map<String, JsonValue> unmodelled) throws IOException {
        Map<String, JsonValue> wanted = new LinkedHashMap<>(parse(sc.toJson()).map);
        Map<String, JsonValue> existing = StreamConfigs.readIfExists(nats, sc.getName());
        if (existing == null) {
            wanted.putAll(unmodelled);
            StreamConfigs.create(nats, sc.getName(), wanted);
            return;
        }
        Map<String, JsonValue> changes = new LinkedHashMap<>(unmodelled);
        for (String field : ENSURED) {
            if (wanted.containsKey(field)) {
                changes.put(field, wanted.get(field));
            }
        }
        if (StreamConfigs.update(nats, sc.getName(), changes)) {
            log.info("stream {}: configuration brought to {}", sc.getName(), new JsonValue(changes).toJson());
        }
    }

    private static JsonValue parse(String json) throws IOException {
        try {
            return JsonParser.parse(json);
        } catch (JsonParseException e) {
            throw new IOException("jnats wrote a stream configuration that is not JSON: " + e.getMessage(), e);
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
