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

import java.io.IOException;
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
        upsert(jsm, StreamConfiguration.builder()
                .name(dlqStream(slug))
                .subjects("og." + slug + ".dlq.>")
                .storageType(StorageType.File)
                .retentionPolicy(RetentionPolicy.Limits)
                .maxAge(Duration.ofDays(30))
                .replicas(replicas)
                .build());
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
