package io.omniglass.core.lifecycle;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.StorageType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Exactly one core at a time runs a tenant's upkeep: a NATS KV lease per tenant, taken with
 * {@code create} (only when absent), renewed with {@code update} at our revision between steps,
 * released with {@code delete} at that revision. The bucket's max age is the lease's time to
 * live, so a core killed mid-run leaves a key that ages out and the next run elsewhere proceeds.
 * A run is short and on demand (a schedule, a command): nothing watches or polls the key.
 */
final class MaintenanceLease {

    static final String BUCKET = "og_lifecycle_leases";

    private final KeyValue kv;
    private final String key;
    private final byte[] holder;
    private long revision;

    private MaintenanceLease(KeyValue kv, String key, byte[] holder) {
        this.kv = kv;
        this.key = key;
        this.holder = holder;
    }

    /**
     * {@code replicas}: OMNIGLASS_NATS_REPLICAS; {@code ttl}: how long a dead holder blocks the
     * tenant's upkeep (OMNIGLASS_LIFECYCLE_LEASE_TTL), the bucket's when it is created.
     */
    static KeyValue bucket(Connection nats, int replicas, Duration ttl) throws IOException, JetStreamApiException {
        KeyValueManagement kvm = nats.keyValueManagement();
        try {
            kvm.getStatus(BUCKET);
            io.omniglass.core.runtime.StreamReplicas.reconcile(nats, "KV_" + BUCKET, replicas);
        } catch (JetStreamApiException e) {
            try {
                kvm.create(KeyValueConfiguration.builder().name(BUCKET).maxHistoryPerKey(1).ttl(ttl)
                        .storageType(StorageType.File).replicas(replicas).build());
            } catch (JetStreamApiException raced) {
                kvm.getStatus(BUCKET);
            }
        }
        return nats.keyValue(BUCKET);
    }

    /** The lease on {@code tenant}, or null when another core holds it. */
    static MaintenanceLease tryTake(KeyValue kv, String tenant, String instance) throws IOException {
        MaintenanceLease l = new MaintenanceLease(kv, tenant, instance.getBytes(StandardCharsets.UTF_8));
        try {
            l.revision = kv.create(tenant, l.holder);
            return l;
        } catch (JetStreamApiException e) {
            return null;
        }
    }

    /** Extends the lease; false when it was lost (aged out and taken): the caller stops. */
    boolean renew() {
        try {
            revision = kv.update(key, holder, revision);
            return true;
        } catch (IOException | JetStreamApiException e) {
            return false;
        }
    }

    void release() {
        try {
            kv.delete(key, revision);
        } catch (IOException | JetStreamApiException | RuntimeException ignored) {
            // lost or NATS gone: it ages out
        }
    }
}
